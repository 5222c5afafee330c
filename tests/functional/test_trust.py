"""Sources have trust (issue #12): a signed provider is verified, an unsigned `html` post is
not. An anonymous post may add engagement and fill what is empty, never rewrite what a
verified source said."""

from __future__ import annotations

import json

from leadwire.domain.models import lead_id_for
from leadwire.shell import runtime
from leadwire_local import senders
from tests.support import post_form

EMAIL = "dana@acme-robotics.example"
VERIFIED = {
    "email": EMAIL,
    "first_name": "Dana",
    "company": "Acme Robotics",
    "job_title": "Team Lead",
    "phone": "+1 415 555 0100",
}
FORGED = {
    "form": "newsletter",
    "email": EMAIL,
    "company": "Evil Corp",
    "job_title": "CEO",
    "phone": "+1 900 555 0199",
    "last_name": "Doe",
}


def post_html(sandbox, fields):
    headers, body = senders.html_form(fields)
    response = sandbox.request("POST", "/webhooks/forms/html", headers, body)
    assert response.status == 202, response.body
    return response


def test_an_anonymous_html_post_cannot_overwrite_what_a_signed_provider_said(sandbox):
    # Given a lead a signed provider told us about
    assert post_form(sandbox, "webinar", VERIFIED, delivery_id="msg_v").status == 202
    lead_id = lead_id_for(EMAIL)

    # When anyone posts the html form with the same address and other details, twice
    post_html(sandbox, FORGED)
    post_html(sandbox, {**FORGED, "company": "Evil Corp 2"})

    # Then the table keeps the verified phone, company and title; the empty last name is filled
    lead = runtime.store().load(lead_id)
    assert lead is not None
    assert (lead.profile.phone, lead.profile.company, lead.profile.job_title) == (
        "+14155550100",
        "Acme Robotics",
        "Team Lead",
    )
    assert lead.profile.last_name == "Doe"
    assert "last_name" not in lead.verified_fields and "company" in lead.verified_fields
    # And the html events still count their engagement, within the newsletter's cap of 10
    assert lead.action_points == {"webinar": 15, "newsletter": 10} and lead.events == 3
    # And the API shows the verified values and each ledger entry's trust
    shown = sandbox.request("GET", f"/leads/{lead_id}").json()
    assert shown["profile"]["company"] == "Acme Robotics"
    assert shown["profile"]["phone"] == "+14155550100"
    assert shown["profile"]["jobTitle"] == "Team Lead"
    assert [(e["provider"], e["trust"]) for e in shown["ledger"]] == [
        ("json", "verified"),
        ("html", "unverified"),
        ("html", "unverified"),
    ]


def test_an_html_post_fills_a_lead_nobody_verified(sandbox):
    # Given a lead only html posts have told us about
    post_html(sandbox, {"form": "newsletter", "email": EMAIL, "company": "Acme"})

    # When a later html post says more, and corrects the company
    post_html(sandbox, {"form": "contact", "email": EMAIL, "company": "Acme Robotics",
                        "job_title": "Director"})  # fmt: skip

    # Then the lead has both, the later one winning among unverified sources
    lead = runtime.store().load(lead_id_for(EMAIL))
    assert lead is not None
    assert (lead.profile.company, lead.profile.job_title) == ("Acme Robotics", "Director")
    assert lead.verified_fields == []


def test_a_signed_provider_overwrites_what_an_html_post_said(sandbox):
    # Given a lead an html post made up details for
    post_html(sandbox, FORGED)

    # When a signed provider tells us who the person is
    post_form(sandbox, "webinar", VERIFIED, delivery_id="msg_v")

    # Then the verified values replace the unverified ones
    lead = runtime.store().load(lead_id_for(EMAIL))
    assert lead is not None
    assert (lead.profile.company, lead.profile.job_title) == ("Acme Robotics", "Team Lead")
    stored = [i for i in sandbox.items() if i["sk"]["S"] == "PROFILE"]
    assert json.dumps(stored).count("Evil Corp") == 0
