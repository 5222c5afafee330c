"""The qualification scenarios, played through the HTTP contract: by `leadwire demo` (against a
running `make run`, or in-process) and by the end-to-end tests.

A scenario only sends what the senders would send and reads what users can read: the
webhook answers, GET /leads/{id}, and the alerts sales receives.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from leadwire.domain.models import lead_id_for
from leadwire_local import senders
from leadwire_local.sandbox import HttpResponse, Sandbox


class Stack(Protocol):
    """Where a scenario runs: a request goes in, alerts come out."""

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> HttpResponse: ...

    def alerts_for(self, lead_id: str) -> list[dict[str, Any]]: ...


class InProcessStack:
    """The Sandbox (moto in this process): the stream is pumped after every request."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._alerts: list[dict[str, Any]] = []

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> HttpResponse:
        response = self.sandbox.request(method, path, headers, body)
        self.sandbox.pump()
        self._alerts += [a.as_line() for a in self.sandbox.received_alerts()]
        return response

    def alerts_for(self, lead_id: str) -> list[dict[str, Any]]:
        return [a for a in self._alerts if a["leadId"] == lead_id]


class RunningStack:
    """A `leadwire serve` over HTTP; alerts read from its alerts.jsonl once it says the stream
    is delivered (`POST /_local/settle`)."""

    ATTEMPTS = 3  # a request that times out is sent again, as a webhook sender would
    ATTEMPT_TIMEOUT = 60.0  # one request of a demo; generous for a busy machine

    def __init__(self, base_url: str, data_dir: Path) -> None:
        self.base_url = base_url.rstrip("/")
        self.alerts_file = data_dir / "alerts.jsonl"

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> HttpResponse:
        request = urllib.request.Request(
            self.base_url + path, data=body or None, headers=headers or {}, method=method
        )
        opener = urllib.request.build_opener(_NoRedirects)
        attempts_left = self.ATTEMPTS
        while True:
            attempts_left -= 1
            try:
                with opener.open(request, timeout=self.ATTEMPT_TIMEOUT) as answer:
                    return HttpResponse(answer.status, dict(answer.headers), answer.read())
            except urllib.error.HTTPError as error:
                return HttpResponse(error.code, dict(error.headers), error.read())
            except TimeoutError:
                if not attempts_left:
                    raise

    def alerts_for(self, lead_id: str) -> list[dict[str, Any]]:
        settled = self.request("POST", "/_local/settle")
        if settled.status != 200:
            raise RuntimeError(f"{self.base_url} did not deliver its stream ({settled.status})")
        if not self.alerts_file.exists():
            return []
        lines = self.alerts_file.read_text(encoding="utf-8").splitlines()
        return [a for a in map(json.loads, filter(None, lines)) if a.get("leadId") == lead_id]

    def answers(self) -> bool:
        try:
            return self.request("GET", "/leads?limit=1").status == 200
        except OSError:
            return False


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass(frozen=True)
class Step:
    says: str
    send: Callable[[str], tuple[str, dict[str, str], bytes]]  # run id -> path, headers, body


@dataclass(frozen=True)
class Scenario:
    number: int
    title: str
    email: str
    steps: list[Step]
    stage: str
    alerts: int
    urgency: str | None = None
    extra: Callable[[dict[str, Any]], str | None] = field(default=lambda lead: None)


@dataclass
class Result:
    scenario: Scenario
    email: str
    lead: dict[str, Any]
    alerts: list[dict[str, Any]]
    answers: list[str]
    problems: list[str]

    @property
    def passed(self) -> bool:
        return not self.problems


def _form(form: str, fields: dict[str, str]) -> Callable[[str], tuple[str, dict[str, str], bytes]]:
    def send(run: str) -> tuple[str, dict[str, str], bytes]:
        email = fields["email"].replace("@", f"+{run}@")
        payload = senders.json_form(form, {**fields, "email": email})
        headers, body = senders.json_webhook(payload)
        return "/webhooks/forms/json", headers, body

    return send


