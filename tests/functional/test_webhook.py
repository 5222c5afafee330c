"""The webhook function called as Lambda calls it, on moto resources built from template.yaml."""

from __future__ import annotations

import base64
import io
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from bench.cost import item_size
from leadwire.app import ports
from leadwire.domain.models import lead_id_for
from leadwire.shell import runtime
from leadwire_local import senders
from leadwire_local.sandbox import Sandbox

FORMS = "/webhooks/forms/json"
DEMO = {
    "email": "Bob@Acme-Robotics.example",
    "first_name": "Bob",
    "job_title": "Team Lead",
    "company_size": "120",
    "budget": "$40k",
    "timeline": "1 month",
    "phone": "+1 555 010 9999",
}


def post_form(sandbox: Sandbox, form: str, fields: dict, **signing):
    headers, body = senders.json_webhook(senders.json_form(form, fields), **signing)
    return sandbox.request("POST", FORMS, headers, body)


def test_signed_json_form_becomes_a_scored_lead(sandbox):
    response = post_form(sandbox, "webinar", DEMO, delivery_id="msg_1")
    assert response.status == 202
    assert response.json() == {"status": "accepted", "eventId": "json:msg_1"}  # never a score
    lead = runtime.store().load(lead_id_for("bob@acme-robotics.example"))
    assert lead is not None and lead.email == "bob@acme-robotics.example"
    assert (lead.stage.value, lead.score, lead.fit) == ("mql", 40, 25)
    [entry] = runtime.store().ledger(lead.lead_id)
    assert entry.event_id == "json:msg_1" and entry.rules["action.webinar"] == 15


def test_redelivered_webhook_is_counted_once(sandbox):
    first = post_form(sandbox, "webinar", DEMO, delivery_id="msg_same")
    again = post_form(sandbox, "webinar", DEMO, delivery_id="msg_same")
    assert first.json()["status"] == "accepted"
    assert again.status == 202 and again.json() == {
        "status": "duplicate",
        "eventId": "json:msg_same",
    }
    lead = runtime.store().load(lead_id_for(DEMO["email"]))
    assert lead.events == 1 and len(runtime.store().ledger(lead.lead_id)) == 1


def test_bad_signature_is_401_and_writes_nothing(sandbox):
    response = post_form(
        sandbox,
        "demo-request",
        DEMO,
        secret="whsec_" + base64.b64encode(b"someone-elses-secret").decode(),
    )
    assert response.status == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    assert sandbox.items() == []


def test_missing_signature_is_401_and_writes_nothing(sandbox):
    response = sandbox.request(
        "POST",
        FORMS,
        {"content-type": "application/json"},
        b'{"form": "trial", "fields": {"email": "a@b.example"}}',
    )
    assert response.status == 401 and sandbox.items() == []


def test_replayed_old_delivery_is_409_and_writes_nothing(sandbox):
    response = post_form(sandbox, "demo-request", DEMO, timestamp=int(time.time()) - 301)
    assert response.status == 409
    assert response.json()["error"]["code"] == "stale_timestamp"
    assert sandbox.items() == []


def test_previous_secret_is_accepted_during_rotation(sandbox, monkeypatch):
    old = senders.DEV_SECRETS["json"]
    new = "whsec_" + base64.b64encode(b"the-new-secret-after-rotation!!").decode()
    monkeypatch.setenv("LEADWIRE_SECRET_JSON", f"{new},{old}")
    assert post_form(sandbox, "trial", DEMO, secret=old).status == 202
    assert post_form(sandbox, "webinar", DEMO, secret=new).status == 202
    monkeypatch.setenv("LEADWIRE_SECRET_JSON", new)
    assert post_form(sandbox, "contact", DEMO, secret=old).status == 401


def test_a_secret_stored_without_base64_padding_still_accepts_deliveries(sandbox, monkeypatch):
    # Given the json secret configured as the sender's dashboard shows it, "=" padding dropped
    secret = senders.DEV_SECRETS["json"]
    monkeypatch.setenv("LEADWIRE_SECRET_JSON", secret.rstrip("="))

    # Then a delivery the sender signs with it is accepted (it was a 401 for every delivery)
    assert post_form(sandbox, "trial", DEMO, secret=secret).status == 202


def test_a_secret_that_is_not_base64_answers_401_saying_so_without_showing_it(sandbox, monkeypatch):
    monkeypatch.setenv("LEADWIRE_SECRET_JSON", "whsec_not*base64*at*all")
    response = post_form(sandbox, "trial", DEMO)
    assert response.status == 401
    message = response.json()["error"]["message"]
    assert "not valid base64" in message and "not*base64" not in message
    assert sandbox.items() == []


