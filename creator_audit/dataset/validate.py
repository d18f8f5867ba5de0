"""The one path from raw tables to a typed, trusted Dataset.

Files (``read.py``) and the real InstaFake data (``instafake.py``) build raw frames and pass them
through here; HTTP payloads come through ``columns.py``, whose fast path mirrors these rules and
falls back to them. So the same input is accepted or rejected the same way everywhere.

Every check is vectorised (tables can hold tens of millions of engagement rows); each failed check
reports its first offending row and how many more rows fail it.

Nothing downstream sees a frame that failed a check: a problem anywhere raises ``DatasetError``
with every problem found, instead of computing features from a guess.

This module holds the table-level rules (types per column, unique keys, references, time order,
rows per creator); each column kind's converter is in ``converters.py``, timestamps in
``timestamps.py``, and ``errors.Report`` collects a table's problems.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creator_audit import limits
from creator_audit.dataset.converters import (
    STR,
    show,
    to_bool,
    to_choice,
    to_count,
    to_int,
    to_str,
)
from creator_audit.dataset.errors import DatasetError, Problem, Report, position
from creator_audit.dataset.timestamps import UTC_NS, to_timestamp
from creator_audit.dataset.types import Dataset, ReadTime, epoch_seconds
from creator_audit.schema import ACCOUNTS, TABLES, Column, Table

__all__ = ["check_references", "check_time_order", "coerce_table", "dataset_from_frames"]

# (child table, its column) -> parent table whose same-named column it must refer to.
REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("posts", "creator_id", "creators"),
    ("engagements", "post_id", "posts"),
    ("follower_counts", "creator_id", "creators"),
    ("follower_samples", "creator_id", "creators"),
    ("labels", "creator_id", "creators"),
)


@dataclass(frozen=True)
class TimeOrder:
    """A time that must not be earlier (``after``) or later than the time of the row its ``key``
    refers to, by more than ``slack`` seconds of clock skew."""

    table: str
    column: str
    key: str
    parent: str
    parent_column: str
    slack: int
    after: bool


TIME_ORDER = (
    # An engagement cannot precede its post. A minute covers clocks apart and times rounded to
    # the minute; more is a wrong zone or a row joined to the wrong post, which the features
    # would take for an instant (bought) reaction.
    TimeOrder("engagements", "at", "post_id", "posts", "posted_at", 60, after=True),
    # A post cannot be newer than the snapshot its counts were read at. An hour lets a scrape
    # that reads the profile first see a post published meanwhile; more is a stale snapshot_at.
    TimeOrder("posts", "posted_at", "creator_id", "creators", "snapshot_at", 3_600, after=False),
)


def coerce_table(table_name: str, raw: pd.DataFrame, source: str) -> pd.DataFrame:
    """Convert one raw table to its canonical dtypes (``creator_audit.schema``), or raise.

    Returns a new frame (``raw`` is never modified) with a fresh RangeIndex: the contract's columns
    in schema order (optional columns the input lacks are added, all missing, so every consumer can
    rely on them existing), then any extra columns unchanged. ``source`` names the input in
    messages (a file name such as ``posts.csv``, or a payload field).
    """
    problems: list[Problem] = []
    frame = _coerce(_table(table_name), raw, source, problems)
    if problems or frame is None:
        raise DatasetError(problems)
    return frame


def check_references(ds: Dataset, sources: Mapping[str, str]) -> list[Problem]:
    """Problems for rows that point at a creator or post the dataset does not have.

    A post of an unknown creator (or an engagement of an unknown post) cannot be attributed, and
    silently dropping it would change a creator's features, so each is an error.
    """
    problems: list[Problem] = []
    tables = ds.tables()
    for child_name, column, parent_name in REFERENCES:
        child, parent = tables.get(child_name), tables.get(parent_name)
        if child is None or parent is None:
            continue
        noun = "creator" if parent_name == "creators" else "post"
        where = sources.get(parent_name, parent_name)
        report = Report(sources.get(child_name, child_name), problems)
        unknown = ~child[column].isin(parent[column])
        report.check(column, unknown, child[column], _unknown(noun, where))
    return problems


def _unknown(noun: str, where: str) -> Callable[[Any], str]:
    return lambda value: f"unknown {noun} {show(value)}: not in {where}"


def dataset_from_frames(
    raw: Mapping[str, pd.DataFrame | None],
    sources: Mapping[str, str] | None = None,
    per_creator: limits.PerCreator = limits.FILES,
    read_time: ReadTime | None = None,
) -> Dataset:
    """Coerce and validate raw tables (keyed by contract table name) into a typed Dataset.

    ``sources`` maps a table name to what messages call it (default: the table name);
    ``per_creator`` caps each creator's rows (``creator_audit.limits``); ``read_time`` is when the
    tables were read, kept with them (``Dataset.read_time``). Every problem in every
    table is collected, then raised together as one ``DatasetError``; a Dataset is returned only
    when there are none.
    """
    unknown = sorted(set(raw) - set(TABLES))
    if unknown:
        raise ValueError(f"unknown table(s) {unknown}; expected some of {sorted(TABLES)}")
    names = {name: (sources or {}).get(name, name) for name in TABLES}
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame | None] = {}
    for name, table in TABLES.items():
        frame = raw.get(name)
        if frame is None:
            if table.required:
                problems.append(Problem(names[name], None, None, "required table is missing"))
            continue
        frames[name] = _coerce(table, frame, names[name], problems)
    coerced = {name: frame for name, frame in frames.items() if frame is not None}
    if "creators" in coerced and "posts" in coerced:
        problems.extend(check_references(Dataset(**coerced), names))
    problems.extend(check_time_order(coerced, names))
    problems.extend(check_rows_per_creator(coerced, names, per_creator))
    if problems:
        raise DatasetError(problems)
    return Dataset(**coerced, read_time=read_time)


def check_time_order(
    tables: Mapping[str, pd.DataFrame], sources: Mapping[str, str]
) -> list[Problem]:
    """A problem for each rule of ``TIME_ORDER`` some row breaks, at its first such row."""
    problems: list[Problem] = []
    for rule in TIME_ORDER:
        child, parent = tables.get(rule.table), tables.get(rule.parent)
        if child is not None and parent is not None:
            report = Report(sources.get(rule.table, rule.table), problems)
            _check_order(rule, child, parent, report)
    return problems


def _check_order(
    rule: TimeOrder, child: pd.DataFrame, parent: pd.DataFrame, report: Report
) -> None:
    bad, parent_rows = out_of_order(
        rule,
        pa.array(child[rule.key]),
        epoch_seconds(child[rule.column]),
        pa.array(parent[rule.key]),
        epoch_seconds(parent[rule.parent_column]),
    )
    times, parent_times = child[rule.column], parent[rule.parent_column]

    def explain(row: int) -> str:
        theirs = parent_times.iloc[int(parent_rows[row])]
        return _out_of_order(rule, times.iloc[row], theirs, child[rule.key].iloc[row])

    report.check(rule.column, bad, pd.Series(np.arange(len(child))), explain)


def out_of_order(
    rule: TimeOrder,
    keys: pa.Array | pa.ChunkedArray,
    seconds: np.ndarray,
    parent_keys: pa.Array | pa.ChunkedArray,
    parent_seconds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Which rows break ``rule`` (unix seconds; a missing time or parent breaks nothing), and
    each row's parent row (-1 for none). One definition for files and the API's fast path."""
    parent = pc.fill_null(pc.index_in(keys, value_set=parent_keys), -1).to_numpy()
    parent = np.asarray(parent, dtype=np.int64)
    theirs = np.full(len(parent), np.nan)
    known = parent >= 0
    theirs[known] = parent_seconds[parent[known]]
    with np.errstate(invalid="ignore"):
        gap = seconds - theirs
        bad = gap < -rule.slack if rule.after else gap > rule.slack
    return bad, parent


