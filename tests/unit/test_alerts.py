"""One alert per SQL transition, on fakes: the outbox makes a retry harmless, an erased or
recycled lead is not alerted, and the SMS budget turns urgent alerts into e-mail only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from leadwire.app.alerting import Alerting, send_pending, sweep_outbox
from leadwire.app.lead_links import LeadLinks
from leadwire.aws.secrets import EnvSigningSecrets
from leadwire.domain.models import Stage
from leadwire.domain.outbox import LEASE_SECONDS, alert_for
from leadwire.domain.scoring import score
from tests.builders import sql_event
from tests.fakes import CountingSmsBudget, InMemoryLeadStore, RecordingPublisher, RecordingSlack


def stored_sql_lead(store, rules, now, n=1):
    """An SQL lead written as the webhook writes it: with its alert in the outbox."""
    outcome = score(None, sql_event(now, n), rules, now)
    return store.record(outcome, 0, alert=alert_for(outcome))


def alerting(store, publisher, budget=None, slack=None):
    return Alerting(store, store, publisher, budget or CountingSmsBudget(), slack=slack)


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


def test_a_failing_slack_is_retried_by_the_sweep_without_repeating_email_or_sms(rules, now):
    # Given Slack failing twice (a 5xx, a time-out)
    store, publisher, slack = InMemoryLeadStore(), RecordingPublisher(), RecordingSlack(2)
    lead = stored_sql_lead(store, rules, now)

    # When the alert function sends the alert, and the sweeper runs twice after it
    first = send_pending(alerting(store, publisher, slack=slack), lead.lead_id, lead.version, now)
    runs = [
        sweep_outbox(alerting(store, publisher, slack=slack), now + timedelta(minutes=m))
        for m in (5, 10, 15)
    ]

    # Then e-mail / SMS went once, at once; Slack on the sweeper's second run; then nothing
    assert (first.status, first.slack) == ("sent", "retry")
    assert [(r.found, r.sent, r.slack_retries) for r in runs] == [(1, 0, 1), (1, 0, 0), (0, 0, 0)]
    assert len(publisher.sent) == 1 and len(slack.posted) == 1
    assert store.done[(lead.lead_id, lead.version)] == "sent (slack sent)"


def test_a_wrong_slack_webhook_is_given_up_at_once_and_email_still_goes(rules, now):
    store, publisher = InMemoryLeadStore(), RecordingPublisher()
    slack = RecordingSlack(failures=1, retryable=False)  # 404 no_service
    lead = stored_sql_lead(store, rules, now)
    delivery = send_pending(
        alerting(store, publisher, slack=slack), lead.lead_id, lead.version, now
    )
    assert (delivery.status, delivery.slack, len(publisher.sent)) == ("sent", "failed", 1)
    assert store.outbox == {}


def test_a_failing_slack_does_not_stop_the_sweep_sending_other_alerts(rules, now):
    store, publisher, slack = InMemoryLeadStore(), RecordingPublisher(), RecordingSlack(10)
    leads = [stored_sql_lead(store, rules, now, n) for n in (1, 2, 3)]
    run = sweep_outbox(alerting(store, publisher, slack=slack), now + timedelta(minutes=5))
    assert (run.found, run.sent, run.slack_retries, run.failed) == (3, 3, 3, None)
    assert len(publisher.sent) == len(leads)


def test_without_a_slack_webhook_the_alert_is_done_after_sns(rules, now):
    store, publisher, slack = InMemoryLeadStore(), RecordingPublisher(), RecordingSlack(url=None)
    lead = stored_sql_lead(store, rules, now)
    delivery = send_pending(
        alerting(store, publisher, slack=slack), lead.lead_id, lead.version, now
    )
    assert (delivery.slack, store.outbox) == ("off", {})


def test_a_slack_retry_in_the_next_hour_carries_the_link_the_email_carried(rules, now):
    # Given an SQL owed just before the hour, links signed, and Slack failing once
    before_the_hour = now.replace(minute=59, second=30)
    store, publisher, slack = InMemoryLeadStore(), RecordingPublisher(), RecordingSlack(failures=1)
    lead = stored_sql_lead(store, rules, before_the_hour)
    secrets = EnvSigningSecrets({"LEADWIRE_SECRET_LEAD_LINK": "link-key"})
    links = LeadLinks(secrets, "https://leads.example")
    sending = Alerting(store, store, publisher, CountingSmsBudget(), links=links, slack=slack)
    # When the alert function sends it, and the sweeper retries Slack past the lease (next hour)
    send_pending(sending, lead.lead_id, lead.version, before_the_hour)
    retried = before_the_hour + timedelta(seconds=LEASE_SECONDS + 1)
    assert send_pending(sending, lead.lead_id, lead.version, retried).slack == "sent"
    # Then Slack's message has the e-mail's link: one alert, one link, one expiry
    (emailed,) = [line for line in publisher.sent[0].message.splitlines() if "/l/" in line]
    assert emailed.split()[-1] in json.dumps(slack.posted[0])
