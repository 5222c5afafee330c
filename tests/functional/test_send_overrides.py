"""`leadwire send`'s requests through the real webhook handler: every provider's sample, signed
for now, is accepted, and --form / --field land where each provider's format carries them."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest

from leadwire.providers import PROVIDERS
from leadwire_local.send import SendRefused, build_request, fillable_providers, parse_fields

BASE = "http://127.0.0.1"


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
