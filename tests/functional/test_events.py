"""Every sample in events/ (the files `sam local invoke -e` takes) gives its documented answer."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer

from leadwire.aws.dynamo import outbox_item
from leadwire.domain.models import lead_id_for
from leadwire.domain.outbox import OwedAlert
from leadwire.shell import runtime
from leadwire_local.cli import main
from leadwire_local.lambda_events import LambdaContext
from leadwire_local.senders import refresh_signature

EVENTS = Path(__file__).resolve().parents[2] / "events"
WEBHOOK_SAMPLES = sorted(EVENTS.glob("webhook-*.json"))


def test_there_is_a_sample_per_function_and_provider():
    names = {p.name for p in EVENTS.glob("*.json")}
    assert {
        "webhook-json-form.json",
        "webhook-json-chat.json",
        "webhook-html-form.json",
        "sql_alert-stream.json",
        "alert_sweep-schedule.json",
        "snippet-script.json",
        "snippet-beacon.json",
    } <= names


# A reply scores only for a lead we already have: the click sample's lead comes first.
NEEDS = {"webhook-mailgun-reply.json": "webhook-mailgun-click.json"}


@pytest.mark.parametrize("sample", WEBHOOK_SAMPLES, ids=lambda p: p.name)
def test_webhook_samples_are_accepted(sandbox, sample):
    if sample.name in NEEDS:
        first = refresh_signature(json.loads((EVENTS / NEEDS[sample.name]).read_text()))
        assert sandbox.handler("WebhookFunction")(first, LambdaContext())["statusCode"] == 202
    event = refresh_signature(json.loads(sample.read_text()))
    response = sandbox.handler("WebhookFunction")(event, LambdaContext())
    assert response["statusCode"] == 202, response
    assert json.loads(response["body"])["status"] == "accepted"


def test_signed_sample_as_written_is_stale(sandbox):
    event = json.loads((EVENTS / "webhook-json-form.json").read_text())
    response = sandbox.handler("WebhookFunction")(event, LambdaContext())
    assert response["statusCode"] == 409


def test_stream_sample_alerts_sales_once(sandbox):
    event = json.loads((EVENTS / "sql_alert-stream.json").read_text())
    # Given the table holds what the sample's transition wrote: the lead and its pending alert
    # (the alert function sends from the outbox, and only for a lead that is still there)
    image = event["Records"][0]["dynamodb"]["NewImage"]
    client = boto3.client("dynamodb")
    table = runtime.settings().table_name
    client.put_item(TableName=table, Item=image)
    lead = runtime.store().load(image["leadId"]["S"])
    owed = OwedAlert(lead_id=lead.lead_id, stage=lead.stage, urgency=lead.urgency)
    pending = outbox_item(lead, owed, lead.updated_at)
    client.put_item(
        TableName=table, Item={k: TypeSerializer().serialize(v) for k, v in pending.items()}
    )
    handler = sandbox.handler("SqlAlertFunction")
    assert handler(event, LambdaContext()) == {"batchItemFailures": []}
    assert handler(event, LambdaContext()) == {"batchItemFailures": []}
    [alert] = sandbox.received_alerts()
    assert alert.subject.startswith("[URGENT] SQL: Cleo (CEO, BigCo)")


def test_schedule_sample_runs_the_alert_sweeper(sandbox):
    event = json.loads((EVENTS / "alert_sweep-schedule.json").read_text())
    answer = sandbox.handler("AlertSweepFunction")(event, LambdaContext(timeout_ms=120_000))
    assert answer == {
        "found": 0,
        "sent": 0,
        "skipped": 0,
        "inFlight": 0,
        "overBudget": 0,
        "escalated": 0,
        "slackRetries": 0,
        "failed": None,
    }


def test_leadwire_invoke_prints_the_handlers_response(capsys, restored_environ):
    assert main(["invoke", "WebhookFunction", "-e", str(EVENTS / "webhook-json-form.json")]) == 0
    printed = capsys.readouterr().out
    assert '"statusCode": 202' in printed


def test_form_token_sample_issues_a_signed_token(sandbox):
    event = json.loads((EVENTS / "form-token.json").read_text())
    response = sandbox.handler("WebhookFunction")(event, LambdaContext())
    assert response["statusCode"] == 200, response
    answer = json.loads(response["body"])
    assert answer["field"] == "leadwire_token" and answer["token"].startswith("v1.")


def test_snippet_sample_serves_the_script_gzipped(sandbox):
    event = json.loads((EVENTS / "snippet-script.json").read_text())
    response = sandbox.handler("WebhookFunction")(event, LambdaContext())
    assert response["statusCode"] == 200, response
    assert response["headers"]["Content-Encoding"] == "gzip" and response["isBase64Encoded"]
    script = gzip.decompress(base64.b64decode(response["body"])).decode()
    assert "navigator" in script and "sendBeacon" in script


def test_beacon_sample_scores_the_anonymous_visitors_pricing_view(sandbox):
    event = json.loads((EVENTS / "snippet-beacon.json").read_text())
    response = sandbox.handler("WebhookFunction")(event, LambdaContext())
    assert response["statusCode"] == 202, response
    assert json.loads(response["body"])["status"] == "accepted"
    visitor = json.loads(event["body"])["visitorId"]
    lead = sandbox.request("GET", f"/leads/{lead_id_for(None, visitor)}").json()
    assert [entry["action"] for entry in lead["ledger"]] == ["pricing_page_view"]
