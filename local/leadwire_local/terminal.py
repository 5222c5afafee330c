"""Where the local stack talks to the developer: one line at a time, flushed at once."""

from __future__ import annotations

from collections.abc import Callable

Say = Callable[[str], None]


def say(line: str) -> None:
    print(line, flush=True)
