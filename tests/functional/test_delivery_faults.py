"""Faults injected around the real handlers on moto: storage refusing a write, SNS down, the
dead-letter queue replayed by `leadwire redrive` (the local path and the deployed one), and a
visitor's first message racing the email message that would link it."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from leadwire.domain.models import Channel, lead_id_for
from leadwire.providers import WebhookRequest
from leadwire.shell import runtime
from leadwire_local import senders
from leadwire_local.lambda_events import LambdaContext
from leadwire_local.redrive import (
    lambda_replay,
    redrive,
    stream_fetch,
    template_filters,
)
from leadwire_local.streams import StreamReader
from tests.support import READY, post_form, sns_down

FORMS = "/webhooks/forms/json"


def storage_refusal(code: str, message: str, **extra) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}, **extra}, "TransactWriteItems")


REFUSALS = {
    "throttled": storage_refusal(
        "ProvisionedThroughputExceededException", "The level of configured provisioned throughput"
    ),
    "transaction-throttled": storage_refusal(
        "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[ThrottlingError, None]",
        CancellationReasons=[{"Code": "ThrottlingError"}, {"Code": "None"}],
    ),
    "transaction-in-progress": storage_refusal(
        "TransactionInProgressException", "Another transaction is in progress"
    ),
    "internal-error": storage_refusal("InternalServerError", "Internal server error"),
}


@pytest.mark.parametrize("refusal", list(REFUSALS), ids=list(REFUSALS))
def test_storage_refusing_the_write_is_503_writes_nothing_and_the_retry_succeeds(
    sandbox, monkeypatch, refusal
):
    # Given DynamoDB refusing the webhook's transaction once (after botocore's own retries)
    client = runtime.dynamodb_client()
    real = client.transact_write_items
    refused = []

    def refuse_once(**kwargs):
        if not refused:
            refused.append(kwargs)
            raise REFUSALS[refusal]
        return real(**kwargs)

    monkeypatch.setattr(client, "transact_write_items", refuse_once)
    # When the webhook arrives
    first = post_form(sandbox, "demo-request", READY, "msg_refused")
    # Then the sender is told to retry, and nothing at all was written
    assert first.status == 503, first.body
    assert first.json()["error"]["code"] == "storage_unavailable"
    assert sandbox.items() == []
    # When the sender retries the same delivery
    again = post_form(sandbox, "demo-request", READY, "msg_refused")
    # Then it is accepted (not a duplicate), scored once, and alerted once
    assert again.status == 202 and again.json()["status"] == "accepted"
    lead = runtime.store().load(lead_id_for(READY["email"]))
    assert lead.events == 1 and lead.stage.value == "sql"
    assert len(runtime.store().ledger(lead.lead_id)) == 1
    sandbox.pump()
    assert len(sandbox.received_alerts()) == 1


def test_throttled_reads_are_503_through_a_stubbed_client(sandbox, monkeypatch):
    # Given a DynamoDB client whose every answer is a throttle (botocore Stubber)
    client = boto3.client("dynamodb")
    stubber = Stubber(client)
    stubber.add_client_error("get_item", "ThrottlingException", "Rate exceeded", 400)
    stubber.activate()
    runtime.clients(dynamodb=client)  # (the sandbox fixture resets the wiring after)
    # When a webhook arrives
    response = post_form(sandbox, "trial", READY, "msg_throttled_read")
    # Then it is a 503 JSON error and nothing was written
    assert response.status == 503 and response.json()["error"]["code"] == "storage_unavailable"
    stubber.assert_no_pending_responses()
    assert sandbox.items() == []


def dead_letter_count(sandbox) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=sandbox.stack.ref("AlertDeadLetterQueue"),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


def test_redrive_after_an_sns_outage_alerts_once_and_empties_the_queue(sandbox, monkeypatch):
    # Given an alert parked in the dead-letter queue by an SNS outage
    outage = sns_down()
    post_form(sandbox, "demo-request", READY, "msg_parked")
    sandbox.pump()
    assert sandbox.received_alerts() == [] and dead_letter_count(sandbox) == 1
    # When redrive runs while SNS is still down
    failed = sandbox.redrive()
    # Then the message is kept for later
    assert (failed.replayed, failed.failed) == (0, 1) and dead_letter_count(sandbox) == 1
    # When SNS is back and redrive runs (twice)
    outage.arm(0)
    first, second = sandbox.redrive(), sandbox.redrive()
    # Then the alert goes out exactly once and the queue is empty
    assert (first.replayed, first.records, first.failed) == (1, 1, 0)
    assert (second.replayed, second.failed) == (0, 0)
    assert len(sandbox.received_alerts()) == 1
    assert dead_letter_count(sandbox) == 0


class InProcessLambda:
    """A Lambda client whose invoke runs the handler here, from the JSON payload it is sent."""

    def __init__(self, handler):
        self.handler = handler
        self.invocations = 0

    def invoke(self, FunctionName, InvocationType, Payload):  # noqa: N803 (boto3's names)
        self.invocations += 1
        result = self.handler(json.loads(Payload), LambdaContext())
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(result).encode())}


def test_deployed_redrive_reads_the_batch_back_from_the_stream_and_invokes_the_function(
    sandbox, monkeypatch
):
    # Given a lead that became SQL, then kept scoring (records on the stream that must not
    # alert), and a dead-letter message that holds only the batch's coordinates, as Lambda's
    outage = sns_down()
    post_form(sandbox, "content-download", {"email": READY["email"]}, "msg_before")
    post_form(sandbox, "demo-request", READY, "msg_sql")
    post_form(sandbox, "webinar", {"email": READY["email"]}, "msg_after")
    sandbox.pump()
    [message] = boto3.client("sqs").receive_message(
        QueueUrl=sandbox.stack.ref("AlertDeadLetterQueue"), VisibilityTimeout=0
    )["Messages"]
    parked = json.loads(message["Body"])
    streams = StreamReader(sandbox.trigger.stream_arn).client
    [shard] = streams.describe_stream(StreamArn=sandbox.trigger.stream_arn)["StreamDescription"][
        "Shards"
    ]
    everything = StreamReader(sandbox.trigger.stream_arn).read()
    coordinates = {
        **parked["DDBStreamBatchInfo"],
        "shardId": shard["ShardId"],
        "startSequenceNumber": everything[0]["dynamodb"]["SequenceNumber"],  # a wider range
        "endSequenceNumber": everything[-1]["dynamodb"]["SequenceNumber"],
    }
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="deployed-alert-dlq")["QueueUrl"]
    sqs.send_message(
        QueueUrl=queue,
        MessageBody=json.dumps({"requestContext": {}, "DDBStreamBatchInfo": coordinates}),
    )
    outage.arm(0)
    function = InProcessLambda(sandbox.handler("SqlAlertFunction"))
    # When redrive replays it the deployed way
    result = redrive(
        sqs,
        queue,
        replay=lambda_replay(function, "leadwire-SqlAlertFunction"),
        fetch=stream_fetch(streams),
        filters=template_filters(sandbox.template, "SqlAlertFunction", "LeadStream"),
    )
    # Then only the record of the change to SQL reached the function, and it alerted once
    assert (result.replayed, result.records, result.failed) == (1, 1, 0), result.errors
    assert function.invocations == 1
    [alert] = sandbox.received_alerts()
    assert alert.lead_id == lead_id_for(READY["email"])
    assert sqs.receive_message(QueueUrl=queue).get("Messages", []) == []


def test_deployed_redrive_keeps_the_message_when_the_function_fails(sandbox, monkeypatch):
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="deployed-alert-dlq")["QueueUrl"]
    batch = {
        "shardId": "shardId-gone",
        "startSequenceNumber": "1",
        "endSequenceNumber": "2",
        "streamArn": sandbox.trigger.stream_arn,
    }
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"DDBStreamBatchInfo": batch}))

    def failing_fetch(batch):
        raise LookupError("no records (older than the stream's 24 h retention?)")

    result = redrive(sqs, queue, replay=lambda records, arn: None, fetch=failing_fetch)
    assert (result.replayed, result.failed) == (0, 1) and "24 h" in result.errors[0]
    assert len(sqs.receive_message(QueueUrl=queue)["Messages"]) == 1  # visible again at once


def test_a_visitors_first_message_racing_the_email_that_links_it_is_merged(sandbox, monkeypatch):
    # Given a visitor not seen before, whose email message is being written
    store = runtime.store()
    real_load = store.load
    raced = []

    def load_then_race(lead_id):
        found = real_load(lead_id)
        if lead_id == lead_id_for(None, "v_race") and not raced:
            # ...while, between that message's read and its write, the visitor's first
            # anonymous message is written
            raced.append(True)
            payload = senders.json_chat("conv", "m_anon", "hello", visitor_id="v_race")
            headers, body = senders.json_webhook(payload, delivery_id="msg_anon")
            answer = runtime.intake().receive(Channel.CHAT, "json", WebhookRequest(headers, body))
            assert answer.status == "accepted"
        return found

    monkeypatch.setattr(store, "load", load_then_race)
    payload = senders.json_chat(
        "conv", "m_mail", "it's ria", visitor_id="v_race", email="ria@corp.example"
    )
    headers, body = senders.json_webhook(payload, delivery_id="msg_mail")
    assert sandbox.request("POST", "/webhooks/chat/json", headers, body).status == 202
    monkeypatch.setattr(store, "load", real_load)
    # Then both messages are on one lead, and the visitor id leads there
    lead = store.load(lead_id_for("ria@corp.example"))
    assert raced and lead.events == 2
    assert store.load(lead_id_for(None, "v_race")).lead_id == lead.lead_id
    assert sorted(e.event_id for e in store.ledger(lead.lead_id)) == [
        "json:msg_anon",
        "json:msg_mail",
    ]
