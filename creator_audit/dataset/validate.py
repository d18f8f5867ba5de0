"""The one path from raw tables to a typed, trusted Dataset.

Files (``read.py``) and the real InstaFake data (``instafake.py``) build raw frames and pass them
through here; HTTP payloads come through ``columns.py``, whose fast path mirrors these rules and
falls back to them. So the same input is accepted or rejected the same way everywhere.

Every check is vectorised (tables can hold tens of millions of engagement rows); each failed check
reports its first offending row and how many more rows fail it.

Nothing downstream sees a frame that failed a check: a problem anywhere raises ``DatasetError``
with every problem found, instead of computing features from a guess.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creator_audit import limits
from creator_audit.dataset.errors import DatasetError, Problem, position
from creator_audit.dataset.types import Dataset, ReadTime, epoch_seconds
from creator_audit.schema import ACCOUNTS, ENGAGEMENT_KINDS, LABELS, TABLES, Column, Table

__all__ = ["check_references", "check_time_order", "coerce_table", "dataset_from_frames"]

UTC_NS = pd.DatetimeTZDtype(unit="ns", tz="UTC")
STR = pd.StringDtype(na_value=np.nan)

TRUE_WORDS = ("true", "1", "yes", "1.0")
FALSE_WORDS = ("false", "0", "no", "0.0")
# A time of day followed by a UTC offset; the time is required so "2026-05-01" (whose "-01" looks
# like an offset) is not mistaken for an instant.
_OFFSET_SUFFIX = r"[Tt ]\d\d(?::?\d\d){0,2}(?:[.,]\d+)?\s*(?:[Zz]|[+-]\d\d(?::?\d\d)?)$"
_UNIX_SECONDS = r"[+-]?\d+"  # whole string, anchored where used
# The span datetime64[ns] can hold, in unix seconds (about 1677-09-22 .. 2262-04-11).
_MIN_SECONDS = -9_223_372_036
_MAX_SECONDS = 9_223_372_036
UNIX_SECONDS_RANGE = (_MIN_SECONDS, _MAX_SECONDS)  # as datetime64[ns]: years 1678-2262
# What a timestamp of this data can be: nothing before 2005 (no platform of this kind existed:
# YouTube opened in 2005, Instagram in 2010), so an older one is a wrong year, unit or default
# (1900, 1970); nothing more than a day after now (a day of slack for clocks and zones).
EARLIEST = pd.Timestamp("2005-01-01", tz="UTC")
FUTURE_SLACK_SECONDS = 86_400
# Ids are printable: a C0 or C1 control character (NUL, tab, line breaks, DEL...) in one is a
# damaged or mis-split export, and would be echoed into every file and answer that names it.
CONTROL_CHARACTER = r"[\x00-\x1f\x7f-\x9f]"
_TIMESTAMP_HELP = "use ISO-8601 with an offset (2026-05-01T14:03:00+02:00 or ...Z) or unix seconds"
_BOOL_HELP = "use true/false, 1/0 or yes/no"

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


class _Report:
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
        report = _Report(sources.get(child_name, child_name), problems)
        unknown = ~child[column].isin(parent[column])
        report.check(column, unknown, child[column], _unknown(noun, where))
    return problems


def _unknown(noun: str, where: str) -> Callable[[Any], str]:
    return lambda value: f"unknown {noun} {_show(value)}: not in {where}"


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
            report = _Report(sources.get(rule.table, rule.table), problems)
            _check_order(rule, child, parent, report)
    return problems


def _check_order(
    rule: TimeOrder, child: pd.DataFrame, parent: pd.DataFrame, report: _Report
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
            f"{_show(mine)} is {apart} before its post {_show(key)} was posted ({_show(theirs)}); "
            f"an engagement cannot precede its post ({allowed} of clock skew is allowed)"
        )
    return (
        f"{_show(mine)} is {apart} after its creator's snapshot_at ({_show(theirs)}); a post "
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
        message = f"{limits.over_limit(count, name, limit, 'creator')} (creator {_show(creator)}"
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
    report = _Report(source, problems)
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


def _check_unique(table: Table, out: pd.DataFrame, report: _Report) -> None:
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
    shown = _show(value[0]) if len(keys) == 1 else "(" + ", ".join(_show(v) for v in value) + ")"
    what = keys[0] if len(keys) == 1 else "(" + ", ".join(keys) + ") together"
    first_at = position(report.source, first + 1)
    message = f"{shown} appears again (first at {first_at}); {what} must be unique"
    if rows.size > 1:
        message += f" ({rows.size - 1} repeated rows in all)"
    report.add(", ".join(keys), message, row=second + 1)


# --- converters: raw column -> canonical column, or None after reporting ----------------------


def _to_str(values: pd.Series, col: Column, report: _Report) -> pd.Series | None:
    """Ids and text as pandas strings; a required string (an id) must be present and non-blank, and
    no id may be longer than ``limits.MAX_ID_CHARS``."""
    out = _as_text(values)
    ok = True
    if limits.is_id(col.name):
        ok = _check_id_length(out, col, report) & _check_printable(out, col, report)
    if not col.required:
        return out if ok else None
    ok &= report.check(
        col.name, out.isna(), out, lambda _: f"missing value; every row needs a {col.name}"
    )
    ok &= report.check(
        col.name,
        out.str.strip().eq(""),
        out,
        lambda v: f"{_show(v)} is empty; ids must be non-empty",
    )
    return out if ok else None


def _check_id_length(out: pd.Series, col: Column, report: _Report) -> bool:
    text = pa.array(out)
    longest = pc.max(pc.binary_length(text)).as_py()  # bytes >= characters, and 10x cheaper
    if longest is None or longest <= limits.max_id_chars():
        return True
    too_long = _mask(pc.greater(pc.utf8_length(text), limits.max_id_chars()))
    return report.check(col.name, too_long, out, lambda v: limits.id_too_long(len(v)))


def _check_printable(out: pd.Series, col: Column, report: _Report) -> bool:
    text = pa.array(out)
    if not has_control_characters(text):
        return True
    bad = _mask(pc.match_substring_regex(text, CONTROL_CHARACTER))
    return report.check(col.name, bad, out, _with_control_character)


def has_control_characters(text: pa.Array | pa.ChunkedArray) -> bool:
    """Whether any string holds a C0 or C1 control character, from its UTF-8 bytes (one below
    0x20, 0x7F, or 0xC2 then 0x80-0x9F): a tenth of a regex's time on millions of ids."""
    if not pa.types.is_large_string(text.type):
        text = text.cast(pa.large_string())
    for chunk in text.chunks if isinstance(text, pa.ChunkedArray) else [text]:
        data = _utf8_bytes(chunk)
        if (data < 0x20).any() or (data == 0x7F).any():
            return True
        lead = np.flatnonzero(data[:-1] == 0xC2)
        if ((data[lead + 1] & 0xE0) == 0x80).any():
            return True
    return False


