"""Raw columns to canonical ones (``schema.py``'s kinds): ids and text, the closed choices,
counts, optional integers and flags. Each converter reports the first bad row of a rule it finds
broken and how many more rows break it; timestamps are ``timestamps.py``'s."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creator_audit import limits
from creator_audit.dataset.errors import Report
from creator_audit.schema import ENGAGEMENT_KINDS, LABELS, Column

STR = pd.StringDtype(na_value=np.nan)


TRUE_WORDS = ("true", "1", "yes", "1.0")


FALSE_WORDS = ("false", "0", "no", "0.0")


# Ids are printable: a C0 or C1 control character (NUL, tab, line breaks, DEL...) in one is a
# damaged or mis-split export, and would be echoed into every file and answer that names it.
CONTROL_CHARACTER = r"[\x00-\x1f\x7f-\x9f]"


_BOOL_HELP = "use true/false, 1/0 or yes/no"


def to_str(values: pd.Series, col: Column, report: Report) -> pd.Series | None:
    """Ids and text as pandas strings; a required string (an id) must be present and non-blank, and
    no id may be longer than ``limits.MAX_ID_CHARS``."""
    out = as_text(values)
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
        lambda v: f"{show(v)} is empty; ids must be non-empty",
    )
    return out if ok else None


def _check_id_length(out: pd.Series, col: Column, report: Report) -> bool:
    text = pa.array(out)
    longest = pc.max(pc.binary_length(text)).as_py()  # bytes >= characters, and 10x cheaper
    if longest is None or longest <= limits.max_id_chars():
        return True
    too_long = flag_mask(pc.greater(pc.utf8_length(text), limits.max_id_chars()))
    return report.check(col.name, too_long, out, lambda v: limits.id_too_long(len(v)))


def _check_printable(out: pd.Series, col: Column, report: Report) -> bool:
    text = pa.array(out)
    if not has_control_characters(text):
        return True
    bad = flag_mask(pc.match_substring_regex(text, CONTROL_CHARACTER))
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
        f"{show(value)} holds a control character (U+{ord(char):04X}, character {index + 1}); "
        "ids are printable text: a damaged or mis-split export?"
    )


def to_choice(values: pd.Series, col: Column, report: Report) -> pd.Series | None:
    allowed = {"label": LABELS, "kind": ENGAGEMENT_KINDS}[col.kind]
    out = as_text(values)
    expected = f"expected one of: {', '.join(allowed)}"
    ok = report.check(col.name, out.isna(), out, lambda _: f"missing value; {expected}")
    ok &= report.check(
        col.name,
        out.notna() & ~out.isin(allowed),
        out,
        lambda v: f"{show(v)} is not a valid {col.name}; {expected}",
    )
    return out if ok else None


def to_count(values: pd.Series, col: Column, report: Report) -> pd.Series | None:
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


def to_int(values: pd.Series, col: Column, report: Report) -> pd.Series | None:
    """Optional non-negative integers -> float64 with NaN for missing."""
    numbers = _as_numbers(values, col, report)
    if numbers is None:
        return None
    ok = _check_whole_non_negative(numbers, values, col, report)
    return numbers.astype("float64") if ok else None


def to_bool(values: pd.Series, col: Column, report: Report) -> pd.Series | None:
    """Optional booleans -> float64 1.0 / 0.0, NaN for missing."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return values.astype("float64")
    if pd.api.types.is_numeric_dtype(dtype):
        numbers = values.astype("float64")
        bad = numbers.notna() & ~numbers.isin((0.0, 1.0))
        ok = report.check(
            col.name, bad, values, lambda v: f"{show(v)} is not a boolean; {_BOOL_HELP}"
        )
        return numbers if ok else None
    words = as_text(values).str.strip().str.lower()
    is_true, is_false = words.isin(TRUE_WORDS).to_numpy(), words.isin(FALSE_WORDS).to_numpy()
    blank = (words.isna() | words.eq("")).to_numpy()
    bad = ~(is_true | is_false | blank)
    if not report.check(
        col.name, bad, values, lambda v: f"{show(v)} is not a boolean; {_BOOL_HELP}"
    ):
        return None
    return pd.Series(np.where(is_true, 1.0, np.where(is_false, 0.0, np.nan)), index=values.index)


def as_text(values: pd.Series) -> pd.Series:
    """Values as pandas strings; whole floats (ids that went through a float column) lose ``.0``."""
    if pd.api.types.is_float_dtype(values.dtype):
        whole = values.isna() | (values % 1 == 0)
        if whole.all():
            return values.astype("Int64").astype(STR)
    return values.astype(STR)


def _as_numbers(values: pd.Series, col: Column, report: Report) -> pd.Series | None:
    """float64 (or int64) numbers; text that is not a number, and booleans, are reported."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        report.check(col.name, values.notna(), values, lambda v: f"{show(v)} is not a number")
        return None
    if pd.api.types.is_numeric_dtype(dtype):
        exact = pd.api.types.is_signed_integer_dtype(dtype) and not values.hasnans
        return values.astype("int64") if exact else values.astype("float64")
    text = as_text(values).str.strip()
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = numbers.isna() & text.notna() & text.ne("")
    ok = report.check(col.name, bad, values, lambda v: f"{show(v)} is not a number")
    return numbers if ok else None


def _check_whole_non_negative(
    numbers: pd.Series, values: pd.Series, col: Column, report: Report
) -> bool:
    if pd.api.types.is_integer_dtype(numbers.dtype):
        return report.check(col.name, numbers.lt(0), values, _negative)
    arr = numbers.to_numpy()
    present = ~np.isnan(arr)
    finite = np.isfinite(arr)
    ok = report.check(col.name, present & ~finite, values, lambda v: f"{show(v)} is not a count")
    too_big = finite & (np.abs(np.where(finite, arr, 0.0)) >= 2.0**63)
    ok &= report.check(col.name, too_big, values, lambda v: f"{show(v)} is too large")
    fractional = finite & (np.mod(np.where(finite, arr, 0.0), 1.0) != 0.0)
    ok &= report.check(
        col.name,
        fractional,
        values,
        lambda v: f"{show(v)} is not a whole number; counts are integers",
    )
    ok &= report.check(col.name, present & (arr < 0), values, _negative)
    return ok


def _negative(value: Any) -> str:
    return f"{show(value)} is negative; counts must be >= 0"


def show(value: Any) -> str:
    """A value as a message shows it: strings quoted, whole floats without ``.0``, long ones cut."""
    if isinstance(value, float | np.floating) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def flag_mask(flags: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """An Arrow boolean result as a numpy mask, null meaning False."""
    return pc.fill_null(flags, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)
