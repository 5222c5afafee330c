"""Owners, the round-robin turn and escalation on moto, through the handlers: the turn is taken
in the SQL's own transaction (concurrent SQLs split evenly), the alert is addressed to the owner,
and the sweeper escalates an unanswered SQL once, however many sweeps run at the same time."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import boto3
import pytest

from leadwire.app.acknowledge import acknowledge
from leadwire.app.alerting import sweep_outbox
from leadwire.domain.models import Channel, lead_id_for
from leadwire.providers import WebhookRequest
from leadwire.shell import runtime
from leadwire_local import senders
from leadwire_local.moto_server import start_moto
from leadwire_local.sandbox import Sandbox
from tests.support import READY, post_form

N_SQLS = 12  # concurrent SQLs in the enterprise queue, whose two reps take turns


@pytest.fixture
def moto_server(restored_environ):
    """The stack against a moto server that answers one call at a time (as atomically as
    DynamoDB does; its in-process mock is not safe for concurrent transactions). Threads
    interleave between calls, so a read and the write after it really race."""
    moto = start_moto()
    runtime.reset()
    try:
        yield Sandbox()
    finally:
        host, port = moto.get_host_and_port()
        urllib.request.urlopen(  # noqa: S310 - the local moto server's reset, over loopback
            urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST"),
            timeout=30,
        ).close()
        moto.stop()


def cto(n: int) -> dict[str, str]:
    return {**READY, "email": f"cto{n}@bigco.example", "first_name": f"Cto{n}"}


def lead(sandbox, email: str) -> dict:
    answer = sandbox.request("GET", f"/leads/{quote(lead_id_for(email))}")
    assert answer.status == 200, answer.body
    return json.loads(answer.body)


def counter(queue: str) -> dict:
    item = boto3.client("dynamodb").get_item(
        TableName=runtime.settings().table_name,
        Key={"pk": {"S": f"ROUTING#{queue}"}, "sk": {"S": "TURN"}},
        ConsistentRead=True,
    )
    return item.get("Item", {})


def test_an_sql_gets_its_owner_turn_and_addressed_alert_in_one_write(sandbox):
    # When one demo request makes an 800-people company's CEO an SQL
    assert post_form(sandbox, "demo-request", READY).status == 202
    # Then the lead is the enterprise queue's first rep's, with a running clock
    shown = lead(sandbox, READY["email"])
    assert (shown["stage"], shown["owner"], shown["queue"]) == ("sql", "ana", "enterprise")
    assert shown["sla"]["acknowledgedAt"] is None and shown["sla"]["escalations"] == []
    # And the queue's counter moved by one in the same write
    assert counter("enterprise")["turns"] == {"N": "1"}
    # And the alert a subscriber receives names its owner and queue (rep subscriptions filter)
    sandbox.pump()
    (alert,) = sandbox.received_alerts()
    assert (alert.owner, alert.queue, alert.kind) == ("ana", "enterprise", "sql")
    assert "Owner: Ana Weber" in alert.message


def demo_request(n: int) -> WebhookRequest:
    headers, body = senders.json_webhook(senders.json_form("demo-request", cto(n)))
    return WebhookRequest(headers=headers, body=body)


def test_concurrent_sqls_in_one_queue_split_evenly_between_its_reps(moto_server):
    # When N demo requests (each an SQL in the enterprise queue) are written by 6 writers at once
    intake = runtime.intake()
    with ThreadPoolExecutor(max_workers=6) as pool:
        receipts = list(
            pool.map(lambda n: intake.receive(Channel.FORM, "json", demo_request(n)), range(N_SQLS))
        )
    assert [r.status for r in receipts] == ["accepted"] * N_SQLS
    # Then each of the queue's 2 reps owns N/2: no turn shared, none skipped
    owners = [lead(moto_server, cto(n)["email"])["owner"] for n in range(N_SQLS)]
    assert sorted(owners) == ["ana"] * (N_SQLS // 2) + ["ben"] * (N_SQLS // 2)
    assert counter("enterprise")["turns"] == {"N": str(N_SQLS)}


def test_an_unanswered_sql_escalates_once_to_the_next_rep_by_concurrent_sweeps(moto_server):
    sandbox = moto_server
    post_form(sandbox, "demo-request", READY)
    sandbox.pump()
    sandbox.received_alerts()  # the SQL alert, to ana
    # When the 60-minute clock has run out and four sweeps run at the same time
    later = datetime.now(UTC) + timedelta(minutes=61)
    alerting = runtime.alerting()
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda _: sweep_outbox(alerting, later), range(4)))
    # Then exactly one escalated, and ben got exactly one escalation alert
    assert [r.failed for r in runs] == [None] * 4
    assert sum(r.escalated for r in runs) == 1
    alerts = sandbox.received_alerts()
    assert [(a.owner, a.kind) for a in alerts] == [("ben", "escalation")]
    assert "Escalated: not acknowledged within 60 min by Ana Weber" in alerts[0].message
    shown = lead(sandbox, READY["email"])
    assert shown["owner"] == "ben"
    assert [e["to"] for e in shown["sla"]["escalations"]] == ["ben"]
    assert any(e["action"] == "escalated.ben" for e in shown["ledger"])


def test_an_acknowledged_sql_does_not_escalate(sandbox):
    post_form(sandbox, "demo-request", READY)
    acknowledge(
        runtime.store(), lead_id_for(READY["email"]), "link", datetime.now(UTC), "test-rules"
    )
    assert sandbox.sweep(ahead_seconds=86_400)["escalated"] == 0
    assert lead(sandbox, READY["email"])["sla"]["escalations"] == []