def _utf8_bytes(chunk: pa.LargeStringArray) -> np.ndarray:
    """The bytes of a large-string array's values (of its slice only, not its whole buffer)."""
    _, offsets, data = chunk.buffers()
    if len(chunk) == 0 or data is None:
        return np.empty(0, np.uint8)
    bounds = np.frombuffer(offsets, np.int64)[[chunk.offset, chunk.offset + len(chunk)]]
    start, end = int(bounds[0]), int(bounds[1])
    return np.frombuffer(data, np.uint8, count=end - start, offset=start)


def _with_control_character(value: str) -> str:
    index, char = next((i, c) for i, c in enumerate(value) if re.match(CONTROL_CHARACTER, c))
    return (
        f"{_show(value)} holds a control character (U+{ord(char):04X}, character {index + 1}); "
        "ids are printable text: a damaged or mis-split export?"
    )


def _to_choice(values: pd.Series, col: Column, report: _Report) -> pd.Series | None:
    allowed = {"label": LABELS, "kind": ENGAGEMENT_KINDS}[col.kind]
    out = _as_text(values)
    expected = f"expected one of: {', '.join(allowed)}"
    ok = report.check(col.name, out.isna(), out, lambda _: f"missing value; {expected}")
    ok &= report.check(
        col.name,
        out.notna() & ~out.isin(allowed),
        out,
        lambda v: f"{_show(v)} is not a valid {col.name}; {expected}",
    )
    return out if ok else None


def _to_count(values: pd.Series, col: Column, report: _Report) -> pd.Series | None:
    """Required non-negative integers -> int64; a nullable count with a missing value -> float64
    with NaN there."""
    if pd.api.types.is_signed_integer_dtype(values.dtype) and not values.hasnans:
        ok = report.check(col.name, values.lt(0), values, _negative)
        return values.astype("int64") if ok else None
    numbers = _as_numbers(values, col, report)
    if numbers is None:
        return None
    missing = numbers.isna()
    ok = col.nullable or report.check(
        col.name, missing, values, lambda _: f"missing value; every row needs {col.name}"
    )
    ok &= _check_whole_non_negative(numbers, values, col, report)
    if not ok:
        return None
    # A nullable count stays float64 with NaN where a value is missing (CONTRACT.md §1, likes).
    return numbers.astype("float64") if missing.any() else numbers.astype("int64")


