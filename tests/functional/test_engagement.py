"""Behaviour from site and e-mail tools at /webhooks/events/{provider}: each source's
documented sample is scored; a wrong signature is 401 and writes nothing; a redelivered batch
counts once; a batch with malformed events writes the valid ones and names the others."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest

from leadwire.domain.models import Trust, lead_id_for
from leadwire.shell import runtime
from leadwire_local import senders
from leadwire_local.sandbox import Sandbox

EVENTS = Path(__file__).resolve().parents[2] / "events"


@dataclass(frozen=True)
class Case:
    provider: str
    sample: str
    email: str
    actions: list[str]  # the lead's ledger, oldest first
    ignored: int = 0
    malformed: bytes = b"{}"  # one event of the provider's shape that cannot be read

    def __str__(self) -> str:
        return self.provider


CASES = [
    Case(
        "segment",
        "webhook-segment-batch.json",
        email="peter@initech.example",
        actions=["pricing_page_view", "video_watched", "identified", "identified"],
        malformed=b'{"type": "page", "anonymousId": "a1", "properties": {"path": "/pricing"}}',
    ),
    Case(
        "rudderstack",
        "webhook-rudderstack-track.json",
        email="milton@initech.example",
        actions=["pricing_page_view", "identified"],
        malformed=b'{"type": "track", "messageId": "t1", "anonymousId": "a1"}',
    ),
    Case(
        "sendgrid",
        "webhook-sendgrid-batch.json",
        email="lynn@globex.example",
        actions=["email_open", "email_click"],
        ignored=3,  # processed, delivered, bounce
        malformed=b'{"email": "lynn@globex.example", "event": "click", "timestamp": 1795600000}',
    ),
]
# One event per POST: the sample is scored, signatures and redeliveries as for batches.
SINGLE = [
    Case("mailgun", "webhook-mailgun-click.json", "lynn@globex.example", ["email_click"]),
    Case("postmark", "webhook-postmark-click.json", "lynn@globex.example", ["email_click"]),
]


def sample(case: Case) -> tuple[str, bytes]:
    event = json.loads((EVENTS / case.sample).read_text())
    raw = event["body"]
    body = base64.b64decode(raw) if event["isBase64Encoded"] else raw.encode()
    return event["headers"]["content-type"], body


def post(sandbox: Sandbox, case: Case, body: bytes | None = None, **signing):
    content_type, sample_body = sample(case)
    path, headers, signed = senders.provider_webhook(
        case.provider, sample_body if body is None else body, content_type=content_type, **signing
    )
    return sandbox.request("POST", path, headers, signed)


def ledger_actions(email: str) -> list[str]:
    return [e.action for e in runtime.store().ledger(lead_id_for(email))]


@pytest.mark.parametrize("case", CASES + SINGLE, ids=str)
def test_documented_sample_is_scored_on_the_persons_lead(sandbox, case):
    response = post(sandbox, case)
    assert response.status == 202, response.body
    assert response.json() == {
        "status": "accepted",
        "accepted": len(case.actions),
        "duplicates": 0,
        "ignored": case.ignored,
        "skipped": [],
    }
    assert ledger_actions(case.email) == case.actions
    ledger = runtime.store().ledger(lead_id_for(case.email))
    assert {e.trust for e in ledger} == {Trust.VERIFIED}  # every source here is checked


@pytest.mark.parametrize("case", CASES + SINGLE, ids=str)
def test_wrong_signature_is_401_and_writes_nothing(sandbox, case):
    response = post(sandbox, case, secret="someone-elses-secret")
    assert response.status == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    assert sandbox.items() == []


@pytest.mark.parametrize("case", CASES + SINGLE, ids=str)
def test_redelivered_batch_is_counted_once(sandbox, case):
    post(sandbox, case)
    again = post(sandbox, case)
    assert again.status == 202
    assert again.json()["status"] == "duplicate"
    assert again.json()["duplicates"] == len(case.actions) and again.json()["accepted"] == 0
    lead = runtime.store().load(lead_id_for(case.email))
    assert lead.events == len(case.actions) and ledger_actions(case.email) == case.actions


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_batch_with_a_malformed_event_writes_the_valid_ones_and_names_the_skipped(sandbox, case):
    _, body = sample(case)
    batch = json.loads(body)
    items = batch["batch"] if isinstance(batch, dict) and "batch" in batch else batch
    items = items if isinstance(items, list) else [items]
    broken = [json.loads(case.malformed), *items, "not an event"]
    payload = {"batch": broken} if isinstance(batch, dict) and "batch" in batch else broken
    response = post(sandbox, case, body=json.dumps(payload).encode())
    assert response.status == 202, response.body
    skipped = response.json()["skipped"]
    assert [s.split(":")[0] for s in skipped] == [
        f"{case.provider} event 0",
        f"{case.provider} event {len(broken) - 1}",
    ]
    assert ledger_actions(case.email) == case.actions


def segment(items: list[dict]) -> bytes:
    return json.dumps({"batch": items}).encode()


def page(message_id: str, anonymous_id: object, path: str, at: str, **extra) -> dict:
    return {
        "type": "page",
        "messageId": message_id,
        "anonymousId": anonymous_id,
        "timestamp": at,
        "properties": {"path": path},
        **extra,
    }


def test_a_single_segment_call_unknown_types_and_a_json_array_are_all_read(sandbox):
    single = page("m1", "anon-1", "/pricing", "2026-11-25T09:00:00Z")
    response = post(sandbox, CASES[0], body=json.dumps(single).encode())
    assert response.json()["accepted"] == 1
    array = [page("m2", "anon-1", "/docs/api", "2026-11-25T09:01:00Z"), {"type": "screenshot"}]
    response = post(sandbox, CASES[0], body=json.dumps(array).encode())
    assert (response.json()["accepted"], response.json()["ignored"]) == (1, 1)
    visitor = runtime.store().load(lead_id_for(None, "anon-1"))
    assert visitor.action_points == {"pricing_page_view": 10, "docs_view": 2}


@pytest.mark.parametrize("blocked", ["null", "anonymous", "0", "-1", "", None, "undefined"])
def test_placeholder_anonymous_ids_never_identify_or_link_anyone(sandbox, blocked):
    # Given an identify with an email and a placeholder anonymous id, and a page view by the
    # same placeholder
    identify = {
        "type": "identify",
        "messageId": "i1",
        "anonymousId": blocked,
        "timestamp": "2026-11-25T09:00:00Z",
        "traits": {"email": "pat@initech.example"},
    }
    viewed = page("p1", blocked, "/pricing", "2026-11-25T09:01:00Z")
    response = post(sandbox, CASES[0], body=segment([identify, viewed]))
    # Then the identify is the person's, and the page view names nobody: skipped
    assert response.json()["accepted"] == 1
    [reason] = response.json()["skipped"]
    assert "neither an email nor a usable anonymousId" in reason
    lead = runtime.store().load(lead_id_for("pat@initech.example"))
    assert lead.visitor_ids == []


def test_an_anonymous_visitors_pricing_views_fold_into_the_lead_when_they_identify(sandbox):
    views = [
        page("v1", "anon-9", "/pricing", "2026-11-24T09:00:00Z"),
        page("v2", "anon-9", "/pricing", "2026-11-24T09:10:00Z"),
        page("v3", "anon-9", "/pricing", "2026-11-25T10:00:00Z"),
    ]
    post(sandbox, CASES[0], body=segment(views))
    identify = {
        "type": "identify",
        "messageId": "i9",
        "anonymousId": "anon-9",
        "timestamp": "2026-11-25T10:05:00Z",
        "traits": {"email": "ann@initech.example", "firstName": "Ann"},
    }
    post(sandbox, CASES[0], body=segment([identify]))
    lead = runtime.store().load(lead_id_for("ann@initech.example"))
    assert lead.visitor_ids == ["anon-9"] and lead.visits == 2
    assert lead.action_points["pricing_page_view"] == 20
    assert ledger_actions("ann@initech.example") == [
        "pricing_page_view",
        "pricing_page_view",
        "pricing_page_view",
        "identified",
    ]
    # a later anonymous view reaches the person's lead
    post(
        sandbox,
        CASES[0],
        body=segment([page("v4", "anon-9", "/customers/acme", "2026-11-25T10:06:00Z")]),
    )
    assert ledger_actions("ann@initech.example")[-1] == "case_study_view"


def test_a_mailgun_signature_older_than_five_minutes_is_409_and_writes_nothing(sandbox):
    from datetime import UTC, datetime, timedelta

    stale = datetime.now(UTC) - timedelta(seconds=301)
    response = post(sandbox, SINGLE[0], now=stale)
    assert response.status == 409 and sandbox.items() == []


def test_postmark_without_its_basic_auth_is_401_and_writes_nothing(sandbox):
    _, body = sample(SINGLE[1])
    path = senders.webhook_path("postmark")
    response = sandbox.request("POST", path, {"content-type": "application/json"}, body)
    assert response.status == 401 and sandbox.items() == []


def test_email_unsubscribes_and_spam_reports_take_points_away(sandbox):
    events = [
        {"email": "kim@globex.example", "timestamp": 1795600000, "event": e, "sg_event_id": e}
        for e in ("click", "unsubscribe", "spamreport")
    ]
    sendgrid = next(c for c in CASES if c.provider == "sendgrid")
    response = post(sandbox, sendgrid, body=json.dumps(events).encode())
    assert response.json()["accepted"] == 3
    ledger = runtime.store().ledger(lead_id_for("kim@globex.example"))
    assert {e.action: e.rules[f"action.{e.action}"] for e in ledger} == {
        "email_click": 5,
        "email_unsubscribe": -15,
        "email_spam_report": -30,
    }


REPLY = Case("mailgun", "webhook-mailgun-reply.json", "lynn@globex.example", ["email_reply"])
CLICK = SINGLE[0]


def reply_with(**changes: str) -> bytes:
    """The reply sample's form fields, some changed."""
    _, body = sample(REPLY)
    fields = dict(parse_qsl(body.decode(), keep_blank_values=True)) | changes
    return urlencode(fields).encode()


