"""`leadwire serve` as a user runs it: a separate process, driven over HTTP only."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from leadwire_local import senders
from tests.e2e.stack import (
    START_TIMEOUT,
    ServeProcess,
    checkout_environment,
    get_json,
    post,
    request,
    serving,
    wait_for,
)
from tests.support import READY

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[ServeProcess]:
    with serving(tmp_path) as local:
        yield local


def post_json_form(stack: ServeProcess, fields: dict[str, str], delivery_id: str) -> dict[str, Any]:
    """A signed demo-request delivery, sent as a sender would (see `Sender`)."""
    status = stack.sender.form("demo-request", fields, delivery_id)
    return {"status": status, "eventId": f"json:{delivery_id}"}


def test_the_form_page_posts_to_the_html_webhook(stack):
    status, _, page = request("GET", stack.base + "/")
    assert status == 200
    html = page.decode()
    assert 'action="/webhooks/forms/html"' in html
    assert 'name="form" value="demo-request"' in html


def test_html_form_post_redirects_back_to_the_local_page(stack):
    headers, body = senders.html_form(
        {
            "form": "demo-request",
            "email": "dana@corp.example",
            "redirect": stack.base + "/?thanks=1",
        }
    )
    status, answer_headers, _ = post(stack.base + "/webhooks/forms/html", headers, body)
    assert status == 303
    assert answer_headers["Location"] == stack.base + "/?thanks=1"


def test_signed_webhook_for_a_ready_lead_writes_one_alert_line(stack):
    # Given a lead that one demo request makes sales-qualified
    # When its form tool posts the signed webhook
    answer = post_json_form(stack, READY, delivery_id="msg_e2e_ready")
    # Then it is accepted, and sales gets exactly one alert line
    assert answer["status"] == "accepted"
    [alert] = stack.settled_alerts()
    assert {"leadId", "stage", "urgency", "subject", "message"} <= alert.keys()
    assert alert["stage"] == "sql" and alert["urgency"] == "normal"  # deciding next year
    assert "Cleo" in alert["subject"] and READY["email"] in alert["message"]


def test_leads_survive_a_restart_without_alerting_again(stack):
    # Given an SQL lead, alerted once
    post_json_form(stack, READY, delivery_id="msg_e2e_restart")
    [alert] = stack.settled_alerts()
    lead_id = alert["leadId"]
    # When the stack is stopped and started again on the same data dir
    assert stack.stop() == 0, stack.output()
    assert (stack.data_dir / "snapshot.json").exists()
    stack.start()
    # Then the lead is still known (its delivery is a duplicate) and no new alert is sent
    lead = get_json(f"{stack.base}/leads/{lead_id}")
    assert lead["stage"] == "sql", lead
    answer = post_json_form(stack, READY, delivery_id="msg_e2e_restart")
    assert answer["status"] == "duplicate"
    assert stack.settle()["alerts"] == 0  # this run has sent none
    assert len(stack.alert_lines()) == 1, stack.output()


def test_erasure_reaches_the_alert_log_and_the_snapshot_at_once(stack):
    # Given an SQL lead, alerted, beside another one
    post_json_form(stack, READY, delivery_id="msg_e2e_erase")
    post_json_form(stack, {**READY, "email": "kept@bigco.example"}, delivery_id="msg_e2e_kept")
    alerts = stack.settled_alerts()
    [erased] = [a["leadId"] for a in alerts if "cleo@bigco.example" in a["message"]]
    # When the person asks to be erased
    status, _, body = request("DELETE", f"{stack.base}/leads/{erased}")
    assert status == 200, body
    # Then nothing of them is left in alerts.jsonl or the snapshot; the other lead stays
    assert [a["leadId"] for a in stack.alert_lines()] != [] and all(
        a["leadId"] != erased for a in stack.alert_lines()
    )
    snapshot = (stack.data_dir / "snapshot.json").read_text()
    assert erased not in snapshot and "cleo@bigco.example" not in snapshot
    assert "kept@bigco.example" in snapshot
    journal = (stack.data_dir / "journal.jsonl").read_text()
    assert erased not in journal and "cleo@bigco.example" not in journal


def test_concurrent_webhooks_are_each_scored_and_alerted_once(stack):
    # Given ten ready leads, each delivered twice (a redelivery racing the original)
    deliveries = [
        ({**READY, "email": f"ceo{n}@bigco{n}.example"}, f"msg_e2e_concurrent_{n}")
        for n in range(10)
    ] * 2
    # When all twenty arrive at once
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda d: post_json_form(stack, *d), deliveries))
    # Then each delivery is scored once and each lead alerted once
    assert sorted(a["status"] for a in answers) == ["accepted"] * 10 + ["duplicate"] * 10
    alerts = stack.settled_alerts()
    assert len(alerts) == 10 and len({a["leadId"] for a in alerts}) == 10


def test_an_unreadable_snapshot_stops_the_start_and_is_kept(tmp_path):
    # Given a data dir whose snapshot was damaged
    data = tmp_path / "data"
    data.mkdir()
    (data / "snapshot.json").write_text("{not json")
    # When the stack starts on it
    local = ServeProcess(data, tmp_path / "serve.log")
    result = subprocess.run(
        local.command,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        env=checkout_environment(),
    )
    # Then it refuses with a clear message, no traceback, and leaves the snapshot alone
    assert result.returncode == 1
    assert "move it aside" in result.stderr and "Traceback" not in result.stderr
    assert (data / "snapshot.json").read_text() == "{not json"


def test_a_killed_stack_keeps_what_was_snapshotted_while_it_ran(tmp_path):
    # Given a stack that snapshots every half second while requests come in
    served = ServeProcess(tmp_path / "data", tmp_path / "serve.log", "--snapshot-every", "0.5")
    served.start()
    post_json_form(served, READY, delivery_id="msg_e2e_killed")
    assert wait_for(lambda: (served.data_dir / "snapshot.json").exists()), served.output()
    # When it is killed, with no chance to save on the way out
    served.kill()
    # Then a restart still knows the lead (its delivery is a duplicate)
    served.start()
    try:
        assert post_json_form(served, READY, delivery_id="msg_e2e_killed")["status"] == "duplicate"
    finally:
        assert served.stop() == 0, served.output()
