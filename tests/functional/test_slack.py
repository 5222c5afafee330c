"""Slack through its incoming webhook, on moto and a stub Slack on 127.0.0.1: the Block Kit
message goes after e-mail/SMS with its own outbox state, so Slack answering errors is retried
by the sweeper and never blocks or repeats the e-mail and SMS; a wrong webhook is given up."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from boto3.dynamodb.types import TypeDeserializer

from leadwire.domain.models import lead_id_for
from leadwire.domain.outbox import LEASE_SECONDS
from tests.slack_stub import StubSlack
from tests.support import READY, post_form

LEAD = lead_id_for(READY["email"])
PAST_THE_LEASE = LEASE_SECONDS + 1


@pytest.fixture
def slack(monkeypatch) -> Iterator[StubSlack]:
    with StubSlack.running() as server:
        monkeypatch.setenv("LEADWIRE_SECRET_SLACK_WEBHOOK", server.url)
        yield server


def alert_item(sandbox) -> dict:
    plain = TypeDeserializer().deserialize
    [item] = [i for i in sandbox.items() if i["sk"]["S"].startswith("ALERT#")]
    return {k: plain(v) for k, v in item.items()}


def test_slack_errors_are_retried_by_the_sweeper_without_repeating_email_or_sms(sandbox, slack):
    # Given Slack answering 500, then 429, then 200
    slack.answers[:] = [500, 429]

    # When a lead becomes an SQL and the alert function sends its alert
    post_form(sandbox, "demo-request", READY)
    sandbox.pump()

    # Then the e-mail went at once; Slack's alert is still pending, SNS remembered as sent
    assert len(sandbox.received_alerts()) == 1
    item = alert_item(sandbox)
    assert (item["status"], item["slackTries"], "messageId" in item) == ("pending", 1, True)

    # When the sweeper runs twice (as its schedule does, past the lease)
    first, second = sandbox.sweep(PAST_THE_LEASE), sandbox.sweep(PAST_THE_LEASE)

    # Then Slack took it on the second run, and nothing went by e-mail or SMS again
    assert (first["slackRetries"], first["sent"]) == (1, 0)
    assert (second["slackRetries"], second["sent"], second["found"]) == (0, 0, 1)
    assert sandbox.received_alerts() == [] and sandbox.received_sms() == []
    assert alert_item(sandbox)["status"] == "sent" and alert_item(sandbox)["slack"] == "sent"
    assert len(slack.posts) == 3 and slack.posts[0] == slack.posts[2]
    message = slack.posts[-1]
    assert message["blocks"][0]["type"] == "header" and "Cleo" in message["text"]
    assert message["unfurl_links"] is False
    assert LEAD not in json.dumps(message)
    assert sandbox.sweep(PAST_THE_LEASE)["found"] == 0


def test_a_wrong_slack_webhook_is_given_up_and_the_email_still_goes(sandbox, slack):
    slack.answers[:] = [404]  # no_service: the webhook was removed
    post_form(sandbox, "demo-request", READY)
    sandbox.pump()
    assert len(sandbox.received_alerts()) == 1 and len(slack.posts) == 1
    assert (alert_item(sandbox)["status"], alert_item(sandbox)["slack"]) == ("sent", "failed")
    assert sandbox.sweep(PAST_THE_LEASE)["found"] == 0


def test_without_a_slack_webhook_nothing_is_posted_and_the_alert_is_done(
    sandbox, slack, monkeypatch
):
    monkeypatch.delenv("LEADWIRE_SECRET_SLACK_WEBHOOK")
    post_form(sandbox, "demo-request", READY)
    sandbox.pump()
    assert len(sandbox.received_alerts()) == 1 and slack.posts == []
    assert (alert_item(sandbox)["status"], alert_item(sandbox)["slack"]) == ("sent", "off")
