"""Look-alike identities (issue #11): an address written with invisible or compatibility
characters is the same lead as its plain spelling, and the ledger entry says what was changed;
the leads API shows it as `normalized`, never with the raw address."""

from __future__ import annotations

from leadwire.domain.models import lead_id_for
from leadwire.shell import runtime
from leadwire_local import senders


def post(sandbox, fields, delivery_id, **form):
    headers, body = senders.json_webhook(
        senders.json_form("newsletter", fields, **form), delivery_id=delivery_id
    )
    response = sandbox.request("POST", "/webhooks/forms/json", headers, body)
    assert response.status == 202, response.body
    return response


def test_zero_width_and_kelvin_sign_spellings_are_the_same_lead_and_say_so(sandbox):
    # Given a lead known by its plain address
    post(sandbox, {"email": "kate@corp.example"}, "msg_plain")

    # When the same person arrives with a zero-width space, then with a Kelvin sign (U+212A)
    post(sandbox, {"email": "kate\u200b@corp.example"}, "msg_zero_width")
    post(sandbox, {"email": "\u212aate@corp.example"}, "msg_kelvin")

    # Then it is one lead, and each normalisation is visible in its ledger entry
    lead = runtime.store().load(lead_id_for("kate@corp.example"))
    assert lead is not None and lead.events == 3 and lead.email == "kate@corp.example"
    notes = {e.event_id: e.normalized for e in runtime.store().ledger(lead.lead_id)}
    assert notes["json:msg_plain"] == []
    assert notes["json:msg_zero_width"] == ["email: removed 1 zero-width character"]
    assert notes["json:msg_kelvin"] == [
        "email: compatibility characters replaced by their plain form (NFKC)"
    ]


def test_a_lookup_by_a_look_alike_address_finds_the_same_lead(sandbox):
    post(sandbox, {"email": "kate@corp.example"}, "msg_plain")
    response = sandbox.request("GET", "/leads?email=%E2%84%AAate%E2%80%8B%40corp.example")
    assert [i["email"] for i in response.json()["items"]] == ["kate@corp.example"]


def test_leads_api_shows_what_was_normalized_without_the_address(sandbox):
    # Given a delivery with a zero-width address, a bidi override in the name and a time in 2099
    post(
        sandbox,
        {"email": "\ufeffeve@corp.example", "first_name": "\u202eEve"},
        "msg_1",
        submitted_at="2099-01-01T00:00:00Z",
    )

    # When sales reads the lead
    lead = sandbox.request("GET", f"/leads/{lead_id_for('eve@corp.example')}").json()

    # Then its ledger entry lists every change, in words, and never the address
    [entry] = lead["ledger"]
    assert entry["normalized"] == [
        "email: removed 1 zero-width character",
        "first_name: removed 1 bidi control character",
        "time 2099-01-01T00:00:00Z is in the future: receive time used",
    ]
    assert not entry["at"].startswith("2099")
    assert "eve@corp.example" not in " ".join(entry["normalized"])
