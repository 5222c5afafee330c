"""`python -m bench --quick` (what `make bench BENCH_ARGS=--quick` runs): every figure is
measured and printed, and the kept results are not overwritten by a few quick rounds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.stack import checkout_environment

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BENCH_TIMEOUT = 1800.0  # a bound for a hung bench, not a speed goal


def test_the_quick_bench_measures_every_figure_and_keeps_the_results():
    results = ROOT / "bench" / "results.json"
    kept = results.read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"],
        cwd=ROOT,
        env=checkout_environment(),
        capture_output=True,
        text=True,
        timeout=BENCH_TIMEOUT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in (
        "webhook handler p50",
        "cold start WebhookFunction: import + first invocation",
        "cold start SqlAlertFunction",
        "cold start LeadsFunction",
        "cold start DecayFunction",
        "peak memory, cold webhook invocation",
        "pure scoring, 100-rule file",
        "webhooks/s sustained (local stack)",
        "cost per 1 M webhooks",
    ):
        assert name in done.stdout
    assert results.read_bytes() == kept