def _chat(
    text: str, visitor: str, email: str | None = None
) -> Callable[[str], tuple[str, dict[str, str], bytes]]:
    def send(run: str) -> tuple[str, dict[str, str], bytes]:
        address = email.replace("@", f"+{run}@") if email else None
        payload = senders.json_chat(
            f"conv_{visitor}_{run}",
            f"m_{uuid.uuid4().hex[:8]}",
            text,
            visitor_id=f"{visitor}_{run}",
            email=address,
        )
        headers, body = senders.json_webhook(payload)
        return "/webhooks/chat/json", headers, body

    return send


BOB = {
    "email": "bob@acme-robotics.example",
    "first_name": "Bob",
    "last_name": "Baker",
    "job_title": "Team Lead",
    "company": "Acme Robotics",
    "company_size": "120",
}
STUDENT = {"email": "sam.student@gmail.com", "first_name": "Sam", "job_title": "Student"}
VP = {
    "email": "vera@bigco.example",
    "first_name": "Vera",
    "last_name": "Lind",
    "job_title": "VP Operations",
    "company": "BigCo",
    "company_size": "500",
}
DIRECTOR = {
    "email": "dana@northwind.example",
    "first_name": "Dana",
    "job_title": "Director of IT",
    "company": "Northwind",
    "company_size": "300",
}
HEAD = {
    "email": "hana@westshire.gov.uk",
    "first_name": "Hana",
    "job_title": "Head of Digital",
    "company": "Westshire Council",
}
ENGINEERING = {
    "email": "eli@bigcorp.example",
    "first_name": "Eli",
    "job_title": "Director of Engineering",
    "company_size": "500",
}
ANONYMOUS = {"email": "max.power@gmail.com", "first_name": "Max"}
CTO = {
    "email": "tom@tinyrocket.example",
    "first_name": "Tom",
    "job_title": "CTO",
    "company": "Tiny Rocket",
    "company_size": "40",
}
BOB_BLOG = Step("Bob subscribes to the blog", _form("newsletter", BOB))
BOB_RESEARCH = [
    Step("Bob downloads an e-book", _form("content-download", {**BOB, "asset": "pm-guide"})),
    Step("Bob downloads another e-book", _form("content-download", {**BOB, "asset": "tools"})),
    Step("Bob registers for a webinar", _form("webinar", BOB)),
]
BOB_DEMO = Step(
    "Bob requests a demo: budget $40k, decision within one month",
    _form("demo-request", {**BOB, "budget": "$40k", "timeline": "within one month"}),
)

