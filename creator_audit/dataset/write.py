"""Write a Dataset to a directory: one file per table, atomically as a whole."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from creator_audit.atomic import atomic_directory, atomic_path
from creator_audit.dataset.types import Dataset
from creator_audit.schema import TABLES

FORMATS = ("parquet", "csv")
_DATASET_ENTRIES = frozenset([*TABLES, *(f"{table}.{fmt}" for table in TABLES for fmt in FORMATS)])


def is_dataset_entry(name: str) -> bool:
    """What a dataset directory holds (a file per table, or a folder of parts): how a directory
    whose marker predates the listing of its entries is judged (``atomic.atomic_directory``)."""
    return name in _DATASET_ENTRIES


def write_table(
    frame: pd.DataFrame, path: str | os.PathLike[str], table: str | None = None
) -> None:
    """Write one frame to ``path`` (``.csv`` or ``.parquet`` by extension), atomically; a frame
    of contract ``table`` gets its file types (:func:`file_types`)."""
    path = Path(path)
    if table is not None:
        frame = file_types(frame, table)
    with atomic_path(path) as tmp:
        _write_frame(frame, tmp, path.suffix.lstrip("."))


def file_types(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Optional integer and flag columns, and a nullable count with a missing value (likes), as
    nullable integers and booleans, as the contract means them: validation holds them as float64
    (NaN for missing), which a reader of the file would see as ``74.0`` and ``1.0``. Reading the
    file back gives the same dataset."""
    kinds = {c.name: "int" if c.nullable else c.kind for c in TABLES[table].columns}
    nullable = {"int": "Int64", "bool": "boolean"}
    casts = {
        name: nullable[kinds[name]]
        for name in frame.columns
        if kinds.get(name) in nullable and pd.api.types.is_float_dtype(frame[name].dtype)
    }
    return frame.astype(casts) if casts else frame


def write_dataset(
    dataset: Dataset, out_dir: str | os.PathLike[str], fmt: str = "parquet", force: bool = False
) -> Path:
    """Write every present table as ``<table>.<fmt>`` into ``out_dir``, replacing it atomically.

    A non-empty ``out_dir`` holding anything this project did not write there (a folder without
    the marker, even of tables, or a file added to one with it) is refused unless ``force``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    with atomic_directory(out_dir, force, is_dataset_entry) as tmp:
        for name, frame in dataset.tables().items():
            _write_frame(file_types(frame, name), tmp / f"{name}.{fmt}", fmt)
    return out_dir


def _write_frame(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        # Fixed writer options so that the same frame always gives the same bytes.
        frame.to_parquet(path, index=False, engine="pyarrow", compression="zstd")
    elif fmt == "csv":
        out = frame.copy()
        for col in out.columns:
            if isinstance(out[col].dtype, pd.DatetimeTZDtype):
                out[col] = _iso_utc(out[col])
        out.to_csv(path, index=False)
    else:
        raise ValueError(f"cannot write {path}: unknown extension {fmt!r}; use .csv or .parquet")


def _iso_utc(values: pd.Series) -> pd.Series:
    """ISO-8601 in UTC with an explicit offset; sub-second digits only where some value has them."""
    utc = values.dt.tz_convert("UTC")
    fractional = (utc.dt.microsecond.fillna(0) != 0) | (utc.dt.nanosecond.fillna(0) != 0)
    pattern = "%Y-%m-%dT%H:%M:%S.%f+00:00" if fractional.any() else "%Y-%m-%dT%H:%M:%S+00:00"
    return utc.dt.strftime(pattern)