def test_a_reply_from_a_known_lead_scores_and_keeps_their_words(sandbox):
    # Given Lynn is a lead (she clicked a campaign link)
    assert post(sandbox, CLICK).status == 202
    # When her reply reaches the inbound route
    response = post(sandbox, REPLY)
    # Then it is an email_reply on her lead, and sales sees what she wrote (not the quote)
    assert response.status == 202, response.body
    assert response.json()["accepted"] == 1
    assert ledger_actions(REPLY.email) == ["email_click", "email_reply"]
    lead = runtime.store().load(lead_id_for(REPLY.email))
    assert lead.message == "Yes, we would like a demo next week. Can you do Tuesday?"
    assert lead.action_points["email_reply"] == 20
    # and the same message forwarded again (Mailgun retries) counts once
    again = post(sandbox, REPLY)
    assert again.json()["status"] == "duplicate"
    assert ledger_actions(REPLY.email) == ["email_click", "email_reply"]


def test_mail_from_a_stranger_is_acknowledged_and_writes_nothing(sandbox):
    response = post(sandbox, REPLY)
    assert response.status == 202
    assert (response.json()["accepted"], response.json()["ignored"]) == (0, 1)
    assert sandbox.items() == []


@pytest.mark.parametrize(
    "header", [["Auto-Submitted", "auto-replied"], ["Precedence", "bulk"], ["X-Autoreply", "yes"]]
)
def test_an_out_of_office_reply_is_not_engagement(sandbox, header):
    post(sandbox, CLICK)
    _, body = sample(REPLY)
    fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
    headers = [*json.loads(fields["message-headers"]), header]
    response = post(sandbox, REPLY, body=reply_with(**{"message-headers": json.dumps(headers)}))
    assert response.status == 202
    assert response.json()["ignored"] == 1
    assert ledger_actions(REPLY.email) == ["email_click"]


