"""The contract tables an import builds, each row remembering the file and fields it came from.

Rows go through the validation every dataset goes through (``dataset_from_frames``); a value it
refuses is reported at the export file and field the row came from, not at a row of a table the
user never saw. A post met twice is kept once: with the same counts, or with the counts of the
later read; two reads taken at the same time that disagree are refused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from creator_audit.dataset import Dataset, DatasetError, dataset_from_frames
from creator_audit.importers.source import SourceError, child
from creator_audit.schema import TABLES

_COUNTS = ("likes", "comments")


@dataclass(frozen=True)
class Origin:
    """Where a row came from: its file, the JSON path of its object (``prefix``) and, per contract
    column, the field below it that gave the value (or a few words saying how it was derived)."""

    file: Path
    prefix: str
    fields: Mapping[str, str]

    def field(self, column: str) -> str | None:
        name = self.fields.get(column)
        if name is None or name.startswith("("):  # derived, not read: say how
            return name
        return child(self.prefix, name)


@dataclass
class _Post:
    row: dict[str, Any]
    origin: Origin
    taken_at: datetime | None


@dataclass
class ImportedTables:
    """Rows of the contract tables, and the origin of each row."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    origins: dict[str, list[Origin]] = field(default_factory=lambda: defaultdict(list))
    posts: dict[str, _Post] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the user should know, one line each

    def add(self, table: str, row: dict[str, Any], origin: Origin) -> None:
        self.rows[table].append(row)
        self.origins[table].append(origin)

    def add_post(self, row: dict[str, Any], origin: Origin, taken_at: datetime | None) -> None:
        """A post, once: a repeat with the same counts is dropped, one read later replaces it, and
        one read at the same time (the same download, or one response) with other counts fails."""
        seen = self.posts.get(row["post_id"])
        if seen is None or _later(taken_at, seen.taken_at):
            self.posts[row["post_id"]] = _Post(row, origin, taken_at)
            return
        if _later(seen.taken_at, taken_at) or _same_counts(seen.row, row):
            return  # an earlier read, or the same counts again
        raise SourceError(
            origin.file,
            origin.field("post_id"),
            f"post {row['post_id']!r} appears again with {_counts(row)}, but {seen.origin.file} "
            f"has {_counts(seen.row)}: one post cannot have two counts at one time",
        )

    def dataset(self) -> Dataset:
        """The tables as a validated Dataset; a refused value is named at its source field."""
        for post in self.posts.values():
            self.add("posts", post.row, post.origin)
        self.posts = {}
        frames = {name: pd.DataFrame(rows) for name, rows in self.rows.items() if rows}
        for name in ("creators", "posts"):  # a creator without posts is a fact, not an error
            frames.setdefault(name, pd.DataFrame(columns=TABLES[name].required_columns))
        try:
            return dataset_from_frames(frames)
        except DatasetError as err:
            raise self._at_source(err) from None

    def _at_source(self, err: DatasetError) -> ValueError:
        problem = err.problems[0]
        if problem.row is None or problem.file not in self.origins:
            return err
        origin = self.origins[problem.file][problem.row - 1]
        column = (problem.column or "").split(", ")[0]
        more = err.total - 1
        message = problem.message + (f" (and {more} more problems)" if more else "")
        return SourceError(origin.file, origin.field(column), message)


def _later(a: datetime | None, b: datetime | None) -> bool:
    """Whether read ``a`` was taken after read ``b`` (unknown times are not)."""
    return a is not None and b is not None and a > b


def _same_counts(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(a.get(name) == b.get(name) for name in _COUNTS)


def _counts(row: dict[str, Any]) -> str:
    likes = "hidden likes" if row.get("likes") is None else f"{row['likes']} likes"
    return f"{likes} and {row.get('comments')} comments"