def _to_int(values: pd.Series, col: Column, report: _Report) -> pd.Series | None:
    """Optional non-negative integers -> float64 with NaN for missing."""
    numbers = _as_numbers(values, col, report)
    if numbers is None:
        return None
    ok = _check_whole_non_negative(numbers, values, col, report)
    return numbers.astype("float64") if ok else None


def _to_bool(values: pd.Series, col: Column, report: _Report) -> pd.Series | None:
    """Optional booleans -> float64 1.0 / 0.0, NaN for missing."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return values.astype("float64")
    if pd.api.types.is_numeric_dtype(dtype):
        numbers = values.astype("float64")
        bad = numbers.notna() & ~numbers.isin((0.0, 1.0))
        ok = report.check(
            col.name, bad, values, lambda v: f"{_show(v)} is not a boolean; {_BOOL_HELP}"
        )
        return numbers if ok else None
    words = _as_text(values).str.strip().str.lower()
    is_true, is_false = words.isin(TRUE_WORDS).to_numpy(), words.isin(FALSE_WORDS).to_numpy()
    blank = (words.isna() | words.eq("")).to_numpy()
    bad = ~(is_true | is_false | blank)
    if not report.check(
        col.name, bad, values, lambda v: f"{_show(v)} is not a boolean; {_BOOL_HELP}"
    ):
        return None
    return pd.Series(np.where(is_true, 1.0, np.where(is_false, 0.0, np.nan)), index=values.index)


def _to_timestamp(values: pd.Series, col: Column, report: _Report) -> pd.Series | None:
    """Timestamps -> datetime64[ns, UTC]; naive ones are refused, since their zone is a guess."""
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        out = _in_ns_range(values.dt.tz_convert("UTC"), values, col, report)
    elif pd.api.types.is_datetime64_dtype(dtype):
        report.check(col.name, values.notna(), values, lambda v: f"{_naive(v)} (naive datetime)")
        return None
    elif pd.api.types.is_bool_dtype(dtype):
        report.check(col.name, values.notna(), values, lambda v: f"{_show(v)} is not a timestamp")
        return None
    elif pd.api.types.is_numeric_dtype(dtype):
        out = _from_unix_numbers(values, col, report)
    else:
        out = _from_text(values, col, report)
    if out is None or not _check_plausible(out, values, col, report):
        return None
    if col.required:
        missing = out.isna()
        if not report.check(col.name, missing, values, lambda _: "missing timestamp"):
            return None
    return out


def plausible_seconds() -> tuple[int, int]:
    """The unix seconds a timestamp may hold now: from ``EARLIEST`` to a day after now."""
    return int(EARLIEST.timestamp()), int(time.time()) + FUTURE_SLACK_SECONDS


def _check_plausible(out: pd.Series, values: pd.Series, col: Column, report: _Report) -> bool:
    """Timestamps no data of this kind can hold: before ``EARLIEST`` or after tomorrow."""
    low, high = plausible_seconds()
    ns = out.array.asi8
    present = ns != np.iinfo(np.int64).min  # NaT
    early = present & (ns < low * 10**9)
    late = present & (ns > high * 10**9)
    if not (early.any() or late.any()):
        return True
    rows = pd.Series(np.arange(len(out)))
    now = pd.Timestamp(high - FUTURE_SLACK_SECONDS, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%MZ")

    def too_early(row: int) -> str:
        return (
            f"{_instant(values.iloc[row], out.iloc[row])} is before 2005-01-01, older than any "
            "platform of this kind: a wrong year, unit or default date?"
        )

    def too_late(row: int) -> str:
        return (
            f"{_instant(values.iloc[row], out.iloc[row])} is more than a day after now ({now}): "
            "a wrong year or unit?"
        )

    return report.check(col.name, early, rows, too_early) & report.check(
        col.name, late, rows, too_late
    )


def _instant(raw: Any, stamp: pd.Timestamp) -> str:
    """A timestamp as it was given, with the instant it means when given as unix seconds."""
    seconds = isinstance(raw, int | float | np.number) and not isinstance(raw, bool)
    if seconds or (isinstance(raw, str) and re.fullmatch(_UNIX_SECONDS, raw.strip())):
        return f"{_show(raw)} ({stamp.isoformat()})"
    return _show(raw)


_CONVERTERS: dict[str, Callable[[pd.Series, Column, _Report], pd.Series | None]] = {
    "str": _to_str,
    "label": _to_choice,
    "kind": _to_choice,
    "count": _to_count,
    "int": _to_int,
    "bool": _to_bool,
    "timestamp": _to_timestamp,
}


# --- helpers ---------------------------------------------------------------------------------


def _as_text(values: pd.Series) -> pd.Series:
    """Values as pandas strings; whole floats (ids that went through a float column) lose ``.0``."""
    if pd.api.types.is_float_dtype(values.dtype):
        whole = values.isna() | (values % 1 == 0)
        if whole.all():
            return values.astype("Int64").astype(STR)
    return values.astype(STR)


def _as_numbers(values: pd.Series, col: Column, report: _Report) -> pd.Series | None:
    """float64 (or int64) numbers; text that is not a number, and booleans, are reported."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        report.check(col.name, values.notna(), values, lambda v: f"{_show(v)} is not a number")
        return None
    if pd.api.types.is_numeric_dtype(dtype):
        exact = pd.api.types.is_signed_integer_dtype(dtype) and not values.hasnans
        return values.astype("int64") if exact else values.astype("float64")
    text = _as_text(values).str.strip()
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = numbers.isna() & text.notna() & text.ne("")
    ok = report.check(col.name, bad, values, lambda v: f"{_show(v)} is not a number")
    return numbers if ok else None