@pytest.mark.parametrize(
    ("path", "headers", "body", "status", "code"),
    [
        (
            "/webhooks/forms/nosuch",
            {"content-type": "application/json"},
            b"{}",
            404,
            "unknown_provider",
        ),
        (
            "/webhooks/chat/html",
            {"content-type": "application/x-www-form-urlencoded"},
            b"email=a%40b.example",
            404,
            "unknown_provider",
        ),
        (
            "/webhooks/forms/html",
            {"content-type": "text/plain"},
            b"email=a@b.example",
            415,
            "unsupported_media_type",
        ),
        (
            "/webhooks/forms/html",
            {"content-type": "application/x-www-form-urlencoded"},
            b"email=" + b"a" * 70_000,
            413,
            "payload_too_large",
        ),
        (
            "/webhooks/forms/html",
            {"content-type": "application/x-www-form-urlencoded"},
            b"first_name=Anon",
            400,
            "missing_identity",
        ),
        (
            "/webhooks/forms/html",
            {"content-type": "application/x-www-form-urlencoded"},
            b"email=not-an-email",
            400,
            "malformed_payload",
        ),
        (
            "/webhooks/forms/html",
            {"content-type": "application/x-www-form-urlencoded"},
            b"email=a%40b.example%0D%0ABcc%3A+x%40y.example",
            400,
            "malformed_payload",
        ),
        (
            "/webhooks/forms/html",
            {"content-type": "application/x-www-form-urlencoded"},
            b"email=a%40b.example&redirect=https%3A%2F%2Fevil.example%2F",
            400,
            "redirect_not_allowed",
        ),
    ],
)
def test_rejected_requests_get_a_json_error_and_write_nothing(
    sandbox, path, headers, body, status, code
):
    response = sandbox.request("POST", path, headers, body)
    assert response.status == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == code
    assert sandbox.items() == []


def test_malformed_json_is_400_after_a_valid_signature(sandbox):
    headers, _ = senders.json_webhook({})
    body = b'{"form": "trial", "fields": '
    signed, _ = senders.json_webhook({}, delivery_id="msg_x")
    signed["webhook-signature"] = senders.sign_standard_webhook(
        senders.DEV_SECRETS["json"], "msg_x", int(signed["webhook-timestamp"]), body
    )
    response = sandbox.request("POST", FORMS, signed, body)
    assert response.status == 400 and response.json()["error"]["code"] == "malformed_payload"
    assert sandbox.items() == []


def test_html_form_with_allowed_redirect_gets_303(sandbox, monkeypatch):
    monkeypatch.setenv("REDIRECT_ORIGINS", "https://www.acme.example")
    runtime.reset()
    headers, body = senders.html_form(
        {
            "form": "contact",
            "email": "ann@corp.example",
            "redirect": "https://www.acme.example/thanks",
        }
    )
    response = sandbox.request("POST", "/webhooks/forms/html", headers, body)
    assert response.status == 303
    assert response.headers["location"] == "https://www.acme.example/thanks"
    assert runtime.store().load(lead_id_for("ann@corp.example")).last_action == "contact_form"


def test_multipart_html_form_is_read(sandbox):
    boundary = "----leadwire"
    parts = [("email", "mia@corp.example"), ("form", "trial"), ("company", "Corp")]
    body = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in parts
        )
        + f"--{boundary}--\r\n"
    )
    response = sandbox.request(
        "POST",
        "/webhooks/forms/html",
        {"content-type": f"multipart/form-data; boundary={boundary}"},
        body.encode(),
    )
    assert response.status == 202
    lead = runtime.store().load(lead_id_for("mia@corp.example"))
    assert lead.profile.company == "Corp" and lead.last_action == "trial"


def test_same_html_form_content_twice_is_a_duplicate(sandbox):
    headers, body = senders.html_form({"form": "newsletter", "email": "leo@corp.example"})
    assert sandbox.request("POST", "/webhooks/forms/html", headers, body).json()["status"] == (
        "accepted"
    )
    assert sandbox.request("POST", "/webhooks/forms/html", headers, body).json()["status"] == (
        "duplicate"
    )


