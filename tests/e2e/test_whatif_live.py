"""`leadwire whatif` against a running local stack: no stop needed to try a rules change."""

from __future__ import annotations

import subprocess
import sys

import pytest

from leadwire.domain.rules import DEFAULT_RULES_FILE
from tests.e2e.stack import COMMAND_TIMEOUT, ServeProcess, checkout_environment
from tests.e2e.test_local_stack import post_json_form

pytestmark = pytest.mark.e2e


def test_whatif_reads_the_running_stack(tmp_path):
    served = ServeProcess(tmp_path / "data", tmp_path / "serve.log")
    served.start()
    try:
        # Given a demo request with no title from a personal address: score 100 but BANT 1/4
        # and fit 0 (under the hand-raise floor), an MQL under the defaults
        post_json_form(served, {"email": "max@gmail.com"}, delivery_id="msg_whatif")
        candidate = tmp_path / "candidate.yaml"
        rules = DEFAULT_RULES_FILE.read_text()
        candidate.write_text(rules.replace("bant_min_known: 2 ", "bant_min_known: 1 "))
        # When the candidate rules are tried while the stack runs
        shown = subprocess.run(
            [
                sys.executable,
                "-m",
                "leadwire_local.cli",
                "whatif",
                "--rules",
                str(candidate),
                "--data-dir",
                str(served.data_dir),
            ],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            env=checkout_environment(),
        )
    finally:
        assert served.stop() == 0, served.output()
    # Then the lead that would have become an SQL is counted
    assert shown.returncode == 0, shown.stderr
    assert "Leads that would change stage: 1" in shown.stdout and "mql -> sql" in shown.stdout
    assert not (served.data_dir / "running.json").exists()