def _check_whole_non_negative(
    numbers: pd.Series, values: pd.Series, col: Column, report: _Report
) -> bool:
    if pd.api.types.is_integer_dtype(numbers.dtype):
        return report.check(col.name, numbers.lt(0), values, _negative)
    arr = numbers.to_numpy()
    present = ~np.isnan(arr)
    finite = np.isfinite(arr)
    ok = report.check(col.name, present & ~finite, values, lambda v: f"{_show(v)} is not a count")
    too_big = finite & (np.abs(np.where(finite, arr, 0.0)) >= 2.0**63)
    ok &= report.check(col.name, too_big, values, lambda v: f"{_show(v)} is too large")
    fractional = finite & (np.mod(np.where(finite, arr, 0.0), 1.0) != 0.0)
    ok &= report.check(
        col.name,
        fractional,
        values,
        lambda v: f"{_show(v)} is not a whole number; counts are integers",
    )
    ok &= report.check(col.name, present & (arr < 0), values, _negative)
    return ok


def _negative(value: Any) -> str:
    return f"{_show(value)} is negative; counts must be >= 0"


def _from_unix_numbers(values: pd.Series, col: Column, report: _Report) -> pd.Series | None:
    """Whole unix seconds (int or float column) -> UTC timestamps."""
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    present = ~np.isnan(arr)
    if pd.api.types.is_float_dtype(values.dtype):
        fractional = present & ~(np.mod(np.where(present, arr, 0.0), 1.0) == 0.0)
        if not report.check(col.name, fractional, values, _not_whole_seconds):
            return None
    if not _unix_in_range(arr, present, values, col, report):
        return None
    return seconds_to_utc(values, present)


def _from_text(values: pd.Series, col: Column, report: _Report) -> pd.Series | None:
    """ISO-8601 strings with an offset, or digit strings of unix seconds -> UTC timestamps.

    Each value is first classified with Arrow regexes (cheap), and only then parsed: Arrow's own
    cast fails slowly on columns full of values it cannot read, so it only sees what should parse.
    """
    text = pc.utf8_trim_whitespace(pa.array(_as_text(values)))
    blank = _mask(pc.or_kleene(pc.is_null(text), pc.equal(pc.utf8_length(text), 0)))
    offset = _mask(pc.match_substring_regex(text, _OFFSET_SUFFIX)) & ~blank
    digits = np.zeros(len(text), dtype=bool)
    if not (offset | blank).all():
        digits = _mask(pc.match_substring_regex(text, f"^{_UNIX_SECONDS}$")) & ~blank
    other = ~(blank | digits | offset)
    if other.any():
        _report_unusable_text(text, other, values, col, report)
        return None
    ns = np.full(len(text), np.iinfo(np.int64).min, dtype=np.int64)  # NaT everywhere
    if offset.any():
        stamps = _parse_iso(text, offset, values, col, report)
        if stamps is None:
            return None
        ns[offset] = stamps
    if digits.any():
        seconds = _parse_digits(text, digits)
        if not _unix_in_range(seconds, digits, values, col, report):
            return None
        ns[digits] = seconds[digits].astype(np.int64) * 1_000_000_000
    return pd.Series(ns.view("datetime64[ns]"), index=values.index).dt.tz_localize("UTC")


