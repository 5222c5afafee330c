"""`leadwire serve` as a user runs it (a separate process, driven over HTTP only) and clients
that behave like real senders, so that a slow or busy machine makes the tests slower, not red.

Nothing here waits on the clock for something to happen: an attempt that times out is sent
again (as senders and browsers do), a stopped or starting process is waited for as long as it
is alive and making its way, and "the stream has been delivered" is asked of the stack
(`POST /_local/settle`), not assumed after a sleep. The deadlines below only stop a hung run.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

import leadwire
import leadwire_local
from leadwire_local import senders

START_TIMEOUT = 600.0  # a first start on one loaded core: imports, moto, the template's tables
STOP_TIMEOUT = 600.0  # a clean stop delivers what is pending and writes the snapshot
ATTEMPT_TIMEOUT = 60.0  # one HTTP attempt; one that times out is retried, never decisive
COMMAND_TIMEOUT = 600.0  # one `leadwire` command in its own process (imports included)
ATTEMPTS = 30  # per request: timeouts, dropped connections and 503s together
SETTLE_PATH = "/_local/settle"

Answer = tuple[int, Message, bytes]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def checkout_environment() -> dict[str, str]:
    """The environment for a command that must run this checkout's code, wherever it is."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADWIRE_SECRET_")}
    env.pop("AWS_ENDPOINT_URL", None)  # the stack points boto3 at its own moto
    roots = [Path(leadwire.__file__).parents[1], Path(leadwire_local.__file__).parents[1]]
    env["PYTHONPATH"] = os.pathsep.join([*map(str, roots), env.get("PYTHONPATH", "")])
    return env


class ServeProcess:
    """One `leadwire serve` process on a free port, its output in a log file."""

    def __init__(
        self, data_dir: Path, log: Path, *extra_args: str, env: dict[str, str] | None = None
    ) -> None:
        self.data_dir = data_dir
        self.env = env or {}  # on top of this checkout's environment
        self.log = log
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.sender = Sender(self.base)  # remembers its deliveries across restarts

    @property
    def command(self) -> list[str]:
        command = [sys.executable, "-m", "leadwire_local.cli", "serve", "--port", str(self.port)]
        return [*command, "--data-dir", str(self.data_dir), *self.extra_args]

    def start(self) -> float:
        """Start and wait until it answers; return the start-up time in seconds."""
        started = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**checkout_environment(), **self.env},
            )
        while time.monotonic() - started < START_TIMEOUT:
            if self.process.poll() is not None:
                pytest.fail(f"leadwire serve exited early:\n{self.output()}")
            if _attempt("GET", self.base + "/", {}, None, timeout=ATTEMPT_TIMEOUT) is not None:
                return time.monotonic() - started
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

    def kill(self) -> None:
        """SIGKILL: no chance to save anything on the way out."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def settle(self) -> dict[str, int]:
        """Return once every record written so far has been through the alert function and
        its alerts are in alerts.jsonl (how many this run has written, in all)."""
        status, _, body = post(self.base + SETTLE_PATH, {}, b"")
        assert status == 200, body
        return dict(json.loads(body))

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alert_lines(self) -> list[dict[str, Any]]:
        path = self.data_dir / "alerts.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def settled_alerts(self, lead_id: str | None = None) -> list[dict[str, Any]]:
        """The alert lines once the stream is delivered (for one lead, or all)."""
        self.settle()
        return [a for a in self.alert_lines() if lead_id is None or a["leadId"] == lead_id]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _attempt(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None,
    timeout: float = ATTEMPT_TIMEOUT,
) -> Answer | None:
    """One HTTP exchange; None when it timed out or the connection failed (outcome unknown)."""
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:  # 3xx/4xx/5xx answers
        return error.code, error.headers, error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException):
        # HTTPException: e.g. IncompleteRead, the server killed mid-answer (outcome unknown)
        return None


def pause(attempt: int) -> None:
    """A sender's jittered back-off before its next attempt."""
    time.sleep(random.uniform(0.05, 0.1 * 2 ** min(attempt, 4)))


