"""The local stack (`leadwire serve`) as a user runs it, over loopback HTTP: webhook -> alert
line latency against the stream poll interval (figure 5), and webhooks/s sustained against a
server returning a constant (figure 6)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import leadwire
import leadwire_local
from bench.figures import Figure, figure, p50, p95
from leadwire_local import senders

POLL_INTERVAL = 0.1  # the server's --poll-interval (its default)
START_TIMEOUT = 90.0
ALERT_TIMEOUT = 10.0
# One demo request makes this lead an SQL (as in tests/e2e): a new address each time.
READY = {
    "first_name": "Cleo",
    "job_title": "CEO",
    "company_size": "800",
    "budget": "$200k",
    "timeline": "next year",
}
WEBHOOK_PATH = "/webhooks/forms/json"
RATE_GOAL = 150  # webhooks/s through `make run` on a quiet 2-core machine (a webinar's burst)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADWIRE_SECRET_")}
    env.pop("AWS_ENDPOINT_URL", None)  # the stack points boto3 at its own moto
    roots = [Path(leadwire.__file__).parents[1], Path(leadwire_local.__file__).parents[1]]
    env["PYTHONPATH"] = os.pathsep.join([*map(str, roots), str(Path(__file__).parents[1])])
    return env


@contextmanager
def running(command: list[str], port: int, log: Path, ready: str = "/") -> Iterator[str]:
    """A server subprocess on a loopback port, until it answers; SIGTERM (then kill) after."""
    base = f"http://127.0.0.1:{port}"
    with log.open("ab") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_environment(),
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited early:\n{log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(base + ready, timeout=2):
                    break
            except urllib.error.HTTPError:
                break  # it answers
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{command} did not answer in {START_TIMEOUT} s") from None
                time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def post(port: int, headers: dict[str, str], body: bytes) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", WEBHOOK_PATH, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def alert_latencies(port: int, alerts: Path, count: int, warmup: int) -> list[float]:
    """Post SQL-making webhooks one at a time; seconds from the post to its alert line."""
    latencies = []
    for n in range(warmup + count):
        email = f"ready{n}@bigco{n}.example"
        headers, body = senders.json_webhook(
            senders.json_form("demo-request", {**READY, "email": email})
        )
        started = time.perf_counter()
        if post(port, headers, body) != 202:
            raise RuntimeError("the SQL-making webhook was not accepted")
        deadline = started + ALERT_TIMEOUT
        while not _lines(alerts) > n:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"no alert line for webhook {n} within {ALERT_TIMEOUT} s")
            time.sleep(0.001)
        if n >= warmup:
            latencies.append(time.perf_counter() - started)
    return latencies


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def prepared_webhooks(count: int, prefix: str) -> list[tuple[dict[str, str], bytes]]:
    return [
        senders.json_webhook(
            senders.json_form(
                "content-download",
                {"email": f"{prefix}{n % 200}@corp{n % 200}.example", "job_title": "Engineer"},
            )
        )
        for n in range(count)
    ]


def sustained(
    port: int, requests: list[tuple[dict[str, str], bytes]], seconds: float, threads: int
) -> float:
    """Accepted webhooks per second from `threads` clients, until the requests run out or
    `seconds` pass."""
    deadline = time.perf_counter() + seconds

    def send(request: tuple[dict[str, str], bytes]) -> int:
        if time.perf_counter() > deadline:
            return 0
        return 1 if post(port, *request) == 202 else 0

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        accepted = sum(pool.map(send, requests))
    return accepted / (time.perf_counter() - started)


@dataclass(frozen=True)
class StackRun:
    latencies: list[float]
    stack_rate: float
    constant_rate: float


def measure_stack(
    alerts: int = 40, requests: int = 2000, seconds: float = 10.0, threads: int = 8
) -> StackRun:
    with tempfile.TemporaryDirectory(prefix="leadwire-bench-") as folder:
        work = Path(folder)
        port = free_port()
        command = [sys.executable, "-m", "leadwire_local.cli", "serve", "--port", str(port)]
        command += ["--data-dir", str(work / "data"), "--poll-interval", str(POLL_INTERVAL)]
        with running(command, port, work / "serve.log"):
            latencies = alert_latencies(port, work / "data" / "alerts.jsonl", alerts, warmup=5)
            stack_rate = sustained(port, prepared_webhooks(requests, "load"), seconds, threads)
        port = free_port()
        constant = [sys.executable, "-m", "bench.constant_server", str(port)]
        with running(constant, port, work / "constant.log", ready="/"):
            constant_rate = sustained(port, prepared_webhooks(requests, "c"), seconds, threads)
    return StackRun(latencies, stack_rate, constant_rate)


def stack_figures(run: StackRun) -> list[Figure]:
    floor = POLL_INTERVAL * 1000
    latency95 = p95(run.latencies) * 1000
    return [
        figure("webhook -> alert line p50 (local stack)", p50(run.latencies) * 1000, "ms", floor),
        figure(
            "webhook -> alert line p95 (local stack)",
            latency95,
            "ms",
            floor,
            goal="<= floor + 150 ms",
            met=latency95 <= floor + 150,
            note="floor: the stream poll interval",
        ),
        figure(
            "webhooks/s sustained (local stack)",
            run.stack_rate,
            "req/s",
            run.constant_rate,
            goal=f">= {RATE_GOAL} req/s",
            met=run.stack_rate >= RATE_GOAL,
            missed_by=max(0.0, RATE_GOAL - run.stack_rate) / RATE_GOAL,
            note="floor: a constant 202 from the same ThreadingHTTPServer stack",
        ),
    ]
