"""Tables as flat columns: what the feature kernels read, from files and requests alike.

A :class:`ColumnTable` is one contract table as arrays, typed by column kind
(``creator_audit.schema``): text as Arrow string arrays (null when missing), counts as int64,
optional integers and flags as float64 (NaN when missing), timestamps as float64 unix seconds (NaN
when missing). A typed pandas ``Dataset`` becomes a :class:`ColumnDataset` with :func:`columnar`
(batch scoring, training); a request's schema-checked columns become one directly
(``columns.dataset_from_columns``), with no DataFrame built on the way. Either way the features are
computed from the same arrays by the same code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from creator_audit.dataset.types import AsOf, Dataset, ReadTime, epoch_seconds
from creator_audit.schema import TABLES

Column = np.ndarray | pa.Array


@dataclass(frozen=True)
class ColumnTable:
    """One table's columns, every one ``rows`` long."""

    columns: Mapping[str, Column]
    rows: int

    def __len__(self) -> int:
        return self.rows

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def floats(self, name: str) -> np.ndarray:
        """A numeric column as float64; all NaN when the table lacks it (missing, not invented)."""
        values = self.columns.get(name)
        if values is None:
            return np.full(self.rows, np.nan)
        if isinstance(values, pa.Array):
            return values.to_numpy(zero_copy_only=False).astype(np.float64)
        return np.asarray(values, dtype=np.float64)

    def text(self, name: str) -> pa.Array:
        """A text column as one Arrow large-string array (null where missing, or everywhere when
        the table lacks it)."""
        values = self.columns.get(name)
        if values is None:
            return pa.nulls(self.rows, pa.large_string())
        return text_array(values)

    def take(self, rows: np.ndarray) -> ColumnTable:
        """The rows at positions ``rows``, in that order."""
        taken = {
            name: values.take(pa.array(rows)) if isinstance(values, pa.Array) else values[rows]
            for name, values in self.columns.items()
        }
        return ColumnTable(taken, len(rows))


@dataclass(frozen=True)
class ColumnDataset:
    """A validated dataset as columns. ``creators`` and ``posts`` are always present;
    ``read_time`` and ``as_of`` as in ``Dataset``."""

    creators: ColumnTable
    posts: ColumnTable
    engagements: ColumnTable | None = None
    follower_counts: ColumnTable | None = None
    follower_samples: ColumnTable | None = None
    read_time: ReadTime | None = None
    as_of: AsOf | None = None


FEATURE_TABLES = ("creators", "posts", "engagements", "follower_counts", "follower_samples")


def text_array(values: Any) -> pa.Array:
    """Strings as one contiguous Arrow large-string array; nulls where missing."""
    if isinstance(values, pd.Series):
        values = pa.array(values.astype("str"), from_pandas=True)
    elif not isinstance(values, pa.Array | pa.ChunkedArray):
        values = pa.array(values, type=pa.large_string(), from_pandas=True)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values if values.type == pa.large_string() else values.cast(pa.large_string())


def columnar(ds: Dataset | ColumnDataset) -> ColumnDataset:
    """The columns of a typed Dataset (a ColumnDataset is returned as it is). Labels are not
    features' input and are left out."""
    if isinstance(ds, ColumnDataset):
        return ds
    tables = {}
    for name in FEATURE_TABLES:
        frame = getattr(ds, name)
        tables[name] = None if frame is None else table_columns(name, frame)
    return ColumnDataset(**tables, read_time=ds.read_time, as_of=ds.as_of)


def table_columns(table: str, frame: pd.DataFrame) -> ColumnTable:
    """A typed frame of contract table ``table`` as columns. Extra columns the contract does not
    name are kept when numeric (as float64) or text, so the features that use them still can."""
    kinds = {c.name: c.kind for c in TABLES[table].columns}
    columns: dict[str, Column] = {}
    for name in frame.columns:
        converted = _column(frame[name], kinds.get(str(name)))
        if converted is not None:
            columns[str(name)] = converted
    return ColumnTable(columns, len(frame))


def _column(values: pd.Series, kind: str | None) -> Column | None:
    if kind == "timestamp" or isinstance(values.dtype, pd.DatetimeTZDtype):
        return epoch_seconds(values)
    if kind == "count" and not pd.api.types.is_float_dtype(values.dtype):
        return values.to_numpy(dtype=np.int64)
    if kind == "count":  # a nullable count (likes) with a missing value: NaN there
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    if kind in ("int", "bool") or pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    if kind is not None or pd.api.types.is_string_dtype(values.dtype):
        return text_array(values)
    return None
