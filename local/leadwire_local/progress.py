"""Progress for the long local commands (`whatif`, `review`, `redrive`, `demo`): a tqdm bar on
stderr with the count, the rate and, when the total is known, what remains; nothing at all
when stderr is not a terminal (CI logs, pipes and tests read clean output)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable, Iterator
from typing import IO, TypeVar

T = TypeVar("T")


def on_a_terminal(stream: IO[str] | None = None) -> bool:
    stream = stream or sys.stderr
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real file
        return False


def progress(items: Iterable[T], what: str, unit: str, total: int | None = None) -> Iterator[T]:
    """`items` unchanged, counted on the terminal as they are consumed (`what`: "reading
    events"; `unit`: "event"). The bar goes away when done: the command's own output stays."""
    if not on_a_terminal():
        yield from items
        return
    from tqdm import tqdm  # only on a terminal: the bar's import is not free

    size = shutil.get_terminal_size()  # 80 x 24 where the terminal reports no size (tqdm
    # would draw nothing on a 0-line terminal)
    with tqdm(
        items,
        desc=what,
        unit=f" {unit}",
        total=total,
        file=sys.stderr,
        leave=False,
        ncols=size.columns,
        nrows=size.lines,
        mininterval=0.2,
    ) as bar:
        yield from bar


def say(text: str) -> None:
    """print(), but above a running bar on a terminal (a plain print would tear it)."""
    if not on_a_terminal():
        print(text)
        return
    from tqdm import tqdm

    tqdm.write(text, file=sys.stdout)
