"""`leadwire demo`: Bob's journey step by step (lead -> MQL -> SQL, one alert, a redelivery
counted once), then the other qualification scenarios, through the HTTP contract only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from leadwire.domain.models import lead_id_for
from leadwire_local import senders
from leadwire_local.progress import progress
from leadwire_local.progress import say as say_above_the_bar
from leadwire_local.scenarios import SCENARIOS, Result, Stack, play

BOB = {
    "email": "bob@acme-robotics.example",
    "first_name": "Bob",
    "last_name": "Baker",
    "job_title": "Team Lead, Engineering",
    "company": "Acme Robotics",
    "company_size": "120",
}


@dataclass(frozen=True)
class Step:
    title: str
    form: str
    fields: dict[str, str] = field(default_factory=dict)
    delivery_id: str | None = None


BOB_STEPS = [
    Step("Bob subscribes to the blog", "newsletter"),
    Step("Bob downloads an e-book", "content-download", {"asset": "pm-best-practices"}),
    Step("Bob downloads a second e-book", "content-download", {"asset": "pm-tools-guide"}),
    Step("Bob registers for a webinar", "webinar"),
    Step(
        "Bob requests a demo (budget $40k, decision within one month)",
        "demo-request",
        {"budget": "$40k", "timeline": "within one month", "message": "Demo for a team of 12"},
        delivery_id="msg_bob_demo_request",
    ),
    Step(
        "The form tool redelivers the demo request (same delivery id)",
        "demo-request",
        {"budget": "$40k", "timeline": "within one month", "message": "Demo for a team of 12"},
        delivery_id="msg_bob_demo_request",
    ),
]


def play_bob(
    stack: Stack, say: Callable[[str], Any] = print, email: str = BOB["email"]
) -> list[dict[str, Any]]:
    """Send Bob's steps as signed `json` webhooks; report score, stage and alerts after each."""
    lead_id = lead_id_for(email)
    results: list[dict[str, Any]] = []
    seen = 0
    for number, step in enumerate(BOB_STEPS, 1):
        delivery = f"{step.delivery_id}_{lead_id}" if step.delivery_id else None
        headers, body = senders.json_webhook(
            senders.json_form(step.form, {**BOB, "email": email, **step.fields}),
            delivery_id=delivery,
        )
        response = stack.request("POST", "/webhooks/forms/json", headers, body)
        found = stack.request("GET", f"/leads/{lead_id}")
        lead = found.json() if found.status == 200 else {}
        all_alerts = stack.alerts_for(lead_id)
        alerts, seen = all_alerts[seen:], len(all_alerts)
        status = response.json().get("status", response.status)
        say(f"{number}. {step.title}")
        say(
            f"   -> HTTP {response.status} {status}; score {lead.get('score', '-')} "
            f"(fit {lead.get('fit', '-')}), stage {lead.get('stage', '-')}"
        )
        for alert in alerts:
            say(f"   ALERT to sales [{alert['urgency']}] {alert['subject']}")
            say("   " + alert["message"].replace("\n", "\n   "))
        results.append(
            {
                "step": step.title,
                "status": status,
                "stage": lead.get("stage"),
                "score": lead.get("score"),
                "alerts": alerts,
            }
        )
    total = sum(len(r["alerts"]) for r in results)
    say(f"\nBob reached '{results[-1]['stage']}' with {total} alert(s) sent to sales.")
    return results


def run_demo(stack: Stack, say: Callable[[str], Any] = say_above_the_bar) -> bool:
    """Bob step by step, then every qualification scenario with its expected outcome checked."""
    say("== Bob, step by step ==\n")
    bob = play_bob(stack, say)
    bob_ok = bob[-1]["stage"] == "sql" and sum(len(r["alerts"]) for r in bob) == 1
    say("\n== Qualification scenarios ==\n")
    scenarios = progress(SCENARIOS, "scenarios", "scenario", len(SCENARIOS))
    results: list[Result] = [play(scenario, stack, say=say) for scenario in scenarios]
    passed = sum(r.passed for r in results)
    say(f"\n{passed}/{len(results)} scenarios behaved as the rules say.")
    return bob_ok and passed == len(results)
