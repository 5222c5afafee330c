"""`leadwire send`'s requests through the real webhook handler: every provider's sample, signed
for now, is accepted, and --form / --field land where each provider's format carries them."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest

from leadwire.providers import PROVIDERS
from leadwire_local.send import SendRefused, build_request, fillable_providers, parse_fields
from leadwire_local.template import TEMPLATE

BASE = "http://127.0.0.1"
CHAT_SAMPLE = TEMPLATE.parent / "events" / "webhook-json-chat.json"


def post(sandbox, request):
    parts = urlsplit(request.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return sandbox.request("POST", path, {**request.headers, "host": parts.netloc}, request.body)


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_every_providers_sample_is_accepted_as_sent(sandbox, provider):
    answer = post(sandbox, build_request(provider, BASE))
    assert answer.status == 202, answer.body
    assert answer.json()["status"] == "accepted"


@pytest.mark.parametrize("provider", fillable_providers())
def test_form_and_fields_override_the_sample(sandbox, provider):
    # Given a sample and a form name and email of the user's choosing
    email = f"pat.{uuid.uuid4().hex[:8]}@corp.example"
    fields = {"email": email, "job_title": "VP Sales"}
    # When it is built and posted
    answer = post(sandbox, build_request(provider, BASE, form="webinar", fields=fields))
    # Then the lead is the given email, with the given title, scored for that form
    assert answer.status == 202, answer.body
    [lead] = sandbox.request("GET", f"/leads?email={email}").json()["items"]
    detail = sandbox.request("GET", f"/leads/{lead['leadId']}").json()
    assert detail["profile"]["jobTitle"] == "VP Sales"
    assert detail["ledger"][0]["form"] == "webinar"


@pytest.mark.parametrize("provider", fillable_providers())
def test_only_the_given_fields_are_sent(sandbox, provider):
    # Given a sample full of someone's profile (title, company, phone, ...)
    email = f"kim.{uuid.uuid4().hex[:8]}@corp.example"
    # When only an email and a form are given
    answer = post(sandbox, build_request(provider, BASE, form="webinar", fields={"email": email}))
    # Then the lead has that email and no profile field the user did not give
    assert answer.status == 202, answer.body
    [lead] = sandbox.request("GET", f"/leads?email={email}").json()["items"]
    detail = sandbox.request("GET", f"/leads/{lead['leadId']}").json()
    given = {k: v for k, v in detail["profile"].items() if v not in (None, "", [], {})}
    assert set(given) <= {"email"}, given
    assert detail["ledger"][0]["form"] == "webinar"


def test_a_json_chat_sends_only_the_visitor_id_and_what_is_given(sandbox):
    fields = {"message": "hello there", "email": "lee@corp.example"}
    answer = post(sandbox, build_request("json", BASE, fields=fields, event_file=CHAT_SAMPLE))
    assert answer.status == 202, answer.body
    [lead] = sandbox.request("GET", "/leads?email=lee@corp.example").json()["items"]
    detail = sandbox.request("GET", f"/leads/{lead['leadId']}").json()
    assert detail["profile"].get("name") in (None, "")  # the sample's "Zoe" is not sent


def test_from_sample_keeps_the_samples_fields_as_before(sandbox):
    email = f"max.{uuid.uuid4().hex[:8]}@corp.example"
    request = build_request("json", BASE, fields={"email": email}, from_sample=True)
    assert post(sandbox, request).status == 202
    [lead] = sandbox.request("GET", f"/leads?email={email}").json()["items"]
    detail = sandbox.request("GET", f"/leads/{lead['leadId']}").json()
    assert detail["profile"]["jobTitle"] == "VP Operations"  # the sample's


def test_a_provider_without_room_for_fields_is_refused_by_name():
    with pytest.raises(SendRefused, match="not supported for intercom"):
        build_request("intercom", BASE, fields={"email": "x@corp.example"})


def test_fields_are_name_equals_value():
    assert parse_fields(["email=a@b.example", "budget=$5k=ok"]) == {
        "email": "a@b.example",
        "budget": "$5k=ok",
    }
    with pytest.raises(SendRefused, match="expected name=value"):
        parse_fields(["email"])
