"""Seed 003's Bob, played through the real handlers: lead -> MQL -> SQL and exactly one alert."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from leadwire import runtime
from leadwire.models import lead_id_for
from leadwire_local import senders
from leadwire_local.sandbox import Sandbox

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


def play_bob(sandbox: Sandbox, say: Callable[[str], Any] = print) -> list[dict[str, Any]]:
    """Send Bob's steps as signed `json` webhooks; report score, stage and alerts after each."""
    lead_id = lead_id_for(BOB["email"])
    results = []
    for number, step in enumerate(BOB_STEPS, 1):
        headers, body = senders.json_webhook(
            senders.json_form(step.form, {**BOB, **step.fields}), delivery_id=step.delivery_id
        )
        response = sandbox.request("POST", "/webhooks/forms/json", headers, body)
        sandbox.pump()
        alerts = sandbox.received_alerts()
        lead = runtime.store().load(lead_id)
        status = response.json().get("status", response.status)
        say(f"{number}. {step.title}")
        say(
            f"   -> HTTP {response.status} {status}; score {lead.score if lead else '-'} "
            f"(fit {lead.fit if lead else '-'}), stage {lead.stage.value if lead else '-'}"
        )
        for alert in alerts:
            say(f"   ALERT to sales [{alert.urgency}] {alert.subject}")
            say("   " + alert.message.replace("\n", "\n   "))
        results.append(
            {
                "step": step.title,
                "status": status,
                "stage": lead.stage.value if lead else None,
                "score": lead.score if lead else None,
                "alerts": [a.as_line() for a in alerts],
            }
        )
    total = sum(len(r["alerts"]) for r in results)
    say(f"\nBob reached '{results[-1]['stage']}' with {total} alert(s) sent to sales.")
    return results