def request(
    method: str, url: str, headers: dict[str, str] | None = None, body: bytes | None = None
) -> Answer:
    """One request as a client with retries makes it: an attempt that timed out or lost its
    connection is sent again; the first answer (whatever its status) is returned."""
    for attempt in range(ATTEMPTS):
        answer = _attempt(method, url, headers or {}, body)
        if answer is not None:
            return answer
        pause(attempt)
    pytest.fail(f"{method} {url}: no answer in {ATTEMPTS} attempts of {ATTEMPT_TIMEOUT} s")


def post(url: str, headers: dict[str, str], body: bytes) -> Answer:
    return request("POST", url, headers, body)


def get_json(url: str) -> Any:
    status, _, body = request("GET", url)
    assert status == 200, (url, status, body)
    return json.loads(body)


@dataclass
class Sender:
    """A webhook sender as real ones behave: a `503`, a time-out or a dropped connection is
    retried, re-signed each time. When the first delivery of an id answers `duplicate` on a
    retry after an attempt of its own went unanswered, that attempt was written: the delivery
    was accepted, once, and is reported so (and counted in `accepted_unseen`)."""

    base: str
    retried: Counter[str] = field(default_factory=Counter)  # 503s seen, per delivery id
    timed_out: Counter[str] = field(default_factory=Counter)  # unanswered attempts, per id
    accepted_unseen: Counter[str] = field(default_factory=Counter)  # duplicate after a time-out
    _sent: set[str] = field(default_factory=set)  # ids this sender has delivered before
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, path: str, payload: dict[str, Any], delivery_id: str) -> str:
        with self._lock:
            first = delivery_id not in self._sent
            self._sent.add(delivery_id)
        unanswered = False
        for attempt in range(ATTEMPTS):
            headers, body = senders.json_webhook(payload, delivery_id=delivery_id)
            answer = _attempt("POST", self.base + path, headers, body)
            if answer is None:
                unanswered = True
                self.timed_out[delivery_id] += 1
                pause(attempt)
                continue
            status, _, text = answer
            if status == 202:
                outcome = str(json.loads(text)["status"])
                if outcome == "duplicate" and unanswered and first:
                    self.accepted_unseen[delivery_id] += 1
                    return "accepted"
                return outcome
            assert status == 503, (status, text)
            self.retried[delivery_id] += 1
            pause(attempt)
        pytest.fail(f"{delivery_id}: not accepted in {ATTEMPTS} attempts")

    def form(self, form: str, fields: dict[str, Any], delivery_id: str) -> str:
        return self.send("/webhooks/forms/json", senders.json_form(form, fields), delivery_id)

    def chat(self, visitor: str, text: str, delivery_id: str, email: str | None = None) -> str:
        payload = senders.json_chat(f"conv_{visitor}", delivery_id, text, visitor_id=visitor)
        payload["visitor"]["email"] = email
        return self.send("/webhooks/chat/json", payload, delivery_id)

    @property
    def retries(self) -> int:
        return sum(self.retried.values()) + sum(self.timed_out.values())


def wait_for(condition: Callable[[], bool], timeout: float = 300.0) -> bool:
    """Poll for something the stack does by itself (a snapshot appearing); returns as soon as
    it holds, so the generous bound only ends a run where it never will."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@contextmanager
def serving(
    root: Path, *extra_args: str, env: dict[str, str] | None = None
) -> Iterator[ServeProcess]:
    """`leadwire serve` with its data and log under `root`, for a with-block (a test's
    fixture): stopped after it, where anything but a clean exit 0 on SIGTERM, or a traceback
    in its output, fails the test."""
    served = ServeProcess(root / "data", root / "serve.log", *extra_args, env=env)
    served.start()
    try:
        yield served
    finally:
        code = served.stop()
        output = served.output()
        assert code == 0, f"leadwire serve did not exit 0 on SIGTERM ({code}):\n{output}"
        assert "Traceback" not in output, output
