"""Routing and the response clock on the local stack, over HTTP only: a webhook makes an SQL
with an owner, the sweeper run as if an hour later escalates it, and GET /leads/{id} shows it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leadwire.domain.models import lead_id_for
from tests.e2e.stack import ServeProcess, get_json, post, serving
from tests.support import READY

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[ServeProcess]:
    with serving(tmp_path) as local:
        yield local


def sweep(stack: ServeProcess, ahead_seconds: float) -> dict[str, Any]:
    body = json.dumps({"clockAheadSeconds": ahead_seconds}).encode()
    status, _, answer = post(stack.base + "/_local/sweep", {}, body)
    assert status == 200, answer
    return dict(json.loads(answer))


def test_an_unanswered_sql_escalates_to_the_next_rep_and_the_lead_shows_it(stack):
    # Given a demo request that makes an 800-people company's CEO an SQL
    assert stack.sender.form("demo-request", READY, "msg_e2e_route_1") == "accepted"
    lead_id = lead_id_for(READY["email"])
    # Then it is owned by the enterprise queue's first rep, alerted to her, its clock running
    [alert] = stack.settled_alerts(lead_id)
    assert (alert["owner"], alert["queue"], alert["kind"]) == ("ana", "enterprise", "sql")
    lead = get_json(f"{stack.base}/leads/{lead_id}")
    assert (lead["owner"], lead["queue"]) == ("ana", "enterprise")
    assert lead["sla"]["acknowledgedAt"] is None
    # When nobody acknowledges it within the queue's 60 minutes and the sweeper runs
    assert sweep(stack, 59 * 60)["escalated"] == 0
    assert sweep(stack, 61 * 60)["escalated"] == 1
    # Then the next rep owns it and got an escalation alert; the lead records the escalation
    alerts = stack.settled_alerts(lead_id)
    assert [(a["owner"], a.get("kind")) for a in alerts] == [
        ("ana", "sql"),
        ("ben", "escalation"),
    ]
    assert alerts[1]["subject"].startswith("[ESCALATED]")
    lead = get_json(f"{stack.base}/leads/{lead_id}")
    assert lead["owner"] == "ben"
    [escalation] = lead["sla"]["escalations"]
    assert escalation["to"] == "ben" and "Ana Weber" in escalation["reason"]
    assert lead["sla"]["due"] > escalation["at"]  # ben's own clock
    # And a second sweep at the same moment escalates nothing more
    assert sweep(stack, 61 * 60)["escalated"] == 0
