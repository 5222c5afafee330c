"""The trust rule in the pure scoring: unverified events fill, never overwrite verified."""

from __future__ import annotations

from leadwire.domain.models import Profile, Trust, lead_id_for
from leadwire.domain.scoring import absorb, score
from tests.support import form_event

EMAIL = "dana@acme-robotics.example"


def test_an_unverified_event_fills_empty_fields_but_keeps_verified_ones(rules, now):
    verified = form_event("webinar", Profile(email=EMAIL, company="Acme"), now)
    lead = score(None, verified.model_copy(update={"trust": Trust.VERIFIED}), rules, now).lead
    forged = form_event(
        "newsletter", Profile(email=EMAIL, company="Evil", phone="+19005550199"), now
    )

    outcome = score(lead, forged, rules, now)

    assert outcome.lead.profile.company == "Acme"
    assert outcome.lead.profile.phone == "+19005550199"  # it was empty
    assert outcome.lead.verified_fields == ["company", "email"]
    assert outcome.entry.trust is Trust.UNVERIFIED and outcome.entry.points == 10


def test_a_merged_visitor_keeps_verified_values_over_unverified_ones(rules, now):
    visitor_id = "v-1"
    chat = form_event(
        "webinar", Profile(company="Acme", job_title="CTO"), now,
        visitor_id=visitor_id, trust=Trust.VERIFIED,
    )  # fmt: skip
    visitor = score(None, chat, rules, now).lead
    identified = score(
        None, form_event("newsletter", Profile(email=EMAIL, company="Evil", job_title=""), now),
        rules, now,
    ).lead  # fmt: skip

    merged = absorb(identified, visitor, lead_id_for(EMAIL), rules, now)

    assert (merged.profile.company, merged.profile.job_title) == ("Acme", "CTO")
    assert merged.profile.email == EMAIL
    assert merged.verified_fields == ["company", "job_title"]
