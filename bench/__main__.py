"""`python -m bench` (`make bench`): every figure beside its floor, measured in one run;
prints the table and writes bench/results.json."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bench import cold, cost, scoring, stack, webhook
from bench.figures import Figure, p50, table

RESULTS = Path(__file__).with_name("results.json")
T = TypeVar("T")


def step(title: str, measure: Callable[[], T]) -> T:
    print(f"- {title} ...", end=" ", flush=True)
    started = time.monotonic()
    result = measure()
    print(f"{time.monotonic() - started:.0f} s", flush=True)
    return result


def machine() -> dict[str, str]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cpus": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main() -> int:
    started = time.monotonic()
    host = machine()
    print(f"leadwire bench on {host['cpus']} x {host['cpu']}, Python {host['python']}")
    handler_run = step("webhook handler vs raw boto3 calls (moto)", webhook.measure_handler)
    small, large = step("webhook after 10,000 events vs 10 (moto)", webhook.measure_growth)
    imports = step("cold imports (fresh interpreters)", cold.measure_imports)
    cold_run = step("cold webhook invocations (moto server)", cold.measure_cold_invocations)
    scored = step("pure scoring throughput", scoring.scoring_figures)
    stack_run = step("local stack over HTTP (alert latency, throughput)", stack.measure_stack)
    measured = cost.usage(
        duration_ms=p50(handler_run.handler) * 1000,
        transaction=handler_run.transaction,
        log_bytes=handler_run.log_bytes_per_invocation,
    )
    priced = cost.costs(measured)
    figures: list[Figure] = [
        *webhook.handler_figures(handler_run),
        *cold.import_figures(imports),
        *cold.cold_figures(cold_run),
        *scored,
        *stack.stack_figures(stack_run),
        webhook.growth_figure(small, large),
        *cost.cost_figures(priced),
    ]
    print()
    print(table(figures))
    print()
    print(
        f"cost model: {priced.billed_ms} ms billed per webhook at "
        f"{cost.memory_mb(cost.Template(), 'WebhookFunction')} MB, "
        f"{priced.write_units} write units per transaction (ledger {measured.ledger_bytes} B, "
        f"lead {measured.lead_bytes} B), {measured.log_bytes:.0f} B logged per webhook"
    )
    for line, dollars in priced.lines.items():
        print(f"  {line:<42} ${dollars:8.3f} per 1 M webhooks")
    document = {
        "machine": host,
        "seconds": round(time.monotonic() - started),
        "figures": [f.as_json() for f in figures],
    }
    RESULTS.write_text(json.dumps(document["figures"], indent=2) + "\n")
    print(f"\nwrote {RESULTS} ({document['seconds']} s in all)")
    missed = [f.name for f in figures if f.met is False]
    if missed:
        print("goals missed: " + "; ".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
