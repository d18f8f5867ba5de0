"""What is wrong with a dataset, said so that a user can find and fix it.

Every problem names the file (or payload part), the 1-based data row and the column at fault, so
the command line can print one line and the HTTP API can answer 422 with the field, from the same
object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

MAX_PROBLEMS = 50
"""How many problems a DatasetError keeps; past that, more detail does not help fix a file."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a dataset.

    ``row`` is the 1-based data row (the header is not counted), or None when the problem is about
    a whole file or column; ``column`` is None when the problem is about a whole file.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(position(self.file, self.row))
        if self.column is not None:
            where.append(f"column {self.column!r}")
        location = f"{self.file}: {', '.join(where)}" if where else self.file
        return f"{location}: {self.message}"


def position(file: str, row: int) -> str:
    """Where data row ``row`` (1-based) is, as its file shows it: in a CSV file the line (the
    header is line 1; a quoted field spanning lines would shift it), in other files the row
    counted from 1."""
    if file.endswith(".csv"):
        return f"line {row + 1}"
    if "." not in file:  # a table given as a frame, not a file
        return f"row {row}"
    return f"row {row} (1-based)"


class DatasetError(ValueError):
    """A dataset that must not be used: it holds every problem found (up to ``MAX_PROBLEMS``).

    ``str(err)`` is one line (the first problem, plus how many more there are), which is what a
    command line prints; callers that want all of them read ``problems``.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        found = list(problems)
        if not found:
            raise ValueError("DatasetError needs at least one problem")
        self.problems: list[Problem] = found[:MAX_PROBLEMS]
        self.total: int = len(found)
        super().__init__(self._summary())

    def _summary(self) -> str:
        more = self.total - 1
        if more == 0:
            return str(self.problems[0])
        noun = "problem" if more == 1 else "problems"
        return f"{self.problems[0]} (and {more} more {noun})"

    def __str__(self) -> str:
        return self._summary()


class Report:
    """Collects the problems of one table's columns, each with its first bad row and a count."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        self.failed = False

    def add(self, column: str | None, message: str, row: int | None = None) -> None:
        self.failed = True
        self.problems.append(Problem(self.source, row, column, message))

    def check(
        self, column: str, bad: Any, values: pd.Series, explain: Callable[[Any], str]
    ) -> bool:
        """Report ``explain(value)`` at the first row where ``bad`` holds; True when no row does."""
        rows = np.flatnonzero(np.asarray(bad, dtype=bool))
        if rows.size == 0:
            return True
        first = int(rows[0])
        message = explain(values.iloc[first])
        if rows.size > 1:
            message += f" (and {rows.size - 1} more rows)"
        self.add(column, message, row=first + 1)
        return False