def _out_of_order(rule: TimeOrder, mine: pd.Timestamp, theirs: pd.Timestamp, key: str) -> str:
    apart = _duration(abs((mine - theirs).total_seconds()))
    allowed = _duration(rule.slack)
    if rule.after:
        return (
            f"{show(mine)} is {apart} before its post {show(key)} was posted ({show(theirs)}); "
            f"an engagement cannot precede its post ({allowed} of clock skew is allowed)"
        )
    return (
        f"{show(mine)} is {apart} after its creator's snapshot_at ({show(theirs)}); a post "
        f"cannot be newer than the snapshot its counts were read at ({allowed} is allowed)"
    )


def _duration(seconds: float) -> str:
    """A span for a reader: ``100 days``, ``1 hour``, ``3 minutes``, ``40 seconds``."""
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size)
            return f"{count} {unit}" + ("s" if count != 1 else "")
    return f"{seconds:.0f} seconds"


def check_rows_per_creator(
    tables: Mapping[str, pd.DataFrame], sources: Mapping[str, str], per_creator: limits.PerCreator
) -> list[Problem]:
    """A problem for each table where some creator has more rows than ``per_creator`` allows,
    at that creator's first row. A table no longer than its limit is not counted at all."""
    problems = []
    for name in ("posts", "engagements", "follower_counts", "follower_samples"):
        frame, limit = tables.get(name), per_creator.of(name)
        if frame is None or len(frame) <= limit:
            continue
        owner = _owners(frame, tables) if name == "engagements" else frame["creator_id"]
        if owner is None:
            continue
        sizes = owner.value_counts()
        over = sizes[sizes > limit]
        if over.empty:
            continue
        creator, count = over.index[0], int(over.iloc[0])
        message = f"{limits.over_limit(count, name, limit, 'creator')} (creator {show(creator)}"
        message += f"; and {len(over) - 1} more creators)" if len(over) > 1 else ")"
        first = int(np.flatnonzero(owner.eq(creator).to_numpy(dtype=bool, na_value=False))[0])
        column = "post_id" if name == "engagements" else "creator_id"
        problems.append(Problem(sources.get(name, name), first + 1, column, message))
    return problems


