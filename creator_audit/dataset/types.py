"""The in-memory dataset: one typed DataFrame per contract table."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd


@dataclass
class Dataset:
    """A creator dataset. ``creators`` and ``posts`` are always present; the rest may be None.

    Frames hold the canonical dtypes described in ``creator_audit.schema``.
    """

    creators: pd.DataFrame
    posts: pd.DataFrame
    engagements: pd.DataFrame | None = None
    follower_counts: pd.DataFrame | None = None
    follower_samples: pd.DataFrame | None = None
    labels: pd.DataFrame | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables that are present, by contract name."""
        out = {}
        for f in fields(self):
            frame = getattr(self, f.name)
            if frame is not None:
                out[f.name] = frame
        return out


def epoch_seconds(values: pd.Series) -> np.ndarray:
    """Seconds since the Unix epoch (float64) of a canonical UTC timestamp column; NaT -> NaN."""
    ts = pd.DatetimeIndex(values).as_unit("ns")
    out = ts.asi8.astype(np.float64) / 1e9
    out[ts.isna()] = np.nan
    return out
