"""Logs from a whole scenario (Bob, PRODUCT.md) and its error cases: every line is JSON with a
correlation id, and no raw email, phone number or signing secret is in any of them."""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import time

import pytest

from leadwire.domain.models import lead_id_for
from leadwire.providers import DEV_SECRETS
from leadwire_local import senders
from leadwire_local.lambda_events import LambdaContext
from tests.support import post_form

BOB = {
    "email": "Bob.Builder@Acme-Robotics.example",
    "first_name": "Bob",
    "last_name": "Builder",
    "job_title": "Team Lead",
    "company": "Acme Robotics",
    "company_size": "120",
    "phone": "+1 (555) 010-9999",
}
STUDENT = {"email": "sam.student@gmail.com", "job_title": "Student", "phone": "555-123-4567"}
EMAILS = [BOB["email"], STUDENT["email"], "cleo@bigco.example"]
PHONES = [BOB["phone"], STUDENT["phone"], "+44 20 7946 0958"]


@pytest.fixture
def log_lines(sandbox):
    """Everything the functions log, as Powertools writes it (one JSON document a line)."""
    stream = io.StringIO()
    handlers = logging.getLogger("leadwire").handlers
    for handler in handlers:
        handler.setStream(stream)  # type: ignore[attr-defined]
    yield lambda: [line for line in stream.getvalue().splitlines() if line.strip()]


def forget_correlation_id() -> None:
    """What a fresh Lambda container would have: no correlation id left from another function."""
    for handler in logging.getLogger("leadwire").handlers:
        handler.formatter.append_keys(correlation_id=None)  # type: ignore[union-attr]


def test_scenario_and_error_logs_are_json_with_a_correlation_id_and_no_pii_or_secret(
    sandbox, log_lines
):
    # Given Bob's journey to sql (seed 003) with an alert, a chat, and the leads API
    assert post_form(sandbox, "newsletter", BOB).status == 202
    for form in ("content-download", "content-download", "webinar"):
        assert post_form(sandbox, form, BOB).status == 202
    demo = {**BOB, "budget": "$40k", "timeline": "1 month", "message": "call me at +1 555 010 9999"}
    assert post_form(sandbox, "demo-request", demo).status == 202
    forget_correlation_id()  # one process hosts every function here; Lambda would not share
    assert sandbox.pump() == 1 and len(sandbox.received_alerts()) == 1
    headers, body = senders.json_webhook(
        senders.json_chat("c1", "m1", "I'm cleo@bigco.example, +44 20 7946 0958", email=EMAILS[2])
    )
    assert sandbox.request("POST", "/webhooks/chat/json", headers, body).status == 202
    bob = lead_id_for(BOB["email"])
    assert sandbox.request("GET", f"/leads/{bob}").status == 200
    outcome = json.dumps({"outcome": "accepted", "reason": f"spoke to {BOB['email']}"}).encode()
    assert sandbox.request("POST", f"/leads/{bob}/disposition", body=outcome).status == 200

    # And the error cases: bad signature, a malformed email carrying a phone, stale, too big
    other = "whsec_" + base64.b64encode(b"not-the-right-secret-at-all").decode()
    assert post_form(sandbox, "trial", STUDENT, secret=other).status == 401
    assert (
        post_form(sandbox, "trial", {**STUDENT, "email": "sam <sam.student@gmail.com>"}).status
        == 400
    )
    assert post_form(sandbox, "trial", STUDENT, timestamp=int(time.time()) - 900).status == 409
    assert post_form(sandbox, "trial", {**STUDENT, "message": "x" * 70_000}).status == 413
    assert sandbox.request("POST", "/webhooks/forms/nosuch", body=b"{}").status == 404
    assert sandbox.request("GET", "/leads?stage=" + STUDENT["email"]).status == 400
    assert sandbox.request("DELETE", f"/leads/{bob}").status == 200

    # And the daily decay run
    forget_correlation_id()
    sandbox.handler("DecayFunction")({"id": "evt-decay-1", "source": "aws.events"}, LambdaContext())

    # Then every line is a JSON document with a correlation id ...
    lines = log_lines()
    assert len(lines) >= 15
    records = [json.loads(line) for line in lines]
    missing = [r["message"] for r in records if not r.get("correlation_id")]
    assert missing == []
    assert {"webhook", "webhook refused", "sql alert", "disposition", "erased", "decay"} <= {
        r["message"] for r in records
    }

    # ... and no raw email address, phone number or signing secret
    logged = "\n".join(lines)
    for email in EMAILS:
        assert email.lower() not in logged.lower()
        assert email.split("@")[0].lower() + "@" not in logged.lower()
    digits = re.sub(r"\D", "", logged)
    for phone in PHONES:
        assert re.sub(r"\D", "", phone) not in digits
    for secret in [*DEV_SECRETS.values(), other]:
        assert secret not in logged
        key = secret.removeprefix("whsec_")
        assert key not in logged
    assert base64.b64decode(DEV_SECRETS["json"].removeprefix("whsec_")).decode() not in logged
