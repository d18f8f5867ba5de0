"""The price file of ``creator-audit shortlist --prices``: what each creator asks for a post.

A CSV (or Parquet) file with ``creator_id`` and ``price`` and optionally ``currency``. Every
problem is found before anything is scored or written, and named by file, line and column as the
dataset's problems are (``creator_audit.dataset.errors``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from creator_audit.dataset.errors import DatasetError, Problem

REQUIRED = ("creator_id", "price")
CURRENCY = "currency"


def read_prices(path: Path) -> pd.DataFrame:
    """``creator_id`` (str), ``price`` (float ≥ 0) and ``currency`` (str, or None where not
    given), one row per creator; a DatasetError naming the first problem found."""
    if path.suffix not in (".csv", ".parquet"):
        raise ValueError(f"{path}: the price file must be .csv or .parquet")
    raw = pd.read_csv(path, dtype=str) if path.suffix == ".csv" else pd.read_parquet(path)
    file = str(path)
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        columns = ", ".join(map(str, raw.columns)) or "none"
        raise DatasetError(
            [
                Problem(
                    file, None, None, f"has no {' or '.join(missing)} column (columns: {columns})"
                )
            ]
        )
    if raw.empty:
        raise DatasetError([Problem(file, None, None, "holds no prices")])
    prices = pd.DataFrame(
        {
            "creator_id": _ids(raw, file),
            "price": _amounts(raw, file),
            "currency": _currencies(raw),
        }
    )
    return prices


def _ids(raw: pd.DataFrame, file: str) -> pd.Series:
    ids = raw["creator_id"].astype("string").str.strip()
    problems = [
        Problem(file, row + 1, "creator_id", "is empty") for row in np.flatnonzero(_blank(ids))
    ]
    repeated = ids.duplicated(keep="first") & ~_blank(ids)
    problems += [
        Problem(file, row + 1, "creator_id", f"{ids.iloc[row]} is priced twice")
        for row in np.flatnonzero(repeated)
    ]
    _raise_if(problems)
    return ids.astype(str)


def _amounts(raw: pd.DataFrame, file: str) -> pd.Series:
    text = raw["price"].astype("string").str.strip()
    amounts = pd.to_numeric(text, errors="coerce").astype(np.float64)
    problems = []
    for row in range(len(raw)):
        value, shown = amounts.iloc[row], text.iloc[row]
        if pd.isna(shown) or shown == "":
            problems.append(Problem(file, row + 1, "price", "is empty"))
        elif not np.isfinite(value):
            problems.append(Problem(file, row + 1, "price", f"{shown!r} is not a number"))
        elif value < 0:
            problems.append(Problem(file, row + 1, "price", f"{shown} is negative"))
    _raise_if(problems)
    return amounts


def _currencies(raw: pd.DataFrame) -> pd.Series:
    if CURRENCY not in raw.columns:
        return pd.Series([None] * len(raw), dtype=object)
    codes = raw[CURRENCY].astype("string").str.strip().str.upper()
    return codes.astype(object).where(~_blank(codes), None)


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values == "")


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise DatasetError(problems)
