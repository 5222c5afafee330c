"""`leadwire serve` as a user runs it: a separate process, driven over HTTP only."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

import leadwire
import leadwire_local
from leadwire_local import senders

pytestmark = pytest.mark.e2e

START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
ALERT_TIMEOUT = 10.0

# One demo request makes this lead an SQL (tests/functional/test_sql_alert.py's READY).
READY = {
    "email": "cleo@bigco.example",
    "first_name": "Cleo",
    "job_title": "CEO",
    "company_size": "800",
    "budget": "$200k",
    "timeline": "next year",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServeProcess:
    """One `leadwire serve` process on a free port, its output in a log file."""

    def __init__(self, data_dir: Path, log: Path, *extra_args: str) -> None:
        self.data_dir = data_dir
        self.log = log
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start and wait until it answers; return the start-up time in seconds."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEADWIRE_SECRET_")}
        env.pop("AWS_ENDPOINT_URL", None)  # the stack points boto3 at its own moto
        # The server runs the code under test, wherever this checkout is.
        roots = [Path(leadwire.__file__).parents[1], Path(leadwire_local.__file__).parents[1]]
        env["PYTHONPATH"] = os.pathsep.join([*map(str, roots), env.get("PYTHONPATH", "")])
        command = [sys.executable, "-m", "leadwire_local.cli", "serve", "--port", str(self.port)]
        command += ["--data-dir", str(self.data_dir), *self.extra_args]
        started = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        while time.monotonic() - started < START_TIMEOUT:
            if self.process.poll() is not None:
                pytest.fail(f"leadwire serve exited early:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.base + "/", timeout=2) as page:
                    if page.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        pytest.fail(f"leadwire serve did not answer within {START_TIMEOUT} s:\n{self.output()}")

    def stop(self) -> int | None:
        """SIGTERM, as a service manager stops it; the exit code (None: it had to be killed)."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alert_lines(self) -> list[dict[str, Any]]:
        path = self.data_dir / "alerts.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[ServeProcess]:
    local = ServeProcess(tmp_path / "data", tmp_path / "serve.log")
    local.start()
    try:
        yield local
    finally:
        code = local.stop()
        output = local.output()
        assert code == 0, f"leadwire serve did not exit 0 on SIGTERM ({code}):\n{output}"
        assert "Traceback" not in output, output


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def post(url: str, headers: dict[str, str], body: bytes) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:  # 3xx/4xx/5xx answers
        return error.code, error.headers, error.read()


def post_json_form(stack: ServeProcess, fields: dict[str, str], delivery_id: str) -> dict[str, Any]:
    headers, body = senders.json_webhook(
        senders.json_form("demo-request", fields), delivery_id=delivery_id
    )
    status, _, answer = post(stack.base + "/webhooks/forms/json", headers, body)
    assert status == 202, answer
    return dict(json.loads(answer))


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_the_form_page_posts_to_the_html_webhook(stack):
    with urllib.request.urlopen(stack.base + "/", timeout=10) as page:
        html = page.read().decode()
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
    assert wait_for(lambda: len(stack.alert_lines()) >= 1, ALERT_TIMEOUT), stack.output()
    time.sleep(0.5)  # several stream polls: nothing more arrives
    [alert] = stack.alert_lines()
    assert {"leadId", "stage", "urgency", "subject", "message"} <= alert.keys()
    assert alert["stage"] == "sql" and alert["urgency"] == "high"
    assert "Cleo" in alert["subject"] and READY["email"] in alert["message"]


def test_leads_survive_a_restart_without_alerting_again(stack):
    # Given an SQL lead, alerted once
    post_json_form(stack, READY, delivery_id="msg_e2e_restart")
    assert wait_for(lambda: len(stack.alert_lines()) == 1, ALERT_TIMEOUT), stack.output()
    lead_id = stack.alert_lines()[0]["leadId"]
    # When the stack is stopped and started again on the same data dir
    assert stack.stop() == 0, stack.output()
    assert (stack.data_dir / "snapshot.json").exists()
    stack.start()
    # Then the lead is still known (its delivery is a duplicate) and no new alert is sent
    with urllib.request.urlopen(f"{stack.base}/leads/{lead_id}", timeout=10) as response:
        lead = json.loads(response.read())
    assert lead["stage"] == "sql", lead
    answer = post_json_form(stack, READY, delivery_id="msg_e2e_restart")
    assert answer["status"] == "duplicate"
    time.sleep(0.5)
    assert len(stack.alert_lines()) == 1, stack.output()


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
    assert wait_for(lambda: len(stack.alert_lines()) >= 10, ALERT_TIMEOUT), stack.output()
    time.sleep(0.5)
    alerts = stack.alert_lines()
    assert len(alerts) == 10 and len({a["leadId"] for a in alerts}) == 10


def test_an_unreadable_snapshot_stops_the_start_and_is_kept(tmp_path):
    # Given a data dir whose snapshot was damaged
    data = tmp_path / "data"
    data.mkdir()
    (data / "snapshot.json").write_text("{not json")
    # When the stack starts on it
    local = ServeProcess(data, tmp_path / "serve.log")
    command = [sys.executable, "-m", "leadwire_local.cli", "serve", "--port", str(local.port)]
    result = subprocess.run(
        [*command, "--data-dir", str(data)], capture_output=True, text=True, timeout=START_TIMEOUT
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
    assert wait_for(lambda: (served.data_dir / "snapshot.json").exists(), 5.0), served.output()
    # When it is killed, with no chance to save on the way out
    assert served.process is not None
    served.process.kill()
    served.process.wait(timeout=STOP_TIMEOUT)
    # Then a restart still knows the lead (its delivery is a duplicate)
    served.start()
    try:
        assert post_json_form(served, READY, delivery_id="msg_e2e_killed")["status"] == "duplicate"
    finally:
        assert served.stop() == 0, served.output()
