"""The leads API through the template's routes: read, list, sales feedback, erasure, decay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3

from leadwire.domain.models import Channel, LeadEvent, Profile, lead_id_for
from leadwire.domain.scoring import score
from leadwire.shell import runtime
from leadwire_local import senders
from leadwire_local.lambda_events import LambdaContext
from tests.support import READY


def post(sandbox, form, fields, delivery_id=None):
    headers, body = senders.json_webhook(senders.json_form(form, fields), delivery_id=delivery_id)
    response = sandbox.request("POST", "/webhooks/forms/json", headers, body)
    assert response.status == 202, response.body
    return response


def get(sandbox, path):
    return sandbox.request("GET", path)


def test_a_lead_shows_its_score_split_bant_and_why_every_point_was_given(sandbox):
    post(sandbox, "webinar", READY, "msg_a")
    post(sandbox, "demo-request", READY, "msg_b")
    response = get(sandbox, f"/leads/{lead_id_for(READY['email'])}")
    assert response.status == 200
    lead = response.json()
    assert lead["email"] == "cleo@bigco.example" and lead["stage"] == "sql"
    assert lead["score"] == lead["fit"] + round(lead["engagement"]) == 160
    assert lead["bant"]["budget"] == "$200k" and lead["bant"]["authority"] == "c_level"
    assert lead["urgency"] == "normal" and lead["urgencyReasons"] == []  # "next year"
    assert [e["eventId"] for e in lead["ledger"]] == ["json:msg_a", "json:msg_b"]
    first = lead["ledger"][0]
    assert first["rules"]["fit.seniority.c_level"] == 25 and first["rulesVersion"] == "2026.12-1"
    assert sum(e["points"] for e in lead["ledger"]) == lead["score"]
    assert [t["toStage"] for t in lead["transitions"]] == ["mql", "sql"]


def test_unknown_or_malformed_lead_ids_are_404(sandbox):
    for path in ("/leads/ld_000000000000000000000000", "/leads/..%2F..%2Fetc", "/leads/x/y/z"):
        response = get(sandbox, path)
        assert response.status == 404, path
        assert "error" in response.json()


def test_sqls_are_listed_newest_first_and_paginated_without_repeats(sandbox):
    emails = [f"buyer{i}@corp{i}.example" for i in range(5)]
    for email in emails:
        post(sandbox, "demo-request", {**READY, "email": email})
    post(sandbox, "newsletter", {"email": "reader@corp.example"})
    seen, cursor = [], None
    while True:
        page = get(sandbox, "/leads?stage=sql&limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status == 200
        body = page.json()
        seen += [item["email"] for item in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == list(reversed(emails))


def test_listing_every_stage_merges_them_newest_first(sandbox):
    post(sandbox, "newsletter", {"email": "one@corp.example"})
    post(sandbox, "demo-request", {**READY, "email": "two@corp.example"})
    post(sandbox, "newsletter", {"email": "three@corp.example"})
    first = get(sandbox, "/leads?limit=2").json()
    rest = get(sandbox, f"/leads?limit=2&cursor={first['next']}").json()
    assert [i["email"] for i in first["items"] + rest["items"]] == [
        "three@corp.example",
        "two@corp.example",
        "one@corp.example",
    ]
    assert rest["next"] is None


def test_a_lead_is_found_by_email(sandbox):
    post(sandbox, "newsletter", {"email": "Finder@Corp.example"})
    body = get(sandbox, "/leads?email=finder%40corp.example").json()
    assert [i["email"] for i in body["items"]] == ["finder@corp.example"]


def test_a_forged_cursor_is_400(sandbox):
    response = get(sandbox, "/leads?cursor=bm90LWEtY3Vyc29y")
    assert response.status == 400 and response.json()["error"]["code"] == "malformed_payload"


def test_recycled_lead_goes_back_to_nurture_with_its_history(sandbox):
    post(sandbox, "demo-request", READY)
    lead_id = lead_id_for(READY["email"])
    response = sandbox.request(
        "POST",
        f"/leads/{lead_id}/disposition",
        {"content-type": "application/json"},
        json.dumps({"outcome": "recycled", "reason": "no budget yet"}).encode(),
    )
    assert response.status == 200
    lead = get(sandbox, f"/leads/{lead_id}").json()
    assert lead["stage"] == "lead" and lead["engagement"] == 0
    assert lead["disposition"]["outcome"] == "recycled"
    assert lead["transitions"][-1]["cause"] == "sales recycled: no budget yet"
    assert [e["action"] for e in lead["ledger"]] == ["demo_request", "disposition.recycled"]


def test_a_rejected_lead_cannot_requalify_during_the_cooldown(sandbox):
    post(sandbox, "demo-request", READY)
    lead_id = lead_id_for(READY["email"])
    sandbox.request(
        "POST",
        f"/leads/{lead_id}/disposition",
        {"content-type": "application/json"},
        b'{"outcome": "rejected", "reason": "student project"}',
    )
    post(sandbox, "contact-sales", READY)
    post(sandbox, "trial", READY)
    assert get(sandbox, f"/leads/{lead_id}").json()["stage"] == "mql"


def test_invalid_dispositions_are_refused(sandbox):
    post(sandbox, "newsletter", {"email": "new@corp.example"})
    lead_id = lead_id_for("new@corp.example")
    path = f"/leads/{lead_id}/disposition"
    json_type = {"content-type": "application/json"}
    accepted = sandbox.request("POST", path, json_type, b'{"outcome": "accepted"}')
    assert accepted.status == 409
    assert accepted.json()["error"]["code"] == "disposition_not_allowed"
    assert sandbox.request("POST", path, json_type, b'{"outcome": "maybe"}').status == 400
    assert sandbox.request("POST", path, json_type, b"{not json").status == 400


def test_erasure_leaves_nothing_of_the_person_in_the_table(sandbox):
    post(sandbox, "demo-request", {**READY, "phone": "+1 555 010 7777"})
    post(sandbox, "webinar", {"email": "other@corp.example"})
    sandbox.pump()  # an alert marker exists too
    lead_id = lead_id_for(READY["email"])
    response = sandbox.request("DELETE", f"/leads/{lead_id}")
    # profile, ledger entry, alert, and their trace on the bigco.example account
    assert response.status == 200 and response.json()["items"] == 4
    everything = json.dumps(sandbox.items())
    assert lead_id not in everything and "cleo" not in everything and "555 010" not in everything
    assert "other@corp.example" in everything
    assert get(sandbox, f"/leads/{lead_id}").status == 404


def test_the_daily_decay_returns_a_cooled_mql_to_lead(sandbox):
    # Given an MQL whose engagement was earned four months ago
    rules, long_ago = runtime.rules(), datetime.now(UTC) - timedelta(days=120)
    profile = Profile(email="cool@corp.example", job_title="Manager", company_size="120")
    events = [
        LeadEvent(
            event_id=f"json:old-{i}",
            provider="json",
            channel=Channel.FORM,
            form=form,
            occurred_at=long_ago,
            profile=profile,
        )
        for i, form in enumerate(["webinar", "webinar", "content-download"])
    ]
    lead, store = None, runtime.store()
    for event in events:
        outcome = score(lead, event, rules, long_ago)
        lead = store.record(outcome, expected_version=lead.version if lead else 0)
    assert lead.stage.value == "mql"
    # When the scheduled function runs
    result = sandbox.handler("DecayFunction")({"source": "aws.scheduler"}, LambdaContext())
    # Then it is a lead again, and the ledger says why
    assert result == {"checked": 1, "demoted": 1}
    body = get(sandbox, f"/leads/{lead.lead_id}").json()
    assert body["stage"] == "lead"
    assert body["ledger"][-1]["action"] == "decay" and body["ledger"][-1]["points"] < 0
    assert sandbox.handler("DecayFunction")({}, LambdaContext()) == {"checked": 0, "demoted": 0}


def test_the_template_declares_the_leads_routes_with_iam_auth(sandbox):
    events = sandbox.template.function("LeadsFunction").events.values()
    api = [e["Properties"] for e in events if e["Properties"]["Path"].startswith("/leads")]
    assert {p["Auth"]["Authorizer"] for p in api} == {"AWS_IAM"} and len(api) == 4  # (the
    # board's routes: tests/functional/test_board.py)
    # The lead page's routes: the signed token is their authorization
    page = [e["Properties"] for e in events if e["Properties"]["Path"].startswith("/l/")]
    assert [(p["Method"], "Auth" in p) for p in page] == [("GET", False), ("POST", False)]
    assert (
        boto3.client("dynamodb").describe_table(TableName=runtime.settings().table_name)["Table"][
            "GlobalSecondaryIndexes"
        ][0]["IndexName"]
        == "ByStage"
    )


def test_a_lead_shows_who_else_from_its_company_engaged_and_the_account_surge(sandbox):
    # Given two people from Northwind engaged this week, and one from a personal address
    post(sandbox, "webinar", {"email": "ann@northwind.example", "first_name": "Ann"})
    post(sandbox, "content-download", {"email": "raj@northwind.example", "job_title": "CTO"})
    post(sandbox, "webinar", {"email": "sam@gmail.com"})
    lead = get(sandbox, f"/leads/{lead_id_for('ann@northwind.example')}").json()
    assert lead["account"]["summary"] == "1 other from Northwind engaged this week"
    assert [p["jobTitle"] for p in lead["account"]["people"]] == ["CTO"]
    assert lead["account"]["surge"] is False
    assert get(sandbox, f"/leads/{lead_id_for('sam@gmail.com')}").json()["account"] is None
    # When a third person from the company engages: a surge, on every colleague's lead
    post(sandbox, "newsletter", {"email": "lee@northwind.example", "company": "Northwind"})
    lead = get(sandbox, f"/leads/{lead_id_for('ann@northwind.example')}").json()
    assert lead["account"]["surge"] is True and lead["account"]["others"] == 2
    assert "account surge: 3 people within 7 days" in lead["account"]["summary"]
    # And an erased colleague leaves no trace on the account
    assert sandbox.request("DELETE", f"/leads/{lead_id_for('raj@northwind.example')}").status == 200
    assert "CTO" not in json.dumps(sandbox.items())
    lead = get(sandbox, f"/leads/{lead_id_for('ann@northwind.example')}").json()
    assert lead["account"]["others"] == 1
    assert lead_id_for("raj@northwind.example") not in json.dumps(sandbox.items())