SCENARIOS = [
    Scenario(1, "Bob subscribes to the blog", BOB["email"], [BOB_BLOG], "lead", 0),
    Scenario(
        2,
        "Bob researches: two e-books and a webinar",
        BOB["email"],
        [BOB_BLOG, *BOB_RESEARCH],
        "mql",
        0,
    ),
    Scenario(
        3,
        "Bob requests a demo with budget and a one-month timeline",
        BOB["email"],
        [BOB_BLOG, *BOB_RESEARCH, BOB_DEMO],
        "sql",
        1,
        "high",
    ),
    Scenario(
        4,
        "A student with a personal email downloads ten e-books",
        STUDENT["email"],
        [
            Step(f"e-book {i}", _form("content-download", {**STUDENT, "asset": f"book-{i}"}))
            for i in range(1, 11)
        ],
        "lead",
        0,
    ),
    Scenario(
        5,
        "A VP at a 500-person company asks about pricing in chat, then books a demo",
        VP["email"],
        [
            Step(
                "Vera asks about pricing in chat",
                _chat("What does your pricing look like for 500 people?", "v_vera", VP["email"]),
            ),
            Step("Vera books a demo", _form("demo-request", VP)),
        ],
        "sql",
        1,
    ),
    Scenario(
        6,
        "An anonymous chat visitor gives an email in a later message",
        "nora@corp.example",
        [
            Step("an anonymous visitor chats", _chat("Hi! Do you integrate with Jira?", "v_anon")),
            Step("they ask about pricing", _chat("And how much is it?", "v_anon")),
            Step(
                "they give their email",
                _chat("I'm nora@corp.example", "v_anon", "nora@corp.example"),
            ),
        ],
        "lead",
        0,
        extra=lambda lead: (
            None
            if lead.get("events") == 3 and len(lead.get("ledger", [])) == 3
            else f"expected one lead with 3 merged events, got {lead.get('events')}"
        ),
    ),
    Scenario(
        7,
        "A director at a 300-person company requests a demo on first touch",
        DIRECTOR["email"],
        [Step("Dana requests a demo", _form("demo-request", DIRECTOR))],
        "sql",
        1,
        "normal",
    ),
    Scenario(
        9,
        "A head of digital at a council requests a demo",
        HEAD["email"],
        [Step("Hana requests a demo", _form("demo-request", HEAD))],
        "sql",
        1,
        "normal",
    ),
    Scenario(
        10,
        "A director of engineering at a 500-person company asks to talk to sales",
        ENGINEERING["email"],
        [Step("Eli contacts sales", _form("contact-sales", ENGINEERING))],
        "sql",
        1,
        "normal",
    ),
    Scenario(
        11,
        "No title, a personal address, a first-touch demo request",
        ANONYMOUS["email"],
        [Step("Max requests a demo", _form("demo-request", ANONYMOUS))],
        "mql",
        0,
    ),
    Scenario(
        12,
        "The CTO of a 40-person startup reads the blog, then starts a trial",
        CTO["email"],
        [
            Step("Tom subscribes to the blog", _form("newsletter", CTO)),
            Step("Tom starts a trial", _form("trial", CTO)),
        ],
        "sql",
        1,
        "normal",
    ),
]


def play(
    scenario: Scenario,
    stack: Stack,
    run: str | None = None,
    say: Callable[[str], Any] = lambda _: None,
) -> Result:
    """Send the scenario's webhooks, then read the lead and its alerts as a user would."""
    run = run or uuid.uuid4().hex[:8]
    email = scenario.email.replace("@", f"+{run}@")
    answers, problems = [], []
    say(f"Scenario {scenario.number}: {scenario.title}")
    for step in scenario.steps:
        path, headers, body = step.send(run)
        response = stack.request("POST", path, headers, body)
        answer = response.json().get("status", "?") if response.status < 500 else "error"
        answers.append(f"{response.status} {answer}")
        if response.status != 202:
            problems.append(f"{step.says}: HTTP {response.status} {response.body[:200]!r}")
        say(f"   {step.says}: {response.status} {answer}")
    lead_id = lead_id_for(email)
    found = stack.request("GET", f"/leads/{lead_id}")
    lead = found.json() if found.status == 200 else {}
    alerts = stack.alerts_for(lead_id)
    if lead.get("stage") != scenario.stage:
        problems.append(f"stage {lead.get('stage')!r}, expected {scenario.stage!r}")
    if len(alerts) != scenario.alerts:
        problems.append(f"{len(alerts)} alert(s), expected {scenario.alerts}")
    if scenario.urgency and any(a["urgency"] != scenario.urgency for a in alerts):
        problems.append(f"urgency {[a['urgency'] for a in alerts]}, expected {scenario.urgency}")
    if extra := scenario.extra(lead):
        problems.append(extra)
    say(
        f"   -> {lead.get('stage', '?')}, score {lead.get('score', '?')} "
        f"(fit {lead.get('fit', '?')}), {len(alerts)} alert(s)"
        + ("" if not problems else "   PROBLEM: " + "; ".join(problems))
    )
    for alert in alerts:
        say(f"   ALERT to sales [{alert['urgency']}] {alert['subject']}")
    return Result(scenario, email, lead, alerts, answers, problems)
