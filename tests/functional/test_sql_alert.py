"""The stream -> sql_alert -> SNS path, fed with the table's real moto stream records."""

from __future__ import annotations

import json

import boto3

from leadwire_local.demo import BOB, play_bob
from leadwire_local.lambda_events import LambdaContext, stream_event
from leadwire_local.scenarios import InProcessStack
from leadwire_local.streams import StreamReader
from tests.support import READY, post_form, sns_down


def dead_letters(sandbox) -> list[dict]:
    sqs = boto3.client("sqs")
    url = sandbox.stack.ref("AlertDeadLetterQueue")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_bob_reaches_sql_and_sales_gets_exactly_one_alert(sandbox):
    results = play_bob(InProcessStack(sandbox), say=lambda _: None)
    assert [r["stage"] for r in results] == ["lead", "mql", "mql", "mql", "sql", "sql"]
    assert results[-1]["status"] == "duplicate"
    alerts = [a for r in results for a in r["alerts"]]
    assert len(alerts) == 1
    [alert] = alerts
    assert alert["stage"] == "sql" and alert["urgency"] == "high"
    assert "Bob Baker" in alert["subject"] and "score 170" in alert["subject"]
    assert "Why: " in alert["message"] and BOB["email"] in alert["message"]
    assert "ld_" not in alert["message"]  # no internal ids in what sales reads


def test_only_a_change_to_sql_invokes_the_alert_function(sandbox):
    post_form(sandbox, "webinar", {"email": "ann@corp.example"})
    post_form(sandbox, "content-download", {"email": "ann@corp.example"})
    assert sandbox.pump() == 0
    assert sandbox.received_alerts() == []


def test_retried_stream_batch_alerts_once(sandbox):
    post_form(sandbox, "demo-request", READY)
    # Read the stream's records ourselves, then deliver the same batch twice, as Lambda does
    # when it retries a batch.
    records = [
        r
        for r in StreamReader(sandbox.trigger.stream_arn).read()
        if r["eventName"] == "INSERT" and "stage" in r["dynamodb"]["NewImage"]
    ]
    assert records, "the lead's INSERT must be on the stream"
    handler = sandbox.handler("SqlAlertFunction")
    event = stream_event(records, sandbox.trigger.stream_arn)
    assert handler(event, LambdaContext()) == {"batchItemFailures": []}
    assert handler(event, LambdaContext()) == {"batchItemFailures": []}
    assert len(sandbox.received_alerts()) == 1


def test_sns_outage_parks_the_record_in_the_dead_letter_queue_then_redrive_alerts_once(
    sandbox,
):
    outage = sns_down()
    post_form(sandbox, "demo-request", READY)
    sandbox.pump()
    assert sandbox.received_alerts() == []
    [parked] = dead_letters(sandbox)
    assert parked["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert parked["requestContext"]["approximateInvokeCount"] == 4  # 1 + MaximumRetryAttempts
    # After recovery, replaying the parked records sends the alert, once.
    outage.arm(0)
    sandbox.trigger.deliver(parked["records"])
    sandbox.trigger.deliver(parked["records"])
    assert len(sandbox.received_alerts()) == 1


def test_alert_carries_urgency_for_subscription_filter_policies(sandbox):
    # Given two SQLs: one whose timeline is two weeks, one who plans for next year
    post_form(
        sandbox, "demo-request", {**READY, "email": "soon@bigco.example", "timeline": "2 weeks"}
    )
    post_form(sandbox, "demo-request", READY)
    sandbox.pump()
    # Then each alert carries its urgency as the attribute SMS subscriptions filter on
    soon, later = sandbox.received_alerts()
    assert (soon.urgency, later.urgency) == ("high", "normal")
    assert soon.stage == later.stage == "sql"
    assert "timeline 14 days" in soon.message.split("Why: ", 1)[1].splitlines()[0]


def test_the_alert_says_who_else_from_the_company_engaged_this_week(sandbox):
    # Given two colleagues of Cleo's engaged this week, and someone on a personal address
    post_form(sandbox, "webinar", {"email": "ann@bigco.example", "first_name": "Ann"})
    post_form(sandbox, "content-download", {"email": "raj@bigco.example"})
    post_form(sandbox, "webinar", {"email": "sam@gmail.com"})
    sandbox.pump()
    sandbox.received_alerts()
    # When Cleo requests a demo and becomes an SQL
    assert post_form(sandbox, "demo-request", READY).status == 202
    sandbox.pump()
    # Then the alert names the account and its surge, without naming the colleagues
    [alert] = sandbox.received_alerts()
    line = "Account: 2 others from Bigco engaged this week (account surge: 3 people within 7 days)"
    assert line in alert.message
    assert "ann@" not in alert.message and "Ann" not in alert.message


def test_an_alert_for_a_lead_without_colleagues_has_no_account_line(sandbox):
    # Given no one else from bigco.example engaged, When Cleo requests a demo
    assert post_form(sandbox, "demo-request", READY).status == 202
    sandbox.pump()
    # Then the alert has no account line (nothing to tell)
    [alert] = sandbox.received_alerts()
    assert alert.stage == "sql" and "Account:" not in alert.message