def test_a_reply_with_a_wrong_signature_is_401_and_writes_nothing(sandbox):
    response = post(sandbox, REPLY, secret="someone-elses-secret")
    assert response.status == 401
    assert sandbox.items() == []


def test_a_reply_with_an_attachment_arrives_as_multipart_and_is_read(sandbox):
    post(sandbox, CLICK)
    signed = dict(parse_qsl(post_body_signed(reply_with()).decode(), keep_blank_values=True))
    boundary = "leadwire-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in signed.items()
    ]
    attachment = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachment-1"; '
        'filename="rfp.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n'
    )
    body = ("".join(parts) + attachment + f"--{boundary}--\r\n").encode()
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    response = sandbox.request("POST", "/webhooks/events/mailgun", headers, body)
    assert response.status == 202, response.body
    assert ledger_actions(REPLY.email) == ["email_click", "email_reply"]


def post_body_signed(body: bytes) -> bytes:
    _, _, signed = senders.provider_webhook(
        "mailgun", body, content_type="application/x-www-form-urlencoded"
    )
    return signed


def test_a_group_call_tells_the_company_and_puts_a_personal_address_in_its_account(sandbox):
    # Given Ann, known by a personal address, and Bob, by his Northwind one, both engaged
    identify = {
        "type": "identify",
        "messageId": "g-i1",
        "anonymousId": "anon-7",
        "timestamp": "2026-11-25T09:00:00Z",
        "traits": {"email": "ann@gmail.com"},
    }
    bob = {**page("g-p0", "anon-8", "/pricing", "2026-11-25T09:00:00Z")}
    bob["context"] = {"traits": {"email": "bob@northwind.example"}}
    # When Segment says which company Ann's anonymous id belongs to (the group's own e-mail
    # is the company's), and she then views the pricing page
    group = {
        "type": "group",
        "messageId": "g-g1",
        "anonymousId": "anon-7",
        "groupId": "grp-42",
        "timestamp": "2026-11-25T09:01:00Z",
        "traits": {
            "name": "Northwind",
            "email": "info@northwind.example",
            "employees": 250,
            "industry": "Software",
            "website": "https://www.Northwind.example/about",
        },
    }
    viewed = page("g-p1", "anon-7", "/pricing", "2026-11-25T09:02:00Z")
    response = post(sandbox, CASES[0], body=segment([identify, bob, group, viewed]))
    assert response.json()["accepted"] == 4
    # Then her lead has the company's fields, and her address stays hers
    ann = sandbox.request("GET", f"/leads/{lead_id_for('ann@gmail.com')}").json()
    assert ann["email"] == "ann@gmail.com"
    assert ann["profile"]["company"] == "Northwind"
    assert (ann["profile"]["companySize"], ann["profile"]["industry"]) == ("250", "Software")
    assert ann["profile"]["companyDomain"] == "northwind.example"
    # And she counts in Northwind's account beside Bob
    assert ann["account"]["domain"] == "northwind.example"
    assert ann["account"]["summary"].startswith("1 other from Northwind engaged")
    assert runtime.store().load(lead_id_for("info@northwind.example")) is None


