"""Request columns → a validated ``Dataset``: the typed fast path beside the rules it mirrors.

:func:`dataset_from_columns` is the one entry point for columns that a strict request schema has
already checked (arrays or lists per column, as the API decodes them). The shared validation
(``dataset_from_frames``) reads anything a file may hold (text, floats, mixed types) with several
pandas checks per column: ~13 ms of fixed cost per call, the largest part of scoring one creator.
Schema-checked columns cannot fail most of those checks, so :func:`typed_dataset` builds the very
Dataset the shared validation would return, and returns None whenever one of its rules might
refuse the input or read it differently (ISO timestamps, a blank id, a repeated key, an unknown
reference, a number too large for exact float64). The full validation then judges it and words
every error, so the API still refuses exactly what files are refused for. Tests assert both paths
give identical tables; a rule changed in ``validate.py`` must be mirrored here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creator_audit.dataset.types import Dataset
from creator_audit.dataset.validate import (
    STR,
    UNIX_SECONDS_RANGE,
    all_missing,
    check_references,
    dataset_from_frames,
    seconds_to_utc,
)
from creator_audit.schema import ENGAGEMENT_KINDS, LABELS, TABLES, Column

__all__ = ["dataset_from_columns", "shared_validation", "typed_dataset"]

EXACT_FLOAT = 2**53  # integers beyond this change when stored as float64
CHOICES = {"label": set(LABELS), "kind": set(ENGAGEMENT_KINDS)}
Columns = dict[str, Any]
Tables = Mapping[str, tuple[Columns, int]]  # table name → (its columns, its row count)


def dataset_from_columns(tables: Tables) -> Dataset:
    """The validated Dataset of ``tables``: typed directly when no rule can refuse them, else
    through the full validation, which raises ``DatasetError`` naming every problem."""
    fast = typed_dataset(tables)
    return fast if fast is not None else shared_validation(tables)


def shared_validation(tables: Tables) -> Dataset:
    """``tables`` through ``dataset_from_frames``, the validation files go through."""
    raw = {name: pd.DataFrame(c, index=pd.RangeIndex(rows)) for name, (c, rows) in tables.items()}
    return dataset_from_frames(raw)


def typed_dataset(tables: Tables) -> Dataset | None:
    """The Dataset for ``{table: (columns, rows)}`` (arrays or lists from a parsed request), or
    None if the shared validation must judge it."""
    frames: dict[str, pd.DataFrame] = {}
    for name, (columns, rows) in tables.items():
        frame = _typed_table(name, columns, rows)
        if frame is None:
            return None
        frames[name] = frame
    if "creators" not in frames or "posts" not in frames:
        return None
    dataset = Dataset(**frames)
    return None if check_references(dataset, {}) else dataset


def _typed_table(name: str, columns: Columns, rows: int) -> pd.DataFrame | None:
    table = TABLES[name]
    if set(columns) - set(table.column_names) or set(table.required_columns) - set(columns):
        return None  # extra columns are kept as they came; missing ones are named
    out: dict[str, pd.Series] = {}
    for col in table.columns:
        values = columns.get(col.name)
        typed = all_missing(col.kind, rows) if values is None else _typed_column(values, col)
        if typed is None:
            return None
        out[col.name] = typed
    frame = pd.DataFrame(out, index=pd.RangeIndex(rows))
    return frame if _keys_unique(frame, table.unique) else None


def _typed_column(values: Any, col: Column) -> pd.Series | None:
    if col.kind in ("str", "label", "kind"):
        return _text(values, col)
    if col.kind == "count":
        return _count(values)
    if col.kind == "int":
        return _optional_int(values)
    if col.kind == "bool":
        return pd.Series(values, dtype="float64") if isinstance(values, np.ndarray) else None
    if col.kind == "timestamp":
        return _timestamp(values)
    return None


def _text(values: Any, col: Column) -> pd.Series | None:
    if isinstance(values, np.ndarray):
        return None
    try:
        text = pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # not all strings: the shared path reads them
    if col.required and (text.null_count or _any_blank(text)):
        return None  # a missing or blank id: the shared path names it
    if col.kind in CHOICES and not CHOICES[col.kind].issuperset(values):
        return None
    return pd.Series(text, dtype=STR)  # from the Arrow array: no second pass over the strings


def _any_blank(text: pa.Array) -> bool:
    """The shared validation's rule for ids (pandas' ``str.strip`` on Arrow strings is this)."""
    return bool(pc.any(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(text)), 0)).as_py())


def _count(values: Any) -> pd.Series | None:
    if not isinstance(values, np.ndarray) or values.dtype != np.int64 or (values < 0).any():
        return None
    return pd.Series(values, dtype="int64")


def _optional_int(values: Any) -> pd.Series | None:
    if isinstance(values, np.ndarray):
        values = values.tolist()
    numbers = [np.nan if v is None else v for v in values]
    if any(type(v) is not int and v is not np.nan for v in numbers):
        return None
    array = np.array(numbers, dtype=np.float64)
    if (array < 0).any() or (np.abs(np.nan_to_num(array)) >= EXACT_FLOAT).any():
        return None
    return pd.Series(array, dtype="float64")


def _timestamp(values: Any) -> pd.Series | None:
    """Unix seconds only (ISO strings go to the shared parser), all present, within range."""
    if not isinstance(values, np.ndarray) or values.dtype != np.int64:
        return None
    low, high = UNIX_SECONDS_RANGE
    if values.size and (values.min() < low or values.max() > high):
        return None
    return seconds_to_utc(pd.Series(values), np.ones(values.size, dtype=bool))


def _keys_unique(frame: pd.DataFrame, keys: tuple[str, ...]) -> bool:
    if not keys:
        return True
    rows = zip(*(frame[k].tolist() for k in keys), strict=True)
    return len(set(rows)) == len(frame)
