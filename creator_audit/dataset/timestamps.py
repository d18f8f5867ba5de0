"""Timestamps as the dataset rules read them: ISO-8601 with an offset or unix seconds, within
what datetime64[ns] holds and what this data can plausibly be (not before 2005, not more than a
day after now). Files and requests go through the same code (``validate.py``)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creator_audit.dataset.converters import as_text, flag_mask, show
from creator_audit.dataset.errors import Report
from creator_audit.schema import Column

UTC_NS = pd.DatetimeTZDtype(unit="ns", tz="UTC")


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


_TIMESTAMP_HELP = "use ISO-8601 with an offset (2026-05-01T14:03:00+02:00 or ...Z) or unix seconds"


def to_timestamp(values: pd.Series, col: Column, report: Report) -> pd.Series | None:
    """Timestamps -> datetime64[ns, UTC]; naive ones are refused, since their zone is a guess."""
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        out = _in_ns_range(values.dt.tz_convert("UTC"), values, col, report)
    elif pd.api.types.is_datetime64_dtype(dtype):
        report.check(col.name, values.notna(), values, lambda v: f"{_naive(v)} (naive datetime)")
        return None
    elif pd.api.types.is_bool_dtype(dtype):
        report.check(col.name, values.notna(), values, lambda v: f"{show(v)} is not a timestamp")
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


def _check_plausible(out: pd.Series, values: pd.Series, col: Column, report: Report) -> bool:
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
        return f"{show(raw)} ({stamp.isoformat()})"
    return show(raw)


def _from_unix_numbers(values: pd.Series, col: Column, report: Report) -> pd.Series | None:
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


def _from_text(values: pd.Series, col: Column, report: Report) -> pd.Series | None:
    """ISO-8601 strings with an offset, or digit strings of unix seconds -> UTC timestamps.

    Each value is first classified with Arrow regexes (cheap), and only then parsed: Arrow's own
    cast fails slowly on columns full of values it cannot read, so it only sees what should parse.
    """
    text = pc.utf8_trim_whitespace(pa.array(as_text(values)))
    blank = flag_mask(pc.or_kleene(pc.is_null(text), pc.equal(pc.utf8_length(text), 0)))
    offset = flag_mask(pc.match_substring_regex(text, _OFFSET_SUFFIX)) & ~blank
    digits = np.zeros(len(text), dtype=bool)
    if not (offset | blank).all():
        digits = flag_mask(pc.match_substring_regex(text, f"^{_UNIX_SECONDS}$")) & ~blank
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


def _parse_iso(
    text: pa.ChunkedArray, offset: np.ndarray, values: pd.Series, col: Column, report: Report
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
    text: pa.ChunkedArray, other: np.ndarray, values: pd.Series, col: Column, report: Report
) -> None:
    """Strings that are neither offset ISO-8601 nor unix seconds: naive (ambiguous) or garbage."""
    strings = pd.Series(text.to_numpy(zero_copy_only=False), index=values.index).where(other)
    parsed = pd.to_datetime(strings, format="ISO8601", utc=True, errors="coerce")
    naive = other & parsed.notna().to_numpy()
    report.check(col.name, naive, values, _naive)
    report.check(col.name, other & ~naive, values, _unparseable)


def _unparseable(value: Any) -> str:
    return f"cannot parse {show(value)} as a timestamp; {_TIMESTAMP_HELP}"


def _not_whole_seconds(value: Any) -> str:
    return f"{show(value)} is not whole unix seconds; {_TIMESTAMP_HELP}"


def _naive(value: Any) -> str:
    return (
        f"{show(value)} has no UTC offset, so its time zone would be a guess; "
        "add one (+00:00 or Z) or use unix seconds"
    )


def _unix_in_range(
    seconds: np.ndarray, present: np.ndarray, values: pd.Series, col: Column, report: Report
) -> bool:
    inside = (seconds >= _MIN_SECONDS) & (seconds <= _MAX_SECONDS)
    return report.check(
        col.name,
        present & ~inside,
        values,
        lambda v: f"{show(v)} is out of range for unix seconds (milliseconds, perhaps?)",
    )


def seconds_to_utc(values: pd.Series, present: np.ndarray) -> pd.Series:
    seconds = values.to_numpy(dtype="float64", na_value=np.nan)
    ns = np.full(len(seconds), np.iinfo(np.int64).min, dtype=np.int64)
    ns[present] = seconds[present].astype(np.int64) * 1_000_000_000
    return pd.Series(ns.view("datetime64[ns]"), index=values.index).dt.tz_localize("UTC")


def _in_ns_range(
    stamps: pd.Series, values: pd.Series, col: Column, report: Report
) -> pd.Series | None:
    """UTC timestamps in nanoseconds, after checking they fit (any unit may come in)."""
    lo, hi = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
    outside = stamps.notna() & ((stamps < lo) | (stamps > hi))
    if not report.check(col.name, outside, values, _out_of_range):
        return None
    return stamps.dt.as_unit("ns")


def _out_of_range(value: Any) -> str:
    return f"{show(value)} is out of range (years 1678-2261 only)"


def iso_utc(seconds: float) -> str:
    """Unix seconds as ISO-8601 in UTC ("2026-05-20T00:00:00Z"; milliseconds when it has any)."""
    whole = abs(seconds - round(seconds)) < 5e-4
    at = datetime.fromtimestamp(round(seconds) if whole else seconds, UTC)
    return at.isoformat(timespec="seconds" if whole else "milliseconds").replace("+00:00", "Z")
