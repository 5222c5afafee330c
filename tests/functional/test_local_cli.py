"""`leadwire` commands as a developer runs them beside `make run`: where they look for the stack,
what their exit status says, and what a failed start leaves alone."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from leadwire_local import cli
from leadwire_local.server import RUNNING_FILE, ServeOptions, serve
from leadwire_local.template import TEMPLATE
from tests.support import serving_in_thread

SERVE_TIMEOUT = 600  # a refused start is quick; this only ends a stack that did start
REDRIVE_REPORT = {"replayed": 0, "records": 0, "failed": 0, "errors": []}


class Recorder(ThreadingHTTPServer):
    """A stand-in for the running stack: answers every POST and remembers its path."""

    paths: list[str]


class _Answer(BaseHTTPRequestHandler):
    server: Recorder

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.paths.append(self.path)
        redrive = self.path == "/_local/redrive"
        body = json.dumps(REDRIVE_REPORT if redrive else {"status": "accepted"}).encode()
        self.send_response(200 if redrive else 202)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def stack_stand_in() -> Iterator[Recorder]:
    server = Recorder(("127.0.0.1", 0), _Answer)
    server.paths = []
    with serving_in_thread(server):
        yield server


@pytest.mark.parametrize("variable", ["PORT", "LEADWIRE_URL"])
def test_send_and_redrive_find_the_stack_where_port_or_leadwire_url_says(
    stack_stand_in, monkeypatch, variable
):
    # Given `make run` on another port than 3000, told by PORT (or LEADWIRE_URL)
    port = stack_stand_in.server_address[1]
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("LEADWIRE_URL", raising=False)
    monkeypatch.setenv(variable, str(port) if variable == "PORT" else f"http://127.0.0.1:{port}")
    # When a developer sends a webhook and redrives, without --url
    sent = cli.main(["send", "json", "--field", "email=ann@bigco.example"])
    redriven = cli.main(["redrive"])
    # Then both reached that stack
    assert (sent, redriven) == (0, 0)
    assert stack_stand_in.paths == ["/webhooks/forms/json", "/_local/redrive"]


def test_invoke_with_a_stale_kept_signature_exits_non_zero(capsys):
    # Given a signed sample whose timestamp is long past
    event = TEMPLATE.parent / "events" / "webhook-json-form.json"
    # When it is invoked with its signature kept
    code = cli.main(["invoke", "WebhookFunction", "-e", str(event), "--keep-signature"])
    # Then the 409 is printed and the exit status says it failed
    assert '"statusCode": 409' in capsys.readouterr().out
    assert code == 1


def test_a_second_serve_on_a_busy_port_leaves_the_running_stacks_file(tmp_path):
    # Given a running stack's running.json, and its port taken
    data = tmp_path / "data"
    data.mkdir()
    running = data / RUNNING_FILE
    keeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        running.write_text(json.dumps({"endpoint": "http://127.0.0.1:1", "pid": keeper.pid}))
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            # When a second stack is started on that port and data dir
            with pytest.raises(OSError):
                serve(ServeOptions(port=port, data_dir=data), say=lambda line: None)
        # Then the first stack's file is still there, as it was
        assert json.loads(running.read_text())["pid"] == keeper.pid
    finally:
        keeper.kill()
        keeper.wait()


def test_a_second_serve_on_the_same_data_dir_is_refused(tmp_path):
    # Given a live stack's running.json in the data dir
    data = tmp_path / "data"
    data.mkdir()
    keeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        (data / RUNNING_FILE).write_text(json.dumps({"pid": keeper.pid}))
        # When another stack starts on a free port with the same data dir
        second = subprocess.run(
            [sys.executable, "-m", "leadwire_local.cli", "serve", "--port", "0"]
            + ["--data-dir", str(data)],
            capture_output=True,
            text=True,
            timeout=SERVE_TIMEOUT,
        )
        # Then it refused, saying why, before touching the data dir
        assert second.returncode == 1, second.stdout + second.stderr
        assert f"another leadwire serve (pid {keeper.pid})" in second.stderr
        assert sorted(p.name for p in data.iterdir()) == [RUNNING_FILE]
    finally:
        keeper.kill()
        keeper.wait()


def test_help_cites_no_file_outside_the_repository(capsys):
    commands = ["demo", "invoke", "serve", "send", "whatif", "review", "redrive"]
    texts = []
    for command in [[], *([c] for c in commands)]:
        with pytest.raises(SystemExit):
            cli.main([*command, "--help"])
        texts.append(capsys.readouterr().out)
    readme = (Path(TEMPLATE).parent / "README.md").read_text()
    for text in [*texts, readme]:
        assert "PRODUCT.md" not in text and "seed 0" not in text


def test_make_help_lists_the_browser_tests():
    root = Path(TEMPLATE).parent
    shown = subprocess.run(
        ["make", "-s", "-C", str(root), "help"], capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"^\s+test-browser\s+.*Chromium", shown.stdout, flags=re.MULTILINE)