def _owners(engagements: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> pd.Series | None:
    """Each engagement's creator, through its post (None while post ids are not unique)."""
    posts = tables.get("posts")
    if posts is None or posts["post_id"].duplicated().any():
        return None
    return engagements["post_id"].map(posts.set_index("post_id")["creator_id"])


def _table(name: str) -> Table:
    known = {**TABLES, ACCOUNTS.name: ACCOUNTS}
    try:
        return known[name]
    except KeyError:
        raise ValueError(f"unknown table {name!r}; expected one of {sorted(known)}") from None


def _coerce(
    table: Table, raw: pd.DataFrame, source: str, problems: list[Problem]
) -> pd.DataFrame | None:
    """Append this table's problems to ``problems``; the typed frame if every column converted."""
    if not isinstance(raw, pd.DataFrame):
        raise TypeError(f"{source}: expected a pandas DataFrame, got {type(raw).__name__}")
    report = Report(source, problems)
    raw = raw.reset_index(drop=True)  # positions are rows; copy-on-write keeps the input intact
    repeated = raw.columns[raw.columns.duplicated()].unique()
    for name in repeated:
        report.add(str(name), "column appears more than once")
    needed = ", ".join(table.required_columns)
    for name in table.required_columns:
        if name not in raw.columns:
            report.add(name, f"required column is missing ({table.name} needs {needed})")
    if report.failed:
        return None
    columns: dict[Any, pd.Series] = {}
    for col in table.columns:
        if col.name in raw.columns:
            converted = _CONVERTERS[col.kind](raw[col.name], col, report)
        else:
            converted = all_missing(col.kind, len(raw))
        if converted is not None:
            columns[col.name] = converted
    if report.failed:
        return None
    for name in raw.columns:
        if name not in columns:
            columns[name] = raw[name]
    out = pd.DataFrame(columns, index=pd.RangeIndex(len(raw)))
    # A repeated key is reported, but the typed frame is still returned so that its references can
    # be checked too; the caller raises because ``problems`` is not empty.
    _check_unique(table, out, report)
    return out


def all_missing(kind: str, n: int) -> pd.Series:
    if kind == "timestamp":
        return pd.Series(pd.NaT, index=pd.RangeIndex(n), dtype=UTC_NS)
    if kind in ("int", "bool"):
        return pd.Series(np.nan, index=pd.RangeIndex(n), dtype="float64")
    return pd.Series(np.nan, index=pd.RangeIndex(n), dtype=STR)


def _check_unique(table: Table, out: pd.DataFrame, report: Report) -> None:
    """Name the first repeated key and the two rows holding it."""
    if not table.unique:
        return
    keys = list(table.unique)
    repeat = out[keys[0]].duplicated() if len(keys) == 1 else out.duplicated(subset=keys)
    rows = np.flatnonzero(repeat.to_numpy())
    if rows.size == 0:
        return
    second = int(rows[0])
    value = tuple(out[k].iloc[second] for k in keys)
    same = np.logical_and.reduce(
        [out[k].eq(v).to_numpy() for k, v in zip(keys, value, strict=True)]
    )
    first = int(np.flatnonzero(same)[0])
    shown = show(value[0]) if len(keys) == 1 else "(" + ", ".join(show(v) for v in value) + ")"
    what = keys[0] if len(keys) == 1 else "(" + ", ".join(keys) + ") together"
    first_at = position(report.source, first + 1)
    message = f"{shown} appears again (first at {first_at}); {what} must be unique"
    if rows.size > 1:
        message += f" ({rows.size - 1} repeated rows in all)"
    report.add(", ".join(keys), message, row=second + 1)


_CONVERTERS: dict[str, Callable[[pd.Series, Column, Report], pd.Series | None]] = {
    "str": to_str,
    "label": to_choice,
    "kind": to_choice,
    "count": to_count,
    "int": to_int,
    "bool": to_bool,
    "timestamp": to_timestamp,
}
