"""Long commands show their progress on a terminal (count, rate, what remains) and print
nothing of it when their output is not a terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

import leadwire
import leadwire_local
from leadwire.domain.rules import DEFAULT_RULES_FILE
from leadwire_local import senders
from leadwire_local.snapshot import save_snapshot

ROOTS = [str(Path(leadwire.__file__).parents[1]), str(Path(leadwire_local.__file__).parents[1])]
TIMEOUT = 600.0  # generous: a loaded machine starts interpreters slowly
PEOPLE = 5


@pytest.fixture
def data_dir(sandbox, tmp_path) -> Path:
    """A stopped stack's data dir: a snapshot holding PEOPLE leads' ledgers."""
    for n in range(PEOPLE):
        headers, body = senders.json_webhook(
            senders.json_form("webinar", {"email": f"p{n}@corp{n}.example"})
        )
        assert sandbox.request("POST", "/webhooks/forms/json", headers, body).status == 202
    save_snapshot(sandbox, tmp_path / "snapshot.json")
    return tmp_path


def whatif(data_dir: Path) -> list[str]:
    code = f"import sys; sys.path[:0] = {ROOTS!r}; from leadwire_local.cli import main; "
    code += "sys.exit(main(sys.argv[1:]))"
    rules = ["--rules", str(DEFAULT_RULES_FILE), "--data-dir", str(data_dir)]
    return [sys.executable, "-c", code, "whatif", *rules]


def test_whatif_on_a_terminal_counts_the_events_with_rate_and_what_remains(data_dir):
    # Given stderr is a terminal (a pty)
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        whatif(data_dir), stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL
    )
    os.close(follower)
    shown = b""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    stdout = process.communicate(timeout=TIMEOUT)[0].decode()
    # Then the terminal saw a bar: what it reads, the count out of the total, a rate and the
    # time remaining; and the report itself is on stdout as usual
    text = shown.decode(errors="replace")
    assert process.returncode == 0, text
    assert "reading " in text and f"/{PEOPLE}" in text, text
    assert "event/s" in text and "<" in text, text
    assert "leads would change stage" in stdout or "change" in stdout, stdout


def test_whatif_into_a_pipe_prints_no_progress(data_dir):
    done = subprocess.run(whatif(data_dir), capture_output=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""  # no bar, no carriage returns
    assert b"\r" not in done.stdout and b"reading " not in done.stdout
