"""`leadwire serve`: the whole stack on a laptop, no Docker and no AWS account.

An embedded moto server holds the template's resources; a stdlib HTTP server routes each request
to the real handlers through the Sandbox (as API Gateway would); a background thread follows the
table's stream into the alert function, runs the alert sweeper on its schedule, and writes
every alert to the terminal and to `<data-dir>/alerts.jsonl`. Every write moto accepts is
journaled, and on disk (fsynced) before the HTTP answer of the request that made it; at start
the last snapshot is restored and the journal replayed on top of it, so a kill -9 loses no
accepted webhook; snapshots compact the journal.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from leadwire.domain.models import Channel
from leadwire.providers import DEV_SECRETS, PROVIDERS
from leadwire.shell import runtime
from leadwire_local import moto_patches
from leadwire_local.journal import Journal
from leadwire_local.moto_server import MOTO_LOCK, SerialMotoServer, start_moto
from leadwire_local.pages import BOARD_POLL_HEADER, PAGES, form_error_page
from leadwire_local.sandbox import SWEEP_FUNCTION, HttpResponse, Sandbox
from leadwire_local.snapshot import (
    AlertLog,
    journal_through,
    load_snapshot,
    replay_journal,
    save_snapshot,
    skip_stream_backlog,
)
from leadwire_local.template import TEMPLATE, Template
from leadwire_local.terminal import Say, say

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
RUNNING_FILE = "running.json"  # the moto endpoint and table of a running stack
JOURNAL_FILE = "journal.jsonl"  # the writes since the last snapshot
ENV_FILE = "env.json"  # `sam local invoke --env-vars`: each function's variables for this run
# `POST /_local/settle`: answers once every record written before it has been through the
# alert function and every alert it sent is in alerts.jsonl (tests and `leadwire demo` wait
# on it instead of sleeping for "a few polls").
SETTLE_PATH = "/_local/settle"
# The stream follower: a burst's requests within this share one poll; with no request for
# IDLE_AFTER_SECONDS it polls only every IDLE_POLL_SECONDS (the sweeper's schedule is minutes).
COALESCE_SECONDS = 0.02
IDLE_AFTER_SECONDS = 5.0
IDLE_POLL_SECONDS = 2.0
HTML_FORM_PATH = "/webhooks/forms/html"  # what the example form at / posts to
# `POST /_local/sweep {"clockAheadSeconds": s}`: run the alert sweeper now, as its schedule
# does (as if `s` seconds later: past the lease without waiting), its alerts in alerts.jsonl.
SWEEP_PATH = "/_local/sweep"
FORM_SETTINGS = (
    "FORM_TOKEN_REQUIRED",
    "FORM_TOKEN_MIN_AGE_SECONDS",
    "FORM_TOKEN_MAX_AGE_SECONDS",
    "FORM_POSTS_PER_MINUTE",
)


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 3000
    data_dir: Path = Path(".leadwire")
    poll_interval: float = 0.1
    snapshot_every: float = 30.0  # seconds; 0: only on a clean stop
    journal: bool = True  # False: no write-ahead journal (a kill -9 loses what the snapshot lacks)
    container_host: str = "host.docker.internal"  # this machine, as a Lambda container sees it
    sweep_every: float | None = None  # seconds; None: the sweeper's schedule in the template
    log_level: str = "WARNING"
    template: Path = TEMPLATE


# -- HTTP ---------------------------------------------------------------------------------------


class LocalHttpServer(ThreadingHTTPServer):
    """Routes every request through the Sandbox; bound before the stack exists so the port is
    known (and reserved) while the Sandbox is built."""

    daemon_threads = False  # finish in-flight requests before the snapshot is taken
    request_queue_size = 128  # socketserver's 5 resets a burst of webhooks
    block_on_close = True
    sandbox: Sandbox | None = None
    say: Say = staticmethod(say)
    after_request: Callable[[], None] = staticmethod(lambda: None)
    settle: Callable[[], dict[str, int]] = staticmethod(lambda: {"records": 0, "alerts": 0})
    sweep: Callable[[float], dict[str, Any]] = staticmethod(lambda ahead: {})
    erased: Callable[[str], None] = staticmethod(lambda lead_id: None)
    # The journal's: a function's writes synced once, when it returns (none: nothing to sync).
    answered_after_sync: Callable[[], AbstractContextManager[None]] = staticmethod(nullcontext)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up is one line, not a traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            self.say(f"{client_address[0]}: connection closed early ({type(error).__name__})")
            return
        super().handle_error(request, client_address)


class RequestHandler(BaseHTTPRequestHandler):
    server: LocalHttpServer
    protocol_version = "HTTP/1.0"  # one request per connection: no idle keep-alive threads
    timeout = 30  # a client that stops sending does not hold a thread forever

    def do_GET(self) -> None:
        page = PAGES.get(self.path.split("?", 1)[0])
        if page is not None:  # the form and the board: served here, not by a function
            self._send(HttpResponse(200, dict(page[1]), page[0]))
            return
        self._route()

    do_HEAD = do_GET

    def do_POST(self) -> None:
        self._route()

    do_PUT = do_PATCH = do_DELETE = do_POST

    def _route(self) -> None:
        started = time.monotonic()
        if self.command == "POST" and self.path == SETTLE_PATH:
            self._send(_json_response(200, self.server.settle()))
            return
        if self.command == "POST" and self.path == SWEEP_PATH:
            self._send(self._sweep())
            return
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            self._send(_error(411, "length_required", "send a Content-Length"))
            return
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._send(_error(400, "bad_request", "Content-Length is not a valid length"))
            return
        if length > MAX_REQUEST_BYTES:
            self._send(_error(413, "payload_too_large", "the body is over 10 MB"))
            return
        body = self.rfile.read(length) if length else b""
        headers: dict[str, str] = {}
        for name, value in self.headers.items():  # API Gateway joins repeated headers
            key = name.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        assert self.server.sandbox is not None
        try:
            # What the function wrote (and read) is on disk before it is answered.
            with self.server.answered_after_sync():
                response = self.server.sandbox.request(
                    self.command, self.path, headers, body, source_ip=self.client_address[0]
                )
        except Exception:
            traceback.print_exc()
            response = _error(500, "internal_error", "the function failed; see the terminal")
        if self.command == "DELETE" and response.status == 200:  # erased before it says so
            self.server.erased(self.path.split("?", 1)[0].rsplit("/", 1)[-1])
        if 400 <= response.status < 500 and self._from_a_browser_form():
            response = _for_the_browser(response)
        self._send(response)
        if self.command not in ("GET", "HEAD"):  # reads (the board's polls) write nothing
            self.server.after_request()
        elapsed = (time.monotonic() - started) * 1000
        if response.status >= 400 or BOARD_POLL_HEADER not in self.headers:  # not every 2 s
            self.server.say(f"{self.command} {self.path} -> {response.status} ({elapsed:.0f} ms)")

    def _from_a_browser_form(self) -> bool:
        """A person's browser posting the html form (it asks for a page, not JSON)."""
        path = self.path.split("?", 1)[0]
        return path == HTML_FORM_PATH and "text/html" in self.headers.get("accept", "")

    def _sweep(self) -> HttpResponse:
        try:
            length = int(self.headers.get("content-length") or 0)
            wanted = json.loads(self.rfile.read(length) or b"{}") if 0 < length < 4096 else {}
            ahead = float(wanted.get("clockAheadSeconds", 0)) if isinstance(wanted, dict) else 0
        except ValueError:
            return _error(400, "bad_request", 'send {"clockAheadSeconds": <number>} or nothing')
        return _json_response(200, self.server.sweep(ahead))

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            if name != "content-length":
                self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: `_route` prints one line per request itself."""


def _for_the_browser(response: HttpResponse) -> HttpResponse:
    """The refusal's message on a readable page, same status (nothing was written either way)."""
    try:
        message = str(json.loads(response.body)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = "the form could not be read."
    body, headers = form_error_page(message)
    return HttpResponse(response.status, headers, body)


def _json_response(status: int, document: Any) -> HttpResponse:
    return HttpResponse(status, {"content-type": "application/json"}, json.dumps(document).encode())


def _error(status: int, code: str, message: str) -> HttpResponse:
    return _json_response(status, {"error": {"code": code, "message": message}})


# -- the stack ----------------------------------------------------------------------------------


class LocalStack:
    """moto, the Sandbox, the HTTP server and the stream follower, started and stopped as one."""

    def __init__(self, options: ServeOptions, say: Say = say) -> None:
        self.options = options
        self.say = say
        self.data_dir = options.data_dir
        self.alerts = AlertLog(self.data_dir / "alerts.jsonl", say)
        self.snapshot = self.data_dir / "snapshot.json"
        self.journal = Journal(self.data_dir / JOURNAL_FILE)
        self._stopping = threading.Event()
        self._wake = threading.Event()  # a request may have written: read the stream now
        self._delivering = threading.Lock()  # one reader of the stream at a time
        self._alerted = 0  # alerts written to alerts.jsonl by this run
        self._changed = False  # requests since the last snapshot
        self._threads: list[threading.Thread] = []
        self.moto: SerialMotoServer | None = None
        self.http: LocalHttpServer | None = None
        self.sandbox: Sandbox | None = None
        self._serving = False  # only a stack that started completely writes a snapshot

    @property
    def base_url(self) -> str:
        assert self.http is not None
        return f"http://{self.options.host}:{self.http.server_address[1]}"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.http = LocalHttpServer((self.options.host, self.options.port), RequestHandler)
        self.http.say = self.say
        unclean = self.running_file.exists()  # a clean stop removes it
        if unclean and _alive(_running_pid(self.running_file)):
            raise OSError(
                f"another leadwire serve (pid {_running_pid(self.running_file)}) uses "
                f"{self.data_dir}; stop it first, or pass another --data-dir"
            )
        self.moto = start_moto(self.journal if self.options.journal else None)
        port = self.http.server_address[1]
        origins = [os.environ.get("REDIRECT_ORIGINS", ""), f"http://127.0.0.1:{port}"]
        origins += [f"http://localhost:{port}", f"http://{self.options.host}:{port}"]
        self.sandbox = Sandbox(
            Template(self.options.template),
            environment={
                "POWERTOOLS_LOG_LEVEL": self.options.log_level,
                # The terminal shows alerts and requests; CloudWatch metric (EMF) lines are for
                # a deployed stack (the functional tests read them from the handlers).
                "POWERTOOLS_METRICS_DISABLED": "true",
                "REDIRECT_ORIGINS": ",".join(dict.fromkeys(o for o in origins if o)),
                # The alerts' signed links open the lead page this server serves.
                "LEAD_LINK_BASE_URL": os.environ.get("LEAD_LINK_BASE_URL")
                or f"http://{_reachable(self.options.host)}:{port}",
                # The html form's other defences as the caller's environment sets them
                # (FORM_TOKEN_REQUIRED=true make run), else as the template's defaults.
                **{name: os.environ[name] for name in FORM_SETTINGS if os.environ.get(name)},
                # The example form posts from this server's own pages (README "Hardening").
                "FORM_ORIGINS": ",".join(
                    dict.fromkeys(
                        o for o in [os.environ.get("FORM_ORIGINS", ""), *origins[1:]] if o
                    )
                ),
            },
        )
        self.journal.queues = frozenset(
            str(self.sandbox.stack.ref(q)).rsplit("/", 1)[-1]
            for q in self.sandbox.template.resources("AWS::SQS::Queue")
        )
        restored = skipped = 0
        if self.snapshot.exists():
            restored = load_snapshot(self.sandbox, self.snapshot)
        skipped = skip_stream_backlog(self.sandbox)
        # Replayed writes stay on the stream: an SQL scored after the last snapshot may not
        # have been alerted yet, and one that was finds its alert marker replayed too.
        recovery = replay_journal(self.sandbox, self.journal, journal_through(self.snapshot))
        # Leads from a snapshot or journal of a version before the sharded ByStage index.
        if sharded := runtime.store().shard_stage_keys():
            self.say(f"{sharded} lead(s) from before the sharded stage index added to it")
        if self.options.journal:
            self.journal.start(recovery.last_seq)
        else:
            self.journal.seq = recovery.last_seq
        if recovery.writes:
            refused = f", {recovery.refused} refused" if recovery.refused else ""
            self.say(
                f"unclean stop detected: recovered {recovery.writes} write(s) from the journal"
                f" {self.journal.path}{refused}"
            )
            save_snapshot(self.sandbox, self.snapshot, self.journal)
        elif unclean:
            self.say("unclean stop detected: the journal had nothing to recover")
        # Build the lazily-made adapters here, before threads race to make them.
        runtime.intake()
        runtime.publisher()
        self.sandbox.received_alerts()
        if restored:
            self.say(f"restored {restored} item(s) from {self.snapshot} ({skipped} not re-alerted)")
        self._write_env_file(self.sandbox)
        http = self.http
        http.sandbox = self.sandbox
        http.after_request = self._after_request
        http.settle = self.settle
        http.sweep = self.sweep
        http.erased = self.erased
        if self.options.journal:
            http.answered_after_sync = self.journal.answered_after_sync
        self._start_thread("http", lambda: http.serve_forever(poll_interval=0.5))
        self._start_thread("stream", self._follow_stream)
        self._serving = True
        # Where tools (`leadwire whatif`) find this running stack's data; removed on stop.
        self.running_file.write_text(
            json.dumps(
                {
                    "endpoint": os.environ["AWS_ENDPOINT_URL"],
                    "table": runtime.settings().table_name,
                    "pid": os.getpid(),
                }
            ),
            encoding="utf-8",
        )

    def _write_env_file(self, sandbox: Sandbox) -> None:
        """`<data-dir>/env.json` for `sam local invoke --env-vars`: every function's variables
        resolved against this run's moto (table, topic, queues), secrets from the environment
        (the development defaults), and moto's address as a container reaches it. The template
        declares AWS_ENDPOINT_URL (unset when deployed), so SAM lets this file set it."""
        moto_port = urlsplit(os.environ["AWS_ENDPOINT_URL"]).port
        local = {
            "SECRETS_SOURCE": "env",
            "AWS_ENDPOINT_URL": f"http://{self.options.container_host}:{moto_port}",
            "REDIRECT_ORIGINS": os.environ.get("REDIRECT_ORIGINS", ""),
        }
        variables = {
            function: {**sandbox.stack.environment(function), **local}
            for function in sandbox.template.resources("AWS::Serverless::Function")
        }
        path = self.data_dir / ENV_FILE
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(variables, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)

    def _start_thread(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=f"leadwire-{name}")
        thread.start()
        self._threads.append(thread)

    def _after_request(self) -> None:
        self._changed = True
        self._wake.set()

    def _follow_stream(self) -> None:
        """Poll soon after each request that may have written (an alert need not wait for the
        next tick), gathering the requests of a burst into one poll (`COALESCE_SECONDS`);
        every interval while requests come in, and only every `IDLE_POLL_SECONDS` once they
        stop (an idle stack costs next to no CPU). Every `snapshot_every` seconds with
        requests in between, snapshot too, which compacts the journal."""
        last_snapshot = last_activity = last_sweep = time.monotonic()
        assert self.sandbox is not None
        sweep_every = (
            self.options.sweep_every
            or self.sandbox.template.function(SWEEP_FUNCTION).schedule_seconds()
        )
        while not self._stopping.is_set():
            active = time.monotonic() - last_activity < IDLE_AFTER_SECONDS
            woken = self._wake.wait(self.options.poll_interval if active else IDLE_POLL_SECONDS)
            if woken:
                last_activity = time.monotonic()
                self._stopping.wait(min(COALESCE_SECONDS, self.options.poll_interval))
            self._wake.clear()
            if self._stopping.is_set():
                break
            if self.deliver_alerts():
                last_activity = time.monotonic()
            if sweep_every and time.monotonic() - last_sweep >= sweep_every:
                last_sweep = time.monotonic()
                self.sweep()  # the schedule, as EventBridge runs it deployed
            every = self.options.snapshot_every
            if every and self._changed and time.monotonic() - last_snapshot >= every:
                self._changed = False
                last_snapshot = time.monotonic()
                try:
                    assert self.sandbox is not None
                    save_snapshot(self.sandbox, self.snapshot, self.journal)
                except Exception:
                    traceback.print_exc()  # the next interval tries again

    def erased(self, lead_id: str) -> None:
        """Erasure reaches the local copies at once: the lead's lines leave alerts.jsonl and the
        snapshot is written again without it (a kill -9 now cannot bring it back)."""
        removed = self.alerts.forget(lead_id)
        assert self.sandbox is not None
        with self._delivering:
            save_snapshot(self.sandbox, self.snapshot, self.journal)
        self.say(
            f"erased {lead_id}: {removed} alert line(s) removed, snapshot rewritten, journal"
            " compacted"
        )

    def settle(self) -> dict[str, int]:
        """Deliver everything on the stream now (after any poll already running); how many
        records passed the alert filter and how many alerts this run has written in all."""
        records = self.deliver_alerts()
        return {"records": records, "alerts": self._alerted}

    def sweep(self, ahead_seconds: float = 0) -> dict[str, Any]:
        """Run the alert sweeper (after any poll already running), its alerts out to
        alerts.jsonl; what it found and did, and how many alerts this run has written in all."""
        assert self.sandbox is not None
        with self._delivering:
            try:
                result = self.sandbox.sweep(ahead_seconds)
                for alert in self.sandbox.received_alerts():
                    self.alerts.record(alert)
                    self._alerted += 1
            except Exception as e:
                traceback.print_exc()  # the next run tries again
                result = {"failed": type(e).__name__}
        return {**result, "alerts": self._alerted}

    def deliver_alerts(self) -> int:
        """One poll of the stream into the alert function, then its alerts out; return how
        many records passed the filter."""
        assert self.sandbox is not None
        with self._delivering:
            return self._deliver_alerts(self.sandbox)

    def _deliver_alerts(self, sandbox: Sandbox) -> int:
        try:
            delivered = sandbox.pump()
            for alert in sandbox.received_alerts():
                self.alerts.record(alert)
                self._alerted += 1
            consumed = sandbox.trigger.reader.consumed_through
            if consumed is not None:
                with MOTO_LOCK:  # consumed records would only cost memory from now on
                    moto_patches.trim_stream(runtime.settings().table_name, consumed)
            return delivered
        except Exception:
            traceback.print_exc()  # keep following the stream; the next poll retries
            return 0

    def stop(self) -> None:
        """Stop taking requests, deliver what is pending, snapshot the table, stop moto."""
        self._stopping.set()
        self._wake.set()
        if self.http is not None:
            if self._threads:  # serve_forever runs: shutdown() waits for it to return
                self.http.shutdown()
            self.http.server_close()
        for thread in self._threads:
            thread.join()
        if self._serving and self.sandbox is not None:
            self.deliver_alerts()
            count = save_snapshot(self.sandbox, self.snapshot, self.journal)
            self.say(f"saved {count} item(s) to {self.snapshot}")
        self.journal.close()
        if self._serving:  # a stack that never started must not remove a running one's file
            self.running_file.unlink(missing_ok=True)
        if self.moto is not None:
            self.moto.stop()

    @property
    def running_file(self) -> Path:
        return self.data_dir / RUNNING_FILE

    def banner(self, seconds: float) -> str:
        base = self.base_url
        forms = sorted(s for s, p in PROVIDERS.items() if Channel.FORM in p.channels)
        chats = sorted(s for s, p in PROVIDERS.items() if Channel.CHAT in p.channels)
        behaviour = sorted(s for s, p in PROVIDERS.items() if Channel.EVENT in p.channels)
        lines = [
            f"leadwire local stack ready in {seconds:.1f} s",
            f"  lead form page   {base}/",
            f"  sales board      {base}/board (live, from /board/api/leads; no login locally)",
            f"  lead page        {base}/l/<token> (each alert's signed link; no login)",
            f"  html form        POST {base}/webhooks/forms/html (unsigned; 303 to `redirect`)",
            f"  json form        POST {base}/webhooks/forms/json (Standard Webhooks signature)",
            f"  json chat        POST {base}/webhooks/chat/json",
            f"  every form       POST {base}/webhooks/forms/{{{','.join(forms)}}}",
            f"  every chat       POST {base}/webhooks/chat/{{{','.join(chats)}}}",
            f"  behaviour        POST {base}/webhooks/events/{{{','.join(behaviour)}}}",
            f"  snippet          GET {base}/t.js (the page / embeds it), beacons POST {base}/t",
            "  signing secrets  (LEADWIRE_SECRET_<PROVIDER> overrides the development default)",
        ]
        for slug in sorted(PROVIDERS):
            if not getattr(PROVIDERS[slug], "signed", True):
                continue
            variable = f"LEADWIRE_SECRET_{slug.upper()}"
            secret = os.environ.get(variable) or DEV_SECRETS.get(slug, f"(none: set {variable})")
            origin = f"  (from {variable})" if os.environ.get(variable) else ""
            lines.append(f"    {slug:<14} {secret}{origin}")
        journaled = (
            "every accepted write, on disk before the answer; replayed on start"
            if self.options.journal
            else "off: a kill -9 loses what the last snapshot lacks"
        )
        lines += [
            f"  alerts           {self.alerts.path} (one JSON line each, and printed here)",
            "  alert sweeper    every minute, as deployed: escalations and pending alerts"
            " (POST /_local/sweep runs it now)",
            f"  leads snapshot   {self.snapshot} (every 30 s and on stop; loaded on start)",
            f"  write journal    {self.journal.path} ({journaled})",
            f"  AWS (moto)       AWS_ENDPOINT_URL={os.environ['AWS_ENDPOINT_URL']}",
            f"  sam local invoke --env-vars {self.data_dir / ENV_FILE} (moto as a container sees"
            f" it: {self.options.container_host}; see the README, With Docker)",
            "Ctrl-C to stop.",
        ]
        if self.options.host not in ("127.0.0.1", "localhost", "::1"):
            lines.append(
                f"WARNING: listening on {self.options.host}; the leads API is IAM-authorized when"
                " deployed but not here, so anyone who can reach this port can read the leads."
            )
        return "\n".join(lines)


def _reachable(host: str) -> str:
    """The address a link should name: a wildcard bind is reached at 127.0.0.1."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def _running_pid(path: Path) -> int:
    try:
        return int(json.loads(path.read_text(encoding="utf-8"))["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _alive(pid: int) -> bool:
    """Whether another process has this pid (a stale running.json names a dead one)."""
    if pid <= 0 or pid == os.getpid() or os.name != "posix":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def seconds_since_launch(fallback: float) -> float:
    """How long this process has run, so the banner's "ready in" is what the developer waited
    (interpreter start and every import included): Linux's /proc start time; elsewhere, the
    time since `fallback` (a monotonic reading)."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started)
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic() - fallback


# The collector's first threshold (container allocations between young collections; Python's
# is 700). A webhook allocates thousands (botocore's and moto's request and response trees),
# nearly all freed by reference counting at once; at 700 the young collections and the full
# ones they lead to (through every item moto holds) took a quarter of a webhook's CPU.
GC_THRESHOLDS = (10_000, 20, 20)


def settle_memory() -> None:
    """Collect once, freeze what the start left (imports, the template, botocore's models: never
    garbage, never to be traversed again), and collect the young less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def serve(options: ServeOptions, say: Say = say) -> int:
    """Run until Ctrl-C, SIGTERM or SIGHUP (the terminal closed); each stops cleanly, exit 0."""
    started = time.monotonic()
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signals = [signal.SIGINT, signal.SIGTERM]
    if hasattr(signal, "SIGHUP"):  # not on Windows
        signals.append(signal.SIGHUP)
    previous = {s: signal.signal(s, request_stop) for s in signals}
    stack = LocalStack(options, say)
    try:
        stack.start()
        settle_memory()
        say(stack.banner(seconds_since_launch(started)))
        while not stop.wait(0.5):
            pass
        say("stopping...")
    finally:
        stack.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    say("stopped")
    return 0
