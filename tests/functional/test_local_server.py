"""The local server's own pieces, in-process on moto: alert lines and the leads snapshot."""

from __future__ import annotations

import json

import boto3

from leadwire.shell import runtime
from leadwire_local import senders
from leadwire_local.snapshot import AlertLog, load_snapshot, save_snapshot, skip_stream_backlog
from tests.support import READY


def make_sql_lead(sandbox) -> None:
    headers, body = senders.json_webhook(senders.json_form("demo-request", READY))
    assert sandbox.request("POST", "/webhooks/forms/json", headers, body).status == 202


def empty_the_table(sandbox) -> None:
    client = boto3.client("dynamodb")
    table = runtime.settings().table_name
    for item in sandbox.items():
        client.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})


def test_every_alert_is_one_json_line_and_one_terminal_line(sandbox, tmp_path):
    make_sql_lead(sandbox)
    sandbox.pump()
    printed: list[str] = []
    log = AlertLog(tmp_path / "alerts.jsonl", printed.append)
    for alert in sandbox.received_alerts():
        log.record(alert)
    [line] = (tmp_path / "alerts.jsonl").read_text().splitlines()
    assert json.loads(line).keys() >= {"leadId", "stage", "urgency", "subject", "message"}
    # one headline, then each channel's rendering under it
    shown, *renderings = printed
    assert shown.startswith("ALERT [normal]") and json.loads(line)["leadId"] in shown
    assert any(r.startswith("  sms   |") for r in renderings)
    assert any(r.startswith("  slack |") for r in renderings)


def test_a_restored_snapshot_holds_the_same_items_and_alerts_no_one_again(sandbox, tmp_path):
    # Given an SQL lead, alerted, and the table saved
    make_sql_lead(sandbox)
    sandbox.pump()
    assert len(sandbox.received_alerts()) == 1
    saved = save_snapshot(sandbox, tmp_path / "snapshot.json")
    before = sorted(sandbox.items(), key=json.dumps)
    # When the table is emptied and restored from the snapshot, skipping its stream records
    empty_the_table(sandbox)
    skip_stream_backlog(sandbox)
    assert load_snapshot(sandbox, tmp_path / "snapshot.json") == saved
    assert skip_stream_backlog(sandbox) == saved
    # Then the items are back as they were, and the alert function is not invoked
    assert sorted(sandbox.items(), key=json.dumps) == before
    assert sandbox.pump() == 0
    assert sandbox.received_alerts() == []