def test_a_batch_of_many_people_is_written_whole(sandbox):
    # Given one Segment batch for 40 people of one company (written from several threads)
    people = [f"p{n}@northwind.example" for n in range(40)]
    items = []
    for n, email in enumerate(people):
        viewed = page(f"many-{n}", f"anon-many-{n}", "/pricing", "2026-11-25T09:00:00Z")
        items.append({**viewed, "context": {"traits": {"email": email}}})
    # When it is delivered, then every person is scored once, and each counts in the account
    response = post(sandbox, CASES[0], body=segment(items))
    assert response.status == 202 and response.json()["accepted"] == 40
    for email in people:
        assert ledger_actions(email) == ["pricing_page_view"]
    last = sandbox.request("GET", f"/leads/{lead_id_for(people[-1])}").json()
    assert last["account"]["summary"].startswith("39 others from")


def test_erasing_a_person_whose_account_came_from_a_group_call_leaves_no_trace(sandbox):
    # Given Ann, on a personal address, put in Northwind's account by a group call
    identify = {
        "type": "identify",
        "messageId": "e-i1",
        "anonymousId": "anon-9",
        "timestamp": "2026-11-25T09:00:00Z",
        "traits": {"email": "ann@gmail.com"},
    }
    group = {
        "type": "group",
        "messageId": "e-g1",
        "anonymousId": "anon-9",
        "groupId": "grp-7",
        "timestamp": "2026-11-25T09:01:00Z",
        "traits": {"name": "Northwind", "website": "https://northwind.example"},
    }
    viewed = page("e-p1", "anon-9", "/pricing", "2026-11-25T09:02:00Z")
    assert post(sandbox, CASES[0], body=segment([identify, group, viewed])).status == 202
    ann = lead_id_for("ann@gmail.com")
    assert (
        sandbox.request("GET", f"/leads/{ann}").json()["account"]["domain"] == "northwind.example"
    )
    # When she is erased, then nothing stored names her, on the account either
    assert sandbox.request("DELETE", f"/leads/{ann}").status == 200
    assert ann not in json.dumps(sandbox.items())


def test_erasing_a_person_who_moved_accounts_leaves_no_trace_on_the_old_one(sandbox):
    # Given Ann, on a personal address, engaging for Northwind, then a day later for Contoso
    def day(n: int, company: str, website: str) -> list[dict]:
        at = f"2026-11-2{n}T09:0"
        return [
            {
                "type": "identify",
                "messageId": f"m-i{n}",
                "anonymousId": "anon-10",
                "timestamp": at + "0:00Z",
                "traits": {"email": "ann@gmail.com"},
            },
            {
                "type": "group",
                "messageId": f"m-g{n}",
                "anonymousId": "anon-10",
                "groupId": f"grp-{company}",
                "timestamp": at + "1:00Z",
                "traits": {"name": company, "website": website},
            },
            page(f"m-p{n}", "anon-10", "/pricing", at + "2:00Z"),
        ]

    assert (
        post(sandbox, CASES[0], body=segment(day(5, "Northwind", "northwind.example"))).status
        == 202
    )
    assert post(sandbox, CASES[0], body=segment(day(6, "Contoso", "contoso.example"))).status == 202
    ann = lead_id_for("ann@gmail.com")
    assert sandbox.request("GET", f"/leads/{ann}").json()["account"]["domain"] == "contoso.example"
    assert any(ann in json.dumps(item) for item in sandbox.items() if "northwind" in str(item))
    # When she is erased, then nothing stored names her: not on Contoso, nor on Northwind
    assert sandbox.request("DELETE", f"/leads/{ann}").status == 200
    assert ann not in json.dumps(sandbox.items())
