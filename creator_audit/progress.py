"""Long work that shows it is working: a live bar (or spinner) on a terminal, and one line with the
stage's time when it ends, e.g. ``features: 41.2 s``.

On a terminal (stderr is a TTY) the bar is drawn by rich on stderr and removed when the stage ends;
anywhere else (CI, a pipe, a log file) nothing is drawn, only the time lines are written.
``CREATOR_AUDIT_PROGRESS=0`` turns the bar off, ``=1`` forces it on.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator

Advance = Callable[[float], None]
Log = Callable[[str], None]


def bars_wanted() -> bool:
    setting = os.environ.get("CREATOR_AUDIT_PROGRESS")
    if setting in ("0", "1"):
        return setting == "1"
    return sys.stderr.isatty()


@contextlib.contextmanager
def stage(label: str, log: Log = print, total: float | None = None) -> Iterator[Advance]:
    """Run a stage: yields ``advance(n)`` (a no-op without a bar); logs ``label: N s`` at the
    end. ``total`` makes it a bar, else a spinner with the elapsed time."""
    started = time.perf_counter()
    with _bar(label, total) as advance:
        yield advance
    log(f"{label}: {_seconds(time.perf_counter() - started)}")


@contextlib.contextmanager
def _bar(label: str, total: float | None) -> Iterator[Advance]:
    if not bars_wanted():
        yield lambda n=1: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), TextColumn("{task.completed:,.0f}/{task.total:,.0f}")]
        columns.append(TimeRemainingColumn())
    columns.append(TimeElapsedColumn())
    console = Console(stderr=True, force_terminal=True)  # CREATOR_AUDIT_PROGRESS=1 in a pipe too
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n=1: progress.advance(task, n)


def _seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)} min {rest:.0f} s"
