"""One alert per SQL transition, on fakes: the outbox makes a retry harmless, an erased or
recycled lead is not alerted, and the SMS budget turns urgent alerts into e-mail only."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

import pytest

from leadwire.app.alerting import Alerting, send_pending, sweep_outbox
from leadwire.domain.alert_text import render_alert
from leadwire.domain.models import Channel, LeadEvent, Profile, Stage
from leadwire.domain.outbox import LEASE_SECONDS, alert_for
from leadwire.domain.scoring import score
from tests.fakes import CountingSmsBudget, InMemoryLeadStore, RecordingPublisher

CLEO = Profile(
    email="cleo@bigco.example",
    first_name="Cleo",
    job_title="CEO",
    company="BigCo",
    company_size="800",
    phone="+1 555 010 4242",
)


def sql_lead(rules, now, n=1):
    event = LeadEvent(
        event_id=f"json:{n}",
        provider="json",
        channel=Channel.FORM,
        form="demo-request",
        occurred_at=now,
        profile=CLEO.model_copy(update={"email": f"cleo{n}@bigco.example"}) if n > 1 else CLEO,
        budget="$200k",
        timeline="2 weeks",
    )
    return score(None, event, rules, now).lead.model_copy(update={"version": 1})


def stored_sql_lead(store, rules, now, n=1):
    """An SQL lead written as the webhook writes it: with its alert in the outbox."""
    outcome = score(None, sql_event(rules, now, n), rules, now)
    return store.record(outcome, 0, alert=alert_for(outcome))


def sql_event(rules, now, n):
    profile = CLEO.model_copy(update={"email": f"cleo{n}@bigco.example"}) if n > 1 else CLEO
    return LeadEvent(
        event_id=f"json:{n}",
        provider="json",
        channel=Channel.FORM,
        form="demo-request",
        occurred_at=now,
        profile=profile,
        budget="$200k",
        timeline="2 weeks",
    )


def alerting(store, publisher, budget=None):
    return Alerting(store, store, publisher, budget or CountingSmsBudget())


def test_a_retry_after_success_sends_nothing_more(rules, now):
    store, publisher = InMemoryLeadStore(), RecordingPublisher()
    lead = stored_sql_lead(store, rules, now)
    first = send_pending(alerting(store, publisher), lead.lead_id, lead.version, now)
    again = send_pending(alerting(store, publisher), lead.lead_id, lead.version, now)
    assert (first.status, first.message_id, again.status) == ("sent", "msg-1", "nothing")
    assert len(publisher.sent) == 1


def test_a_failed_publish_releases_the_claim_so_the_retry_sends(rules, now):
    store, publisher = InMemoryLeadStore(), RecordingPublisher(failures=1)
    lead = stored_sql_lead(store, rules, now)
    with pytest.raises(ConnectionError):
        send_pending(alerting(store, publisher), lead.lead_id, lead.version, now)
    assert send_pending(alerting(store, publisher), lead.lead_id, lead.version, now).status == (
        "sent"
    )


def test_a_lead_no_longer_sql_is_not_alerted_and_the_alert_is_marked_skipped(rules, now):
    store, publisher = InMemoryLeadStore(), RecordingPublisher()
    lead = stored_sql_lead(store, rules, now)
    store.leads[lead.lead_id] = lead.model_copy(update={"stage": Stage.LEAD})  # recycled
    delivery = send_pending(alerting(store, publisher), lead.lead_id, lead.version, now)
    assert (delivery.status, delivery.reason) == ("skipped", "no longer sql (lead)")
    assert publisher.sent == [] and store.outbox == {}


def test_an_alert_claimed_by_a_sender_that_died_is_sent_by_the_sweep_after_the_lease(rules, now):
    store, publisher = InMemoryLeadStore(), RecordingPublisher()
    lead = stored_sql_lead(store, rules, now)
    store.claim(lead.lead_id, lead.version, now)  # ...and the process dies
    assert send_pending(alerting(store, publisher), lead.lead_id, lead.version, now).status == (
        "in_flight"
    )
    within = sweep_outbox(alerting(store, publisher), now + timedelta(seconds=LEASE_SECONDS - 1))
    after = sweep_outbox(alerting(store, publisher), now + timedelta(seconds=LEASE_SECONDS + 1))
    again = sweep_outbox(alerting(store, publisher), now + timedelta(seconds=LEASE_SECONDS * 3))
    assert (within.found, after.sent, again.found) == (0, 1, 0)
    assert len(publisher.sent) == 1


def test_past_the_sms_budget_urgent_alerts_go_by_email_only(rules, now):
    store, publisher = InMemoryLeadStore(), RecordingPublisher()
    budget = CountingSmsBudget(per_hour=2)
    deliveries = []
    for n in range(1, 4):
        lead = stored_sql_lead(store, rules, now, n)
        deliveries.append(
            send_pending(alerting(store, publisher, budget), lead.lead_id, lead.version, now)
        )
    assert [(d.sms, d.over_budget) for d in deliveries] == [
        (True, False),
        (True, False),
        (False, True),
    ]
    assert publisher.by_sms == [True, True, False]


def test_the_alert_says_who_why_and_how_to_reach_them(rules, now):
    alert = render_alert(sql_lead(rules, now))
    assert alert.subject == "[URGENT] SQL: Cleo (CEO, BigCo) - score 145"
    assert "Why: hand-raise from fit 45 >= 20; score 145" in alert.message
    assert "Urgent because: timeline 14 days" in alert.message
    assert "+1 555 010 4242" in alert.sms and len(alert.sms) < 160
    assert alert.urgency.value == "high"


def test_an_unknown_company_size_leaves_no_blank_line(rules, now):
    lead = sql_lead(rules, now)
    lead = lead.model_copy(
        update={"profile": lead.profile.model_copy(update={"company_size": None})}
    )
    message = render_alert(lead).message
    assert "Company size" not in message and "\n\nLead:" not in message


HOSTILE = Profile(
    email="mallory@corp.example",
    first_name="Mallory\nCALL +1-900-555-0199 or visit https://evil.example/login",
    job_title="CEO\u202e\u200b\x07",
    company="Evil\r\nUrgent: wire money\u2028now",
    company_size="800",
)


def test_alert_values_are_one_labelled_line_each_without_control_characters(rules, now):
    # Given an SQL whose profile carries line breaks, control, bidi and zero-width characters
    lead = sql_lead(rules, now)
    lead = lead.model_copy(update={"profile": HOSTILE})

    # When the alert is rendered
    alert = render_alert(lead)

    # Then every value sits on its own labelled line, and no line is the prospect's own
    lines = alert.message.splitlines()
    assert "Name: Mallory CALL +1-900-555-0199 or visit https://evil.example/login" in lines
    assert "Title: CEO" in lines
    assert "Company: Evil Urgent: wire money now" in lines
    assert not any(line.startswith(("CALL", "Urgent: wire")) for line in lines)
    for text in (alert.subject, alert.sms, *lines):
        assert not any(unicodedata.category(c).startswith("C") for c in text), text
        assert "\u2028" not in text
    assert "\n" not in alert.subject and "\n" not in alert.sms


def test_a_500_character_value_is_capped_in_every_alert_text(rules, now):
    lead = sql_lead(rules, now)
    long = "x" * 500
    profile = CLEO.model_copy(update={"first_name": long, "company": long, "job_title": long})
    said = f'said "{long}"'  # the prospect's own words, as urgency reasons quote them
    lead = lead.model_copy(update={"profile": profile, "urgency_reasons": [said]})

    alert = render_alert(lead)

    assert len(alert.subject) < 100 and len(alert.sms) <= 160
    assert all(len(line) <= 300 for line in alert.message.splitlines())
    assert "x" * 201 not in alert.message and "Urgent because: said" in alert.message
