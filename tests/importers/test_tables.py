"""A post read more than once: the latest read wins; one time, one count."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from creator_audit.importers import SourceError
from creator_audit.importers.tables import ImportedTables, Origin

T1, T2, T3 = (datetime(2026, 5, day, tzinfo=UTC) for day in (1, 2, 3))


def _read(tables: ImportedTables, likes: int | None, at: datetime | None, name: str) -> None:
    row = {"creator_id": "c", "post_id": "p", "posted_at": 0, "likes": likes, "comments": 1}
    tables.add_post(row, Origin(Path(name), "", {"post_id": "id"}), at)


def test_the_latest_read_wins_whatever_the_order() -> None:
    tables = ImportedTables()
    _read(tables, 10, T1, "t1.json")
    _read(tables, 10, T3, "t3.json")
    _read(tables, 12, T2, "t2.json")
    assert tables.posts["p"].row["likes"] == 10
    assert tables.posts["p"].origin.file == Path("t3.json")


@pytest.mark.parametrize("at", [T1, None])
def test_two_counts_at_one_time_are_refused(at: datetime | None) -> None:
    tables = ImportedTables()
    _read(tables, 10, at, "a.json")
    _read(tables, 10, at, "a-again.json")  # the same counts again: fine
    with pytest.raises(SourceError, match=r"b\.json: id: post 'p' appears again with hidden likes"):
        _read(tables, None, at, "b.json")