class Clock:
    """The webhook's clock, moved by the test (the window is about wall time)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 3, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(sandbox, monkeypatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(ports, "utc_now", moved)
    runtime.reset()  # the intake is built again, on this clock
    return moved


def html_post(sandbox, fields: dict[str, str]) -> str:
    headers, body = senders.html_form({"form": "webinar", **fields})
    return str(sandbox.request("POST", "/webhooks/forms/html", headers, body).json()["status"])


def test_the_same_html_form_again_soon_is_a_double_submit_and_later_a_new_one(sandbox, clock):
    leo = {"email": "leo@corp.example"}
    # Given a webinar registration, and the browser posting it again 8 minutes later
    assert html_post(sandbox, leo) == "accepted"
    clock.now += timedelta(minutes=8)  # (into the next 10-minute window)
    assert html_post(sandbox, leo) == "duplicate"
    # When Leo registers for another session with the same fields a month later
    clock.now += timedelta(days=30)
    # Then it counts: a repeat submission is engagement (caps still bound it)
    assert html_post(sandbox, leo) == "accepted"
    lead = runtime.store().load(lead_id_for(leo["email"]))
    assert lead.events == 2 and lead.action_points["webinar"] == 30


def test_a_page_rendered_submission_id_makes_each_post_exact(sandbox, clock):
    # Given two renderings of the form page, each with its own hidden submission id
    first = {"email": "mo@corp.example", "submission_id": "r-1"}
    # When the first is posted twice an hour apart and the second once, same fields
    assert html_post(sandbox, first) == "accepted"
    clock.now += timedelta(hours=1)
    assert html_post(sandbox, first) == "duplicate"
    assert html_post(sandbox, {**first, "submission_id": "r-2"}) == "accepted"
    # Then the id is not kept as an attribute of the lead
    [entry, _] = runtime.store().ledger(lead_id_for("mo@corp.example"))
    assert "submission_id" not in entry.event.attributes


def test_chat_message_about_pricing_scores_the_visitor(sandbox):
    headers, body = senders.json_webhook(
        senders.json_chat(
            "conv_1",
            "m_1",
            "What does the Pro plan cost?",
            visitor_id="v_9",
            email="zoe@corp.example",
        )
    )
    response = sandbox.request("POST", "/webhooks/chat/json", headers, body)
    assert response.status == 202
    lead = runtime.store().load(lead_id_for("zoe@corp.example"))
    assert lead.last_action == "pricing_question" and lead.visitor_ids == ["v_9"]


def test_storage_failure_is_503_and_the_senders_retry_succeeds(sandbox, monkeypatch):
    real = runtime.dynamodb_client().transact_write_items

    def throttled(**kwargs):
        raise ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "TransactWriteItems"
        )

    monkeypatch.setattr(runtime.dynamodb_client(), "transact_write_items", throttled)
    response = post_form(sandbox, "trial", DEMO, delivery_id="msg_retry")
    assert response.status == 503
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert sandbox.items() == []
    monkeypatch.setattr(runtime.dynamodb_client(), "transact_write_items", real)
    assert post_form(sandbox, "trial", DEMO, delivery_id="msg_retry").json()["status"] == "accepted"


def test_logs_never_contain_the_raw_email_or_phone(sandbox):
    stream = io.StringIO()
    for handler in logging.getLogger("leadwire").handlers:
        handler.setStream(stream)  # type: ignore[attr-defined]
    post_form(sandbox, "demo-request", DEMO)
    post_form(sandbox, "demo-request", {**DEMO, "email": "broken"})
    logged = stream.getvalue()
    assert "webhook" in logged
    assert "acme-robotics.example" not in logged.lower().replace("***@acme-robotics.example", "")
    assert "bob@" not in logged.lower() and "555 010 9999" not in logged


def test_a_stored_lead_bills_as_little_as_it_holds(sandbox):
    """Unset fields are not written as NULLs: DynamoDB bills every attribute's name, and a lead
    over 1 KB costs 4 transactional write units per webhook instead of 2."""
    post_form(sandbox, "contact", DEMO, delivery_id="msg_small")
    [lead_item] = [i for i in sandbox.items() if i["entity"] == {"S": "lead"}]

    def nulls(value: dict, path: str) -> list[str]:
        ((kind, inner),) = value.items()
        if kind == "NULL":
            return [path]
        if kind == "M":
            return [n for k, v in inner.items() for n in nulls(v, f"{path}.{k}")]
        return []

    assert [n for k, v in lead_item.items() for n in nulls(v, k)] == []
    assert item_size(lead_item) <= 1024
    lead = runtime.store().load(lead_id_for(DEMO["email"]))
    assert lead.owner is None and lead.sla is None and lead.profile.last_name is None
    assert lead.profile.first_name == "Bob" and lead.bant.budget_amount == 40_000
