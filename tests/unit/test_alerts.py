"""One alert per SQL transition, on fakes: markers make a retry harmless."""

from __future__ import annotations

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
