"""A figure beside its floor, the statistics behind it, and the table they print as."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One measured value, the floor it is compared with, and the goal (None: reported only).

    `ratio` is value / floor; `met` is None when there is no goal. `missed_by` is how far past
    its goal a missed figure is (relative), `noise` the relative spread of the rounds behind it:
    a miss larger than the noise fails the bench.
    """

    name: str
    value: float
    unit: str
    floor: float
    ratio: float
    goal: str | None = None
    met: bool | None = None
    note: str = ""
    missed_by: float | None = None  # None: missed by an amount not measured against noise
    noise: float = 0.0

    @property
    def missed_beyond_noise(self) -> bool:
        return self.met is False and (self.missed_by is None or self.missed_by > self.noise)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("value", "floor", "ratio", "missed_by", "noise"):
            if data[key] is not None:
                data[key] = round(data[key], 4)
        return data


def figure(
    name: str,
    value: float,
    unit: str,
    floor: float,
    goal: str | None = None,
    met: bool | None = None,
    note: str = "",
    missed_by: float | None = None,
    noise: float = 0.0,
) -> Figure:
    ratio = value / floor if floor else float("nan")
    return Figure(name, value, unit, floor, ratio, goal, met, note, missed_by, noise)


def relative_noise(samples: Sequence[float]) -> float:
    """The standard error of a median, relative to it (1.4826 x MAD, x 1.25 / sqrt(n)): how
    much a figure of these rounds could move on a rerun."""
    if len(samples) < 3:
        return 0.0
    middle = statistics.median(samples)
    spread = 1.4826 * statistics.median(abs(s - middle) for s in samples)
    return 1.25 * spread / (len(samples) ** 0.5) / middle if middle else 0.0


def p50(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def p99(samples: Sequence[float]) -> float:
    """The 99th percentile (inclusive method)."""
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[-1]


def p95(samples: Sequence[float]) -> float:
    """The 95th percentile (inclusive method: defined for small samples too)."""
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def table(figures: Sequence[Figure]) -> str:
    """The figures as one aligned text table."""
    rows = [("figure", "value", "floor", "ratio", "goal", "met")]
    for f in figures:
        met = "-" if f.met is None else ("yes" if f.met else "NO")
        rows.append(
            (
                f.name,
                f"{_number(f.value)} {f.unit}",
                f"{_number(f.floor)} {f.unit}",
                f"{f.ratio:.2f}x",
                f.goal or "reported",
                met,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            cell.ljust(widths[i]) if i in (0, 4, 5) else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _number(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
