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


def test_an_unverified_timeline_cannot_replace_a_verified_one_and_make_the_lead_urgent(rules, now):
    # Given a signed demo request saying the project starts next quarter
    signed = form_event(
        "demo-request", Profile(email=EMAIL, job_title="VP Sales"), now,
        timeline="next quarter", budget="$40k", trust=Trust.VERIFIED,
    )  # fmt: skip
    lead = score(None, signed, rules, now).lead
    assert lead.bant.timeline == "next quarter"

    # When an anonymous post with the same address says "today" and a bigger budget
    forged = form_event("contact", Profile(email=EMAIL), now, n=1, timeline="today", budget="$900k")
    outcome = score(lead, forged, rules, now)

    # Then the verified answers stand, and the timeline is no reason for urgency
    assert (outcome.lead.bant.timeline, outcome.lead.bant.budget) == ("next quarter", "$40k")
    assert not any("timeline" in reason for reason in outcome.lead.urgency_reasons)
    assert {"budget", "timeline"} <= set(outcome.lead.verified_fields)


def test_an_unverified_timeline_still_fills_one_nobody_verified(rules, now):
    lead = score(None, form_event("newsletter", Profile(email=EMAIL), now), rules, now).lead
    anonymous = form_event("contact", Profile(email=EMAIL), now, n=1, timeline="today")
    outcome = score(lead, anonymous, rules, now)
    assert outcome.lead.bant.timeline == "today"
