"""One alert per SQL transition, on fakes: markers make a retry harmless."""

from __future__ import annotations

import unicodedata

import pytest

from leadwire.app.alerting import alert_on_sql
from leadwire.domain.alert_text import render_alert
from leadwire.domain.models import Channel, LeadEvent, Profile
from leadwire.domain.scoring import score
from tests.fakes import InMemoryLeadStore, RecordingPublisher

CLEO = Profile(
    email="cleo@bigco.example",
    first_name="Cleo",
    job_title="CEO",
    company="BigCo",
    company_size="800",
    phone="+1 555 010 4242",
)


def sql_lead(rules, now):
    event = LeadEvent(
        event_id="json:1",
        provider="json",
        channel=Channel.FORM,
        form="demo-request",
        occurred_at=now,
        profile=CLEO,
        budget="$200k",
        timeline="2 weeks",
    )
    return score(None, event, rules, now).lead.model_copy(update={"version": 1})


def test_a_retry_after_success_sends_nothing_more(rules, now):
    store, publisher = InMemoryLeadStore(), RecordingPublisher()
    lead = sql_lead(rules, now)
    assert alert_on_sql(lead, store, publisher, now) == "msg-1"
    assert alert_on_sql(lead, store, publisher, now) is None
    assert len(publisher.sent) == 1


def test_a_failed_publish_releases_the_marker_so_the_retry_sends(rules, now):
    store, publisher = InMemoryLeadStore(), RecordingPublisher(failures=1)
    lead = sql_lead(rules, now)
    with pytest.raises(ConnectionError):
        alert_on_sql(lead, store, publisher, now)
    assert alert_on_sql(lead, store, publisher, now) == "msg-1"


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
