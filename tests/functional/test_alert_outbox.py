"""The alert outbox on moto, through the real handlers: the SQL transition writes its alert with
the lead; the alert function and the scheduled sweeper send it once; an erased lead is never
alerted; the SMS budget turns urgent alerts into e-mail only."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer
from moto import mock_aws

from leadwire.aws.dynamo import DynamoSmsBudget
from leadwire.domain.models import lead_id_for
from leadwire.domain.outbox import LEASE_SECONDS
from leadwire.shell import runtime
from leadwire_local import moto_patches
from leadwire_local.sandbox import Sandbox
from tests.support import READY, post_form, sns_down

LEAD = lead_id_for(READY["email"])
PAST_THE_LEASE = LEASE_SECONDS + 1


def alert_items(sandbox) -> list[dict]:
    """The outbox items in the table, as plain dicts."""
    plain = TypeDeserializer().deserialize
    return [
        {k: plain(v) for k, v in item.items()}
        for item in sandbox.items()
        if item["sk"]["S"].startswith("ALERT#")
    ]


def dead_letter_messages(sandbox) -> list[dict]:
    sqs = boto3.client("sqs")
    url = sandbox.stack.ref("AlertDeadLetterQueue")
    found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return found.get("Messages", [])


def test_the_sql_transition_writes_its_alert_pending_in_the_same_write_as_the_lead(sandbox):
    # When a webhook makes the lead an SQL (and nothing has read the stream yet)
    assert post_form(sandbox, "demo-request", READY, "msg_sql").status == 202
    # Then the table already holds its alert, pending, with what rendering it needs (the text
    # and its signed link are made when it is sent)
    [pending] = alert_items(sandbox)
    assert pending["status"] == "pending" and pending["outbox"] == "pending"
    assert pending["alert"] == {"kind": "sql", "leadId": LEAD, "stage": "sql", "urgency": "normal"}
    assert pending["sk"] == "ALERT#0000000001" and "createdAt" in pending
    # When the stream delivers the transition, sales gets it and the item is marked sent
    sandbox.pump()
    assert len(sandbox.received_alerts()) == 1
    [sent] = alert_items(sandbox)
    assert sent["status"] == "sent" and "outbox" not in sent and "alert" not in sent
    assert int(sent["expiresAt"]) > datetime.now(UTC).timestamp() + 29 * 86400


def test_redrive_after_erasure_sends_nothing(sandbox):
    # Given an alert parked in the dead-letter queue by an SNS outage
    outage = sns_down()
    post_form(sandbox, "demo-request", READY, "msg_parked")
    sandbox.pump()
    assert len(dead_letter_messages(sandbox)) == 1
    # When the person is erased, SNS comes back, and the queue is redriven and swept
    erased = sandbox.request("DELETE", f"/leads/{LEAD}")
    assert erased.status == 200 and erased.json()["status"] == "erased"
    outage.arm(0)
    redriven = sandbox.redrive()
    swept = sandbox.sweep(PAST_THE_LEASE)
    # Then sales receives nothing about them, and nothing of them is back in the table
    assert (redriven.replayed, redriven.failed) == (1, 0)
    assert swept["sent"] == 0
    assert sandbox.received_alerts() == []
    assert [i for i in sandbox.items() if LEAD in i["pk"]["S"]] == []


def test_erasure_deletes_the_pending_alert(sandbox):
    # Given an SQL whose alert is still pending (SNS down)
    sns_down()
    post_form(sandbox, "demo-request", READY, "msg_pending")
    sandbox.pump()
    assert [a["status"] for a in alert_items(sandbox)] == ["pending"]
    # When the lead is erased
    assert sandbox.request("DELETE", f"/leads/{LEAD}").status == 200
    # Then its pending alert is gone from the table and from the sweeper's index
    assert alert_items(sandbox) == []
    assert runtime.store().overdue(datetime(2100, 1, 1, tzinfo=UTC), 10) == []


def test_sns_outage_longer_than_stream_retention_still_alerts_once_sns_is_back(sandbox):
    # Given SNS down long enough that the alert's batch is parked, and then (a weekend later)
    # the stream has dropped the records the dead-letter message points at
    outage = sns_down()
    post_form(sandbox, "demo-request", READY, "msg_weekend")
    sandbox.pump()
    [message] = dead_letter_messages(sandbox)
    sqs, queue = boto3.client("sqs"), sandbox.stack.ref("AlertDeadLetterQueue")
    streams = sandbox.trigger.reader.client
    [shard] = streams.describe_stream(StreamArn=sandbox.trigger.stream_arn)["StreamDescription"][
        "Shards"
    ]
    batch = json.loads(message["Body"])["DDBStreamBatchInfo"]
    pointer = {"DDBStreamBatchInfo": {**batch, "shardId": shard["ShardId"]}}
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(pointer))  # as Lambda sends it
    trimmed = moto_patches.trim_stream(
        runtime.settings().table_name, sandbox.trigger.reader.consumed_through
    )
    assert trimmed > 0
    # When SNS is back: the redrive has nothing left to read...
    outage.arm(0)
    redriven = sandbox.redrive()
    assert (redriven.replayed, redriven.failed) == (0, 1)  # the records are gone
    # ...but the sweeper sends the alert from the table, once
    first, second = sandbox.sweep(PAST_THE_LEASE), sandbox.sweep(PAST_THE_LEASE * 2)
    assert (first["sent"], second["found"]) == (1, 0)
    [alert] = sandbox.received_alerts()
    assert alert.lead_id == LEAD and alert.stage == "sql"


def test_a_crash_after_the_claim_is_sent_by_the_sweeper_after_the_lease_exactly_once(sandbox):
    # Given an alert function that claimed the alert and died before publishing
    post_form(sandbox, "demo-request", READY, "msg_crash")
    assert runtime.store().claim(LEAD, 1, datetime.now(UTC)) is not None
    # When the stream delivers the record (and its retries), within the lease
    sandbox.pump()
    # Then nothing is sent twice, nothing is parked: the alert waits for its lease
    assert sandbox.received_alerts() == [] and dead_letter_messages(sandbox) == []
    assert sandbox.sweep()["found"] == 0  # not overdue yet
    # When the sweeper runs after the lease, and again later
    after, later = sandbox.sweep(PAST_THE_LEASE), sandbox.sweep(PAST_THE_LEASE * 3)
    # Then sales gets the alert exactly once
    assert (after["sent"], later["found"]) == (1, 0)
    assert len(sandbox.received_alerts()) == 1
    assert [a["status"] for a in alert_items(sandbox)] == ["sent"]


def test_a_lead_recycled_before_its_alert_went_out_is_not_alerted(sandbox):
    # Given an SQL whose alert is pending (SNS down), then recycled by sales
    outage = sns_down()
    post_form(sandbox, "demo-request", READY, "msg_recycled")
    sandbox.pump()
    body = json.dumps({"outcome": "recycled", "reason": "wrong contact"}).encode()
    recycled = sandbox.request("POST", f"/leads/{LEAD}/disposition", {}, body)
    assert recycled.status == 200, recycled.body
    # When SNS is back and the sweeper runs
    outage.arm(0)
    swept = sandbox.sweep(PAST_THE_LEASE)
    # Then no alert goes out, and the alert is marked skipped (counted)
    assert (swept["sent"], swept["skipped"]) == (0, 1)
    assert sandbox.received_alerts() == []
    [skipped] = alert_items(sandbox)
    assert skipped["status"] == "skipped" and skipped["skippedWhy"] == "no longer sql (lead)"


@pytest.fixture
def small_sms_budget(restored_environ):
    with mock_aws():
        yield Sandbox(environment={"SMS_PER_HOUR": "2", "SMS_PER_DAY": "10"})


def test_past_the_hourly_sms_budget_urgent_alerts_go_by_email_only(small_sms_budget, capsys):
    sandbox = small_sms_budget
    # Given an SMS budget of 2 an hour, when three urgent SQLs arrive within the hour
    for n in range(3):
        urgent = {**READY, "email": f"urgent{n}@bigco.example", "timeline": "2 weeks"}
        assert post_form(sandbox, "demo-request", urgent, f"msg_urgent_{n}").status == 202
        sandbox.pump()
    # Then e-mail gets all three, the SMS subscription (its filter policy) the first two
    emails = sandbox.received_alerts()
    assert [a.urgency for a in emails] == ["high"] * 3
    assert [a.sms for a in emails] == ["yes", "yes", "no"]
    texts = sandbox.received_sms()
    assert sorted(a.lead_id for a in texts) == sorted(a.lead_id for a in emails[:2])
    # And the metric behind SmsBudgetAlarm says so, once
    metrics = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line
    ]
    assert sum(m["SmsOverBudget"][0] for m in metrics if "SmsOverBudget" in m) == 1
    # And the hour's counter stopped at the budget
    counters = [i for i in sandbox.items() if i["pk"]["S"] == "SMSBUDGET"]
    hour = next(i for i in counters if i["sk"]["S"].startswith("HOUR#"))
    assert hour["sent"]["N"] == "2" and "expiresAt" in hour


def test_the_daily_sms_budget_holds_across_hours(sandbox):
    # Given a budget of 5 an hour but 2 a day
    budget = DynamoSmsBudget(runtime.settings().table_name, per_hour=5, per_day=2)
    morning = datetime(2026, 12, 2, 9, 10, tzinfo=UTC)
    # When SMS are asked for in two different hours of the same day, and the next day
    taken = [budget.take(morning), budget.take(morning.replace(hour=11)), budget.take(morning)]
    tomorrow = budget.take(morning.replace(day=3))
    # Then the day's budget stops the third, and the next day starts afresh
    assert taken == [True, True, False] and tomorrow is True
