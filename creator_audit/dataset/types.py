"""The in-memory dataset: one typed DataFrame per contract table."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

TABLE_NAMES = ("creators", "posts", "engagements", "follower_counts", "follower_samples", "labels")


@dataclass(frozen=True)
class ReadTime:
    """When a dataset's counts were read: the snapshot of every creator without ``snapshot_at``.

    The counts of a post are what it had when they were read, so a creator that does not say when
    (``snapshot_at`` is optional, CONTRACT.md §1) was read when its data reached us: files when
    they are read, a request when it arrives. Passing one pins it (tests, Dask partitions).
    """

    at: float | np.ndarray  # unix seconds: one for every creator, or one per creator row
    source: Literal["read", "received"] = "read"  # files read, or a request received

    @classmethod
    def now(cls, source: Literal["read", "received"] = "read") -> ReadTime:
        return cls(time.time(), source)


@dataclass(frozen=True)
class AsOf:
    """What a dataset cut to an as-of time (``as_of.dataset_as_of``) rests on, per creator row.

    Arrays are aligned with the creators table, like a per-creator ``ReadTime``; a creator whose
    ``at`` is NaN was not cut. Times are unix seconds.
    """

    at: np.ndarray  # the as-of time
    snapshot: np.ndarray  # when the profile counts, likes and comments were read
    followers_at: np.ndarray  # when the follower count used was read: a history reading or snapshot
    sample_left_out: np.ndarray  # bool: a follower sample was sent and left out
    posts_left_out: np.ndarray  # int: posts published after the as-of time

    def take(self, rows: np.ndarray) -> AsOf:
        """The records of creator rows ``rows``, in that order (a restricted dataset's)."""
        return AsOf(
            at=self.at[rows],
            snapshot=self.snapshot[rows],
            followers_at=self.followers_at[rows],
            sample_left_out=self.sample_left_out[rows],
            posts_left_out=self.posts_left_out[rows],
        )


@dataclass
class Dataset:
    """A creator dataset. ``creators`` and ``posts`` are always present; the rest may be None.

    Frames hold the canonical dtypes described in ``creator_audit.schema``. ``read_time``: when
    the tables were read (None: not known; the features then take the time they run).
    ``as_of``: set when the dataset was cut to what was observable at an as-of time.
    """

    creators: pd.DataFrame
    posts: pd.DataFrame
    engagements: pd.DataFrame | None = None
    follower_counts: pd.DataFrame | None = None
    follower_samples: pd.DataFrame | None = None
    labels: pd.DataFrame | None = None
    read_time: ReadTime | None = None
    as_of: AsOf | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables that are present, by contract name."""
        out = {}
        for name in TABLE_NAMES:
            frame = getattr(self, name)
            if frame is not None:
                out[name] = frame
        return out


def epoch_seconds(values: pd.Series) -> np.ndarray:
    """Seconds since the Unix epoch (float64) of a canonical UTC timestamp column; NaT -> NaN."""
    ts = pd.DatetimeIndex(values).as_unit("ns")
    out = ts.asi8.astype(np.float64) / 1e9
    out[ts.isna()] = np.nan
    return out
