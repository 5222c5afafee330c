"""Qualification as the seeds define it: a hand-raise from a good fit is an SQL on that event,
students and competitors never are, and urgency is the urgency of the decision, with reasons."""

from __future__ import annotations

from datetime import datetime, timedelta

from leadwire.domain.models import Channel, Lead, LeadEvent, Profile, Stage, Urgency
from leadwire.domain.rules import ScoringRules
from leadwire.domain.scoring import as_of, score
from tests.support import form_event

COUNCIL = Profile(email="hana@westshire.gov.uk", first_name="Hana", job_title="Head of Digital")
DIRECTOR = Profile(
    email="dev@bigcorp.example", job_title="Director of Engineering", company_size="500"
)


def chat(text: str, profile: Profile, at: datetime, n: int = 0) -> LeadEvent:
    return LeadEvent(
        event_id=f"json:chat-{n}-{profile.email}",
        provider="json",
        channel=Channel.CHAT,
        occurred_at=at,
        profile=profile,
        message=text,
    )


def scored(events: list[tuple[LeadEvent, datetime]], rules: ScoringRules) -> Lead:
    lead = None
    for event, at in events:
        lead = score(lead, event, rules, at).lead
    assert lead is not None
    return lead


def test_a_good_fit_first_touch_demo_request_is_an_sql_on_that_event(rules, now):
    # Given a head of digital at a council, never seen before (fit 25: head of 20, email 5)
    outcome = score(
        None, form_event("demo-request", COUNCIL, now, timeline="within a month"), rules, now
    )
    # Then the demo request itself makes her an SQL, saying why
    assert outcome.lead.stage is Stage.SQL
    [transition] = outcome.transitions
    assert transition.from_stage is Stage.LEAD and transition.to_stage is Stage.SQL
    assert transition.cause.startswith("hand-raise from fit 25 >= 20")


def test_a_good_fit_contact_sales_is_an_sql(rules, now):
    outcome = score(None, form_event("contact-sales", DIRECTOR, now), rules, now)
    assert outcome.lead.stage is Stage.SQL and outcome.lead.fit == 35


def test_a_demo_request_without_title_from_a_personal_address_waits_for_bant(rules, now):
    # Given no title and a gmail address: fit 0, under the hand-raise fit floor
    anon = Profile(email="max@gmail.com")
    first = score(None, form_event("demo-request", anon, now), rules, now).lead
    # Then it is an MQL (score 100, but only need is known of BANT)...
    assert first.stage is Stage.MQL and first.score == 100 and first.bant.known == 1
    # ...until they say their budget too (BANT 2/4 over the SQL threshold)
    later = score(first, form_event("contact", anon, now, 1, budget="$20k"), rules, now).lead
    assert later.stage is Stage.SQL


def test_a_student_or_a_competitor_never_becomes_an_sql(rules, now):
    student = Profile(email="sam@uni.example", job_title="Student", company_size="20000")
    competitor_rules = rules.model_copy(
        update={
            "fit": rules.fit.model_copy(update={"competitor_domains": frozenset({"rival.example"})})
        }
    )
    rival = Profile(email="spy@rival.example", job_title="CEO", company_size="900")
    for profile, these in ((student, rules), (rival, competitor_rules)):
        events = [
            (form_event(f, profile, now, n, budget="$1M", timeline="2 weeks"), now)
            for n, f in enumerate(["demo-request", "trial", "contact-sales", "webinar"])
        ]
        assert scored(events, these).stage is not Stage.SQL, profile.email


def test_a_hand_raise_alone_is_not_urgent(rules, now):
    # Given a good-fit demo request with no timeline, no urgent words, no conversation
    lead = score(None, form_event("demo-request", DIRECTOR, now), rules, now).lead
    # Then it is an SQL of normal urgency: how fresh a hand-raise is says nothing of the decision
    assert lead.stage is Stage.SQL
    assert (lead.urgency, lead.urgency_reasons) == (Urgency.NORMAL, [])


def test_a_short_explicit_timeline_is_urgent_and_says_so(rules, now):
    lead = score(
        None, form_event("demo-request", DIRECTOR, now, timeline="10 days"), rules, now
    ).lead
    assert (lead.urgency, lead.urgency_reasons) == (Urgency.HIGH, ["timeline 10 days"])


def test_a_past_or_far_timeline_is_not_urgent(rules, now):
    for timeline in ("2020-01-31", "0001-01-01", "next year", "in 6 months"):
        event = form_event("demo-request", DIRECTOR, now, timeline=timeline)
        lead = score(None, event, rules, now).lead
        assert lead.urgency is Urgency.NORMAL, (timeline, lead.bant.timeline_days)


def test_urgent_words_in_their_own_message_are_urgent_for_a_while(rules, now):
    lead = score(None, chat("We need this asap, can we talk?", DIRECTOR, now), rules, now).lead
    assert lead.urgency is Urgency.HIGH and lead.urgency_reasons == ['said "asap"']
    # Three days later the words have gone cold
    assert as_of(lead, rules, now + timedelta(days=3)).urgency is Urgency.NORMAL


def test_a_hand_raise_during_a_chat_conversation_is_urgent(rules, now):
    # Given a director chatting, then booking a demo twenty minutes later
    chatted = score(None, chat("Does it integrate with Salesforce?", DIRECTOR, now), rules, now)
    later = now + timedelta(minutes=20)
    lead = score(chatted.lead, form_event("demo-request", DIRECTOR, later), rules, later).lead
    # Then the decision is happening now
    assert lead.urgency is Urgency.HIGH
    assert lead.urgency_reasons == ["demo request during a chat conversation"]
    # A demo request a week after a chat is not
    week = now + timedelta(days=7)
    cold = score(chatted.lead, form_event("demo-request", DIRECTOR, week), rules, week).lead
    assert cold.urgency is Urgency.NORMAL
