"""The scoring model, pure: no AWS, no clock. PRODUCT.md's scenarios under the default rules."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadwire.app.intake import Intake, IntakeLimits
from leadwire.aws.secrets import EnvSigningSecrets
from leadwire.domain.errors import DispositionNotAllowed
from leadwire.domain.models import (
    Channel,
    DispositionOutcome,
    Lead,
    LeadEvent,
    Profile,
    Sla,
    Stage,
    Urgency,
    lead_id_for,
)
from leadwire.domain.rules import ScoringRules, load_rules
from leadwire.domain.scoring import (
    _PROFILES_KEPT,
    decay,
    dispose,
    employee_count,
    faded,
    profile_read,
    score,
)
from leadwire.domain.sla import acknowledge
from leadwire.providers import DEV_SECRETS, WebhookRequest
from leadwire_local import senders
from tests.fakes import InMemoryLeadStore
from tests.support import form_event

BOB = Profile(
    email="bob@acme-corp.example",
    first_name="Bob",
    last_name="Builder",
    job_title="Team Lead",
    company="Acme",
    company_size="120",
)


def chat(text: str, at: datetime, email: str | None = None, n: int = 0) -> LeadEvent:
    return LeadEvent(
        event_id=f"json:chat-{n}",
        provider="json",
        channel=Channel.CHAT,
        occurred_at=at,
        profile=Profile(email=email),
        visitor_id="v-1",
        message=text,
    )


def play(events: list[LeadEvent], rules: ScoringRules, now: datetime) -> list[Lead]:
    lead, seen = None, []
    for i, event in enumerate(events):
        lead = score(lead, event, rules, now + timedelta(minutes=i)).lead
        seen.append(lead)
    return seen


def test_bob_goes_from_lead_to_mql_to_sql_with_high_urgency(rules, now):
    # Given Bob, a team lead at a 120-person company with a business email
    steps = play(
        [
            form_event("newsletter", BOB, now),
            form_event("content-download", BOB, now, 1),
            form_event("content-download", BOB, now, 2),
            form_event("webinar", BOB, now),
            form_event("demo-request", BOB, now, budget="$40k", timeline="within one month"),
        ],
        rules,
        now,
    )
    # Then the blog subscription leaves him a lead, the research makes him an MQL...
    assert steps[0].stage is Stage.LEAD and steps[0].score == 35  # fit 25 + blog 10
    assert steps[3].stage is Stage.MQL
    # ...and the demo request with budget and a one-month timeline makes him an SQL
    bob = steps[4]
    assert bob.stage is Stage.SQL and bob.score >= rules.stages.sql
    assert bob.urgency is Urgency.HIGH and bob.urgency_reasons == ["timeline 30 days"]
    assert bob.bant.budget_amount == 40_000 and bob.bant.timeline_days == 30
    assert [(t.from_stage, t.to_stage) for t in bob.transitions] == [
        (Stage.LEAD, Stage.MQL),
        (Stage.MQL, Stage.SQL),
    ]
    assert bob.transitions[-1].cause.startswith("hand-raise from fit 25 >= 20")


def test_student_with_personal_email_never_becomes_sql(rules, now):
    student = Profile(email="sam@gmail.com", job_title="Student")
    leads = play([form_event("content-download", student, now, i) for i in range(10)], rules, now)
    assert all(lead.stage is Stage.LEAD for lead in leads)
    assert leads[-1].action_points["content_download"] == rules.action("content_download").cap


def test_vp_asking_about_pricing_then_booking_a_demo_becomes_sql(rules, now):
    vp = Profile(
        email="vera@bigco.example",
        first_name="Vera",
        job_title="VP of Operations",
        company_size="500",
    )
    first = score(None, chat("Hi, what does your pricing look like?", now, vp.email), rules, now)
    assert first.entry.action == "pricing_question"
    later = score(first.lead, form_event("demo-request", vp, now), rules, now)
    assert later.lead.stage is Stage.SQL
    assert later.lead.bant.authority == "vp"


def test_ledger_entry_names_the_points_each_rule_gave(rules, now):
    outcome = score(None, form_event("newsletter", BOB, now), rules, now)
    assert outcome.entry.rules == {
        "action.newsletter": 10,
        "fit.seniority.manager": 10,
        "fit.company_size.up_to_200": 10,
        "fit.email.business": 5,
    }
    assert outcome.entry.points == 35 and outcome.entry.rules_version == rules.version
    # A second event only explains what it changed
    again = score(outcome.lead, form_event("webinar", BOB, now), rules, now)
    assert again.entry.rules == {"action.webinar": 15}


def test_action_cap_gives_zero_points_once_reached(rules, now):
    leads = play([form_event("newsletter", BOB, now, i) for i in range(3)], rules, now)
    assert leads[-1].action_points["newsletter"] == 10
    assert round(leads[-1].engagement) == 10


def test_unknown_form_counts_as_a_generic_form_fill(rules, now):
    outcome = score(None, form_event("spring-promo", BOB, now), rules, now)
    assert outcome.entry.action == "form_fill"


def test_sql_needs_the_bant_gate_or_a_hand_raise_from_a_good_fit(rules, now):
    # Given a low-fit lead (no title, small company) with lots of engagement but no BANT
    nobody = Profile(email="kim@tiny.example", company_size="5")
    events = [
        form_event(f, nobody, now, i)
        for i, f in enumerate(["content-download"] * 3 + ["webinar"] * 2 + ["contact", "trial"])
    ]
    lead = play(events, rules, now)[-1]
    assert lead.score >= rules.stages.sql
    # Then the gate holds it at MQL: fit 5 < hand_raise_min_fit and BANT 1/4 (need only)
    assert lead.stage is Stage.MQL


def test_mql_falls_back_to_lead_only_below_the_hysteresis_margin(rules, now):
    lead = play(
        [form_event("newsletter", BOB, now), form_event("content-download", BOB, now, 1)],
        rules,
        now,
    )[-1]
    assert lead.stage is Stage.MQL and lead.score == 45
    # An unsubscribe (-15) a day later leaves 30, the floor itself: still an MQL
    kept = score(lead, form_event("unsubscribe", BOB, now), rules, now + timedelta(days=1)).lead
    assert kept.stage is Stage.MQL and kept.score == 30
    # A week later the faded score is 27: below 40 - 10
    later = score(lead, form_event("unsubscribe", BOB, now), rules, now + timedelta(days=7)).lead
    assert later.stage is Stage.LEAD
    assert later.transitions[-1].cause.startswith("score 27 < 30")


def test_sql_is_left_to_sales_even_when_the_score_drops(rules, now):
    sql = play(
        [
            form_event("demo-request", BOB, now, budget="50k", timeline="Q1"),
            form_event("webinar", BOB, now),
        ],
        rules,
        now,
    )[-1]
    assert sql.stage is Stage.SQL
    after = score(
        sql, form_event("unsubscribe", BOB, now, 9), rules, now + timedelta(days=300)
    ).lead
    assert after.stage is Stage.SQL


@pytest.mark.parametrize("timeline", ["0001-01-01", "2019-03-01", "Q1 2019"])
def test_a_past_or_absurd_timeline_date_does_not_make_a_lead_urgent(rules, now, timeline):
    # Given Bob at a webinar (no hand-raise) whose timeline answer is a date already past
    events = [
        form_event("newsletter", BOB, now),
        form_event("webinar", BOB, now, 1, budget="$40k", timeline=timeline),
    ]
    bob = play(events, rules, now)[-1]
    # Then no short timeline is known, so the lead is not urgent on its account
    assert bob.bant.timeline_days is None
    assert bob.urgency is Urgency.NORMAL


def test_urgent_phrase_in_chat_makes_urgency_high(rules, now):
    outcome = score(None, chat("can someone call me today?", now, "a@b.example"), rules, now)
    assert outcome.lead.urgency is Urgency.HIGH
    calm = score(None, chat("just looking around", now, "c@d.example", 2), rules, now)
    assert calm.lead.urgency is Urgency.NORMAL


def test_the_prospects_latest_own_words_are_kept_for_sales(rules, now):
    first = score(None, chat("do you integrate with Salesforce?", now, "a@b.example"), rules, now)
    assert first.lead.message == "do you integrate with Salesforce?"
    later = now + timedelta(minutes=5)
    second = score(first.lead, chat("x" * 5000, later, "a@b.example", 2), rules, later)
    assert second.lead.message == "x" * 1000 and second.lead.message_at == later
    # A late delivery of an older message does not replace the newer one
    late = score(second.lead, chat("hello?", now, "a@b.example", 3), rules, later)
    assert late.lead.message == "x" * 1000


def test_engagement_halves_every_half_life(rules, now):
    lead = score(None, form_event("webinar", BOB, now), rules, now).lead
    later = now + timedelta(days=rules.engagement.half_life_days)
    assert faded(lead, later, rules) == lead.engagement / 2


def test_employee_count_reads_what_forms_send():
    assert employee_count("51-200") == 200
    assert employee_count("1,000+") == 1000
    assert employee_count("5k") == 5000
    assert employee_count("about 120 people") == 120
    assert employee_count("lots") is None


@settings(max_examples=60, deadline=None)
@given(
    forms=st.lists(
        st.sampled_from(
            [
                "newsletter",
                "content-download",
                "webinar",
                "contact",
                "trial",
                "demo-request",
                "unsubscribe",
                "other",
            ]
        ),
        min_size=1,
        max_size=25,
    ),
    gaps=st.lists(st.integers(min_value=0, max_value=90 * 24), min_size=25, max_size=25),
)
def test_caps_are_never_exceeded_and_decay_never_raises(rules, now, forms, gaps):
    lead, moment = None, now
    for i, name in enumerate(forms):
        moment = moment + timedelta(hours=gaps[i])
        if lead is not None:
            assert faded(lead, moment, rules) <= lead.engagement or lead.engagement < 0
        lead = score(lead, form_event(name, BOB, moment, i), rules, moment).lead
        for action, earned in lead.action_points.items():
            cap = rules.action(action).cap
            assert cap is None or earned <= cap
        assert lead.engagement <= (rules.engagement.cap or float("inf"))


def test_decay_demotes_a_cooled_mql_and_explains_it(rules, now):
    mql = play(
        [form_event("webinar", BOB, now), form_event("content-download", BOB, now, 1)], rules, now
    )[-1]
    assert mql.stage is Stage.MQL
    assert decay(mql, rules, now + timedelta(days=1)) is None  # still warm: no write
    outcome = decay(mql, rules, now + timedelta(days=120))
    assert outcome is not None and outcome.lead.stage is Stage.LEAD
    assert outcome.entry.action == "decay" and outcome.entry.points < 0
    assert outcome.lead.score == mql.score + outcome.entry.points


def test_recycling_resets_engagement_but_keeps_the_transitions(rules, now):
    sql = play(
        [
            form_event("demo-request", BOB, now, budget="50k", timeline="Q1"),
            form_event("webinar", BOB, now),
        ],
        rules,
        now,
    )[-1]
    outcome = dispose(sql, DispositionOutcome.RECYCLED, "later", rules, now, "disposition:1")
    lead = outcome.lead
    assert lead.stage is Stage.LEAD and lead.engagement == 0 and lead.action_points == {}
    assert len(lead.transitions) == len(sql.transitions) + 1
    assert outcome.entry.points == -round(sql.engagement)


def test_accepting_a_lead_that_is_not_an_sql_is_refused(rules, now):
    lead = score(None, form_event("newsletter", BOB, now), rules, now).lead
    with pytest.raises(DispositionNotAllowed):
        dispose(lead, DispositionOutcome.ACCEPTED, None, rules, now, "disposition:2")


@settings(max_examples=40, deadline=None)
@given(
    forms=st.lists(
        st.sampled_from(
            ["newsletter", "content-download", "webinar", "trial", "demo-request", "unsubscribe"]
        ),
        min_size=1,
        max_size=12,
    ),
    repeat=st.integers(min_value=0, max_value=11),
)
def test_a_redelivered_event_never_changes_the_outcome(rules, now, forms, repeat):
    """Through the intake on a fake store: the same delivery twice is counted once."""
    store = InMemoryLeadStore()
    service = Intake(
        store=store,
        secrets=EnvSigningSecrets({}, dev_defaults=DEV_SECRETS),
        rules=rules,
        limits=IntakeLimits(),
        clock=lambda: now,
        sleep=lambda _: None,
    )
    sent = []
    for i, name in enumerate(forms):
        headers, body = senders.json_webhook(
            senders.json_form(name, {"email": "bob@acme.example", "job_title": "Team Lead"}),
            delivery_id=f"msg_{i}",
            timestamp=int(now.timestamp()),
        )
        sent.append(WebhookRequest(headers=headers, body=body))
        service.receive(Channel.FORM, "json", sent[-1])
    before = store.leads[lead_id_for("bob@acme.example")]
    receipt = service.receive(Channel.FORM, "json", sent[repeat % len(sent)])
    assert receipt.status == "duplicate"
    assert store.leads[lead_id_for("bob@acme.example")] == before


def test_country_and_industry_fit_match_whatever_the_case_the_form_sent(rules, now):
    # Given rules that favour Germany and fintech, written as marketing writes them
    fit = rules.fit.model_copy(update={"countries": {"Germany": 10}, "industries": {"FinTech": 5}})
    local = rules.model_copy(update={"fit": fit})
    # When a lead from " GERMANY " in "FinTech" fills a form
    profile = BOB.model_copy(update={"country": " GERMANY ", "industry": "fintech"})
    outcome = score(None, form_event("newsletter", profile, now), local, now)
    # Then both rules gave their points, named by what matched
    assert outcome.lead.fit_rules["fit.country.germany"] == 10
    assert outcome.lead.fit_rules["fit.industry.fintech"] == 5


def test_the_same_person_under_two_rule_sets_gets_each_sets_own_fit(rules, now):
    # Given the shipped rules and a copy that values a business address more
    email = rules.fit.email.model_copy(update={"business": rules.fit.email.business + 15})
    richer = rules.model_copy(update={"fit": rules.fit.model_copy(update={"email": email})})
    event = form_event("newsletter", BOB, now)
    # When Bob's form is scored under the shipped rules, under the copy, then the shipped again
    first = score(None, event, rules, now).lead
    other = score(None, event, richer, now).lead
    again = score(None, event, rules, now).lead
    # Then each set gives its own fit, and reading it under one never changes the other's
    assert other.fit == first.fit + 15
    assert other.fit_rules["fit.email.business"] == first.fit_rules["fit.email.business"] + 15
    assert (again.fit, again.fit_rules) == (first.fit, first.fit_rules)


def test_a_warm_container_keeps_a_bounded_number_of_profiles_read(now):
    # Given rules that have read more distinct profiles than they keep
    rules = load_rules()
    expected = score(None, form_event("newsletter", BOB, now), rules, now).lead
    for n in range(_PROFILES_KEPT + 10):
        profile_read(Profile(email=f"p{n}@company{n}.example", job_title="CEO"), rules)
    # Then what they keep stays bounded, and Bob is still read the same
    assert len(rules.profile_reads) <= _PROFILES_KEPT
    assert score(None, form_event("newsletter", BOB, now), rules, now).lead == expected


def test_acknowledging_stops_the_response_clock_once(rules, now):
    lead = score(None, form_event("demo_request", BOB, now), rules, now).lead
    assert acknowledge(lead, now, "link", "ack:1", rules.version) is None  # no clock running
    clocked = lead.model_copy(update={"sla": Sla(started_at=now, due=now + timedelta(minutes=5))})
    later = now + timedelta(minutes=2)
    seen = acknowledge(clocked, later, "link", "ack:1", rules.version)
    assert seen is not None and seen.lead.sla is not None
    assert seen.lead.sla.acknowledged_at == later and seen.entry.action == "acknowledged.link"
    assert seen.entry.points == 0 and seen.lead.score == lead.score
    assert acknowledge(seen.lead, later, "link", "ack:2", rules.version) is None


def test_a_lead_changed_after_scoring_does_not_change_the_next_persons_fit(rules, now):
    # Given Bob scored, and his lead's fit rules changed in place afterwards
    event = form_event("newsletter", BOB, now)
    first = score(None, event, rules, now).lead
    expected = dict(first.fit_rules)
    first.fit_rules.clear()
    # When the same profile is scored again (the rules remember what they read of it)
    again = score(None, event, rules, now).lead
    # Then its fit is read as before: the lead held its own copy, not the rules' memo
    assert again.fit_rules == expected and again.fit == sum(expected.values())