def _mask(flags: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """An Arrow boolean result as a numpy mask, null meaning False."""
    return pc.fill_null(flags, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _parse_iso(
    text: pa.ChunkedArray, offset: np.ndarray, values: pd.Series, col: Column, report: _Report
) -> np.ndarray | None:
    """Nanoseconds since the epoch of the ``offset`` rows, or None after reporting a bad one.

    Arrow parses the usual forms ~10x faster than pandas; whatever it refuses (an impossible date,
    a year past 2262, a rarer ISO form) goes to pandas, which either parses it or names the row.
    """
    subset = text if offset.all() else text.filter(pa.array(offset))
    try:
        return pc.cast(subset, pa.timestamp("ns", tz="UTC")).cast(pa.int64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    strings = pd.Series(text.to_numpy(zero_copy_only=False), index=values.index).where(offset)
    parsed = pd.to_datetime(strings, format="ISO8601", utc=True, errors="coerce")
    if not report.check(col.name, offset & parsed.isna().to_numpy(), values, _unparseable):
        return None
    in_range = _in_ns_range(parsed, values, col, report)
    return None if in_range is None else in_range.array.asi8[offset]


def _parse_digits(text: pa.ChunkedArray, digits: np.ndarray) -> np.ndarray:
    """Unix seconds of the ``digits`` rows as float64 (NaN elsewhere); huge ones stay huge."""
    seconds = np.full(len(text), np.nan)
    subset = text.filter(pa.array(digits))
    try:
        seconds[digits] = pc.cast(subset, pa.int64()).to_numpy()
    except pa.ArrowInvalid:  # beyond int64: certainly out of range, which the caller reports
        seconds[digits] = pd.to_numeric(subset.to_pandas(), errors="coerce").to_numpy(float)
    return seconds


def _report_unusable_text(
    text: pa.ChunkedArray, other: np.ndarray, values: pd.Series, col: Column, report: _Report
) -> None:
    """Strings that are neither offset ISO-8601 nor unix seconds: naive (ambiguous) or garbage."""
    strings = pd.Series(text.to_numpy(zero_copy_only=False), index=values.index).where(other)
    parsed = pd.to_datetime(strings, format="ISO8601", utc=True, errors="coerce")
    naive = other & parsed.notna().to_numpy()
    report.check(col.name, naive, values, _naive)
    report.check(col.name, other & ~naive, values, _unparseable)


def _unparseable(value: Any) -> str:
    return f"cannot parse {_show(value)} as a timestamp; {_TIMESTAMP_HELP}"


def _not_whole_seconds(value: Any) -> str:
    return f"{_show(value)} is not whole unix seconds; {_TIMESTAMP_HELP}"


def _naive(value: Any) -> str:
    return (
        f"{_show(value)} has no UTC offset, so its time zone would be a guess; "
        "add one (+00:00 or Z) or use unix seconds"
    )


def _unix_in_range(
    seconds: np.ndarray, present: np.ndarray, values: pd.Series, col: Column, report: _Report
) -> bool:
    inside = (seconds >= _MIN_SECONDS) & (seconds <= _MAX_SECONDS)
    return report.check(
        col.name,
        present & ~inside,
        values,
        lambda v: f"{_show(v)} is out of range for unix seconds (milliseconds, perhaps?)",
    )


def seconds_to_utc(values: pd.Series, present: np.ndarray) -> pd.Series:
    seconds = values.to_numpy(dtype="float64", na_value=np.nan)
    ns = np.full(len(seconds), np.iinfo(np.int64).min, dtype=np.int64)
    ns[present] = seconds[present].astype(np.int64) * 1_000_000_000
    return pd.Series(ns.view("datetime64[ns]"), index=values.index).dt.tz_localize("UTC")


def _in_ns_range(
    stamps: pd.Series, values: pd.Series, col: Column, report: _Report
) -> pd.Series | None:
    """UTC timestamps in nanoseconds, after checking they fit (any unit may come in)."""
    lo, hi = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
    outside = stamps.notna() & ((stamps < lo) | (stamps > hi))
    if not report.check(col.name, outside, values, _out_of_range):
        return None
    return stamps.dt.as_unit("ns")


def _out_of_range(value: Any) -> str:
    return f"{_show(value)} is out of range (years 1678-2261 only)"


def _show(value: Any) -> str:
    """A value as a message shows it: strings quoted, whole floats without ``.0``, long ones cut."""
    if isinstance(value, float | np.floating) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)
