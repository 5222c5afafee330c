"""`python -m bench` (`make bench`): every figure beside its floor, measured in one run;
prints the table and writes bench/results.json."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bench import batch, cold, cost, scoring, stack, webhook
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


@dataclass(frozen=True)
class Sizes:
    """How much each measurement does; `--quick` only proves the bench runs."""

    handler_rounds: int = 400
    growth_measured: int = 150
    growth_seeded: int = 10_000
    cold_rounds: int = 9
    scoring_events: int = 4000
    stack_alerts: int = 40
    stack_seconds: float = 10.0
    batch_events: int = 1000


QUICK = Sizes(
    handler_rounds=20,
    growth_measured=10,
    growth_seeded=200,
    cold_rounds=1,
    scoring_events=300,
    stack_alerts=3,
    stack_seconds=1.0,
    batch_events=50,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a few rounds of everything, to show the bench runs; figures are not kept",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    started = time.monotonic()
    host = machine()
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    print(f"leadwire bench on {host['cpus']} x {host['cpu']}, Python {host['python']}")
    print(f"machine load (1, 5, 15 min): {load}")
    handler_run = step(
        "webhook handler vs raw boto3 calls (moto)",
        lambda: webhook.measure_handler(rounds=sizes.handler_rounds, warmup=5),
    )
    small, large = step(
        "webhook after 10,000 events vs 10 (moto)",
        lambda: webhook.measure_growth(sizes.growth_measured, 5, sizes.growth_seeded),
    )
    cold_run = step(
        "cold starts: fresh interpreters, shipped build, first invocation (moto server)",
        lambda: cold.measure(rounds=sizes.cold_rounds),
    )
    batch_run = step(
        f"SendGrid batch of {sizes.batch_events:,} events through the handler (moto)",
        lambda: batch.measure_batch(sizes.batch_events),
    )
    scored = step("pure scoring throughput", lambda: scoring.scoring_figures(sizes.scoring_events))
    stack_run = step(
        "local stack over HTTP (alert latency, throughput)",
        lambda: stack.measure_stack(alerts=sizes.stack_alerts, seconds=sizes.stack_seconds),
    )
    measured = cost.usage(
        own_ms=max(0.0, p50(handler_run.handler) - p50(handler_run.raw)) * 1000,
        cold_start_ms=p50(cold_run.functions["WebhookFunction"].cpu_s) * 1000,
        transaction=handler_run.transaction,
        log_bytes=handler_run.log_bytes_per_invocation,
    )
    priced = cost.costs(measured)
    figures: list[Figure] = [
        *webhook.handler_figures(handler_run),
        *cold.figures(cold_run),
        *scored,
        *batch.batch_figures(batch_run),
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
    print("\nwebhook MemorySize (Lambda CPU in proportion to memory; init billed):")
    for choice in cost.power_tuning(measured):
        print(
            f"  {choice.memory_mb:>5} MB: cold start {choice.cold_start_s:5.2f} s, "
            f"warm {choice.warm_billed_ms:4d} ms billed, Lambda ${choice.lambda_per_million:.3f} "
            "per 1 M webhooks"
        )
    document = {
        "machine": {**host, "load": load},
        "seconds": round(time.monotonic() - started),
        "figures": [f.as_json() for f in figures],
    }
    if args.quick:
        print(f"\n--quick: {document['seconds']} s in all; {RESULTS} left as it was")
        return 0
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwrote {RESULTS} ({document['seconds']} s in all)")
    missed = [f for f in figures if f.met is False]
    for f in missed:
        beyond = "beyond" if f.missed_beyond_noise else "within"
        print(f"goal missed: {f.name}: {f.ratio:.2f}x, goal {f.goal} ({beyond} the noise)")
    return 1 if any(f.missed_beyond_noise for f in missed) else 0


if __name__ == "__main__":
    sys.exit(main())
