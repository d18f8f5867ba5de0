"""Request columns → validated columns: the typed fast path beside the rules it mirrors.

:func:`dataset_from_columns` is the one entry point for columns that a strict request schema has
already checked (arrays or lists per column, as the API decodes them). The shared validation
(``dataset_from_frames``) reads anything a file may hold (text, floats, mixed types) with several
pandas checks per column: a fixed cost of milliseconds per call, more than the features of one
creator cost. Schema-checked columns cannot fail most of those checks, so :func:`typed_dataset`
types them straight into the ``ColumnDataset`` the features read, with no DataFrame on the way,
and returns None whenever one of the shared rules might refuse the input or read it differently
(ISO timestamps, a blank id or one with a control character, a time before 2005 or after tomorrow,
an engagement before its post or a post after its snapshot, a repeated key, an unknown reference,
a number too large for exact float64). The shared validation then judges it and words every
error, so the API still refuses exactly what files are refused for. Tests assert both paths give
identical columns; a rule changed in ``validate.py`` must be mirrored here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creator_audit import limits
from creator_audit.dataset.columnar import Column, ColumnDataset, ColumnTable, columnar
from creator_audit.dataset.converters import has_control_characters
from creator_audit.dataset.timestamps import plausible_seconds
from creator_audit.dataset.types import Dataset, ReadTime
from creator_audit.dataset.validate import REFERENCES, TIME_ORDER, dataset_from_frames, out_of_order
from creator_audit.schema import ENGAGEMENT_KINDS, LABELS, TABLES
from creator_audit.schema import Column as SchemaColumn

__all__ = ["dataset_from_columns", "shared_validation", "typed_dataset"]

EXACT_FLOAT = 2**53  # integers beyond this change when stored as float64
CHOICES = {"label": pa.array(LABELS), "kind": pa.array(ENGAGEMENT_KINDS)}
Columns = dict[str, Any]
Tables = Mapping[str, tuple[Columns, int]]  # table name → (its columns, its row count)


def dataset_from_columns(tables: Tables, read_time: ReadTime | None = None) -> ColumnDataset:
    """The validated columns of ``tables``: typed directly when no rule can refuse them, else
    through the full validation, which raises ``DatasetError`` naming every problem.
    ``read_time``: when they were read (a request: when it arrived)."""
    fast = typed_dataset(tables)
    dataset = fast if fast is not None else columnar(shared_validation(tables))
    return replace(dataset, read_time=read_time)


def shared_validation(tables: Tables) -> Dataset:
    """``tables`` through ``dataset_from_frames``, the validation files go through."""
    raw = {
        name: pd.DataFrame(_python_values(c), index=pd.RangeIndex(rows))
        for name, (c, rows) in tables.items()
    }
    return dataset_from_frames(raw)


def _python_values(columns: Columns) -> Columns:
    """Arrow text columns as the Python strings the shared validation reads from any input."""
    return {k: v.to_pylist() if isinstance(v, pa.Array) else v for k, v in columns.items()}


def typed_dataset(tables: Tables) -> ColumnDataset | None:
    """The columns for ``{table: (columns, rows)}`` (arrays or lists from a parsed request), or
    None if the shared validation must judge them."""
    typed: dict[str, ColumnTable] = {}
    for name, (columns, rows) in tables.items():
        table = _typed_table(name, columns, rows)
        if table is None:
            return None
        typed[name] = table
    if "creators" not in typed or "posts" not in typed or "labels" in typed:
        return None
    dataset = ColumnDataset(**typed)
    return dataset if _references_known(dataset) and _times_in_order(dataset) else None


def _typed_table(name: str, columns: Columns, rows: int) -> ColumnTable | None:
    table = TABLES[name]
    if set(columns) - set(table.column_names) or set(table.required_columns) - set(columns):
        return None  # extra columns are kept as they came; missing ones are named
    out: dict[str, Column] = {}
    for col in table.columns:
        values = columns.get(col.name)
        typed = _all_missing(col.kind, rows) if values is None else _typed_column(values, col)
        if typed is None:
            return None
        out[col.name] = typed
    return ColumnTable(out, rows) if _keys_unique(out, table.unique, rows) else None


def _all_missing(kind: str, rows: int) -> Column:
    """An optional column the request leaves out: missing in every row, as files get it."""
    if kind in ("str", "label", "kind"):
        return pa.nulls(rows, pa.large_string())
    return np.full(rows, np.nan)


def _typed_column(values: Any, col: SchemaColumn) -> Column | None:
    if col.kind in ("str", "label", "kind"):
        return _text(values, col)
    if col.kind == "count":
        return _count(values)
    if col.kind == "int":
        return _optional_int(values)
    if col.kind == "bool":
        return values.astype(np.float64) if isinstance(values, np.ndarray) else None
    if col.kind == "timestamp":
        return _timestamp(values)
    return None


def _text(values: Any, col: SchemaColumn) -> pa.Array | None:
    if isinstance(values, np.ndarray):
        return None
    if isinstance(values, pa.Array) and values.type == pa.large_string():
        text = values
    else:
        try:
            text = pa.array(values, type=pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None  # not all strings: the shared path reads them
    if col.required and (text.null_count or _any_blank(text)):
        return None  # a missing or blank id: the shared path names it
    if limits.is_id(col.name) and has_control_characters(text):
        return None
    if col.kind in CHOICES and not pc.all(pc.is_in(text, value_set=CHOICES[col.kind])).as_py():
        return None
    return text


def _any_blank(text: pa.Array) -> bool:
    """The shared validation's rule for ids (pandas' ``str.strip`` on Arrow strings is this)."""
    return bool(pc.any(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(text)), 0)).as_py())


def _count(values: Any) -> np.ndarray | None:
    if not isinstance(values, np.ndarray) or values.dtype != np.int64 or (values < 0).any():
        return None
    return values


def _optional_int(values: Any) -> np.ndarray | None:
    if isinstance(values, np.ndarray):
        values = values.tolist()
    numbers = [np.nan if v is None else v for v in values]
    if any(type(v) is not int and v is not np.nan for v in numbers):
        return None
    array = np.array(numbers, dtype=np.float64)
    if (array < 0).any() or (np.abs(np.nan_to_num(array)) >= EXACT_FLOAT).any():
        return None
    return array


def _timestamp(values: Any) -> np.ndarray | None:
    """Unix seconds only (ISO strings go to the shared parser), all present, plausible
    (``timestamps.plausible_seconds``); float64 seconds, as ``columnar`` gives a file's
    timestamps."""
    if not isinstance(values, np.ndarray) or values.dtype != np.int64:
        return None
    low, high = plausible_seconds()
    if values.size and (values.min() < low or values.max() > high):
        return None
    return values.astype(np.float64)


def _keys_unique(columns: Mapping[str, Column], keys: tuple[str, ...], rows: int) -> bool:
    if not keys or rows < 2:
        return True
    if len(keys) == 1:
        return pc.count_distinct(columns[keys[0]], mode="all").as_py() == rows
    # Sorted key codes instead of an Arrow group-by, whose engine costs ~2 ms to start per call.
    codes = [_key_codes(columns[k]) for k in keys]
    ordered = [c[np.lexsort(codes[::-1])] for c in codes]
    repeated = np.ones(rows - 1, dtype=bool)
    for column in ordered:
        repeated &= column[1:] == column[:-1]
    return not repeated.any()


def _key_codes(values: Column) -> np.ndarray:
    """Equal codes for equal key values: text (null included) by dictionary, numbers as they are
    (typed timestamps are never NaN)."""
    if isinstance(values, pa.Array):
        encoded = pc.dictionary_encode(values, null_encoding="encode")
        return encoded.indices.to_numpy(zero_copy_only=False)
    return np.asarray(values)


def _references_known(ds: ColumnDataset) -> bool:
    """Every row points at a creator or post the dataset has (``validate.REFERENCES``)."""
    for child_name, column, parent_name in REFERENCES:
        child, parent = getattr(ds, child_name, None), getattr(ds, parent_name, None)
        if child is None or parent is None or len(child) == 0:
            continue
        known = pc.is_in(child.text(column), value_set=parent.text(column))
        if not pc.all(known).as_py():
            return False
    return True


def _times_in_order(ds: ColumnDataset) -> bool:
    """No row breaks a rule of ``validate.TIME_ORDER`` (an engagement before its post...)."""
    for rule in TIME_ORDER:
        child, parent = getattr(ds, rule.table, None), getattr(ds, rule.parent, None)
        if child is None or parent is None or len(child) == 0:
            continue
        bad, _ = out_of_order(
            rule,
            child.text(rule.key),
            child.floats(rule.column),
            parent.text(rule.key),
            parent.floats(rule.parent_column),
        )
        if bad.any():
            return False
    return True
