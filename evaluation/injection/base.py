"""What every injection starts from: the creators and posts, when each creator was read, and
which of its posts are the recent ones the features read."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from creator_audit.dataset.types import Dataset, epoch_seconds
from features._tables import RECENT_POSTS


def creators_and_posts(ds: Dataset) -> Dataset:
    """``ds`` with its creators and posts only: what the real genuine creators have, and what
    every injection builds on (labels and any other table left out)."""
    return Dataset(creators=ds.creators, posts=ds.posts, read_time=ds.read_time)


@dataclass(frozen=True)
class PostIndex:
    """The posts of a dataset against its creators, in the posts table's row order."""

    creator: np.ndarray  # per post: the code (row) of its creator
    posted: np.ndarray  # per post: unix seconds
    newest_rank: np.ndarray  # per post: 0 for its creator's newest post
    snapshot: np.ndarray  # per creator: when its counts were read, unix seconds

    @classmethod
    def of(cls, ds: Dataset) -> PostIndex:
        creator = pd.Index(ds.creators["creator_id"]).get_indexer(ds.posts["creator_id"])
        if (creator < 0).any():
            raise ValueError("every post must belong to a creator of the dataset")
        posted = epoch_seconds(ds.posts["posted_at"])
        return cls(creator, posted, _newest_rank(creator, posted), creator_snapshots(ds))

    @property
    def age(self) -> np.ndarray:
        """Per post: seconds from when it went up to when its creator was read (at least 0)."""
        return np.maximum(self.snapshot[self.creator] - self.posted, 0.0)

    @property
    def recent(self) -> np.ndarray:
        """The posts the features read: each creator's ``RECENT_POSTS`` newest."""
        return self.newest_rank < RECENT_POSTS

    def per_creator(self, values: np.ndarray, n: int) -> np.ndarray:
        """Per-creator ``values`` of the posts (one per post), summed."""
        return np.bincount(self.creator, weights=values, minlength=n)


def creator_snapshots(ds: Dataset) -> np.ndarray:
    """Per creator, when its counts were read: ``snapshot_at``, else the dataset's read time."""
    given = (
        epoch_seconds(ds.creators["snapshot_at"])
        if "snapshot_at" in ds.creators.columns
        else np.full(len(ds.creators), np.nan)
    )
    if np.isnan(given).any() and ds.read_time is None:
        raise ValueError("the injection needs each creator's snapshot_at or the read time")
    fallback = np.nan if ds.read_time is None else ds.read_time.at
    return np.where(np.isnan(given), fallback, given)


def _newest_rank(creator: np.ndarray, posted: np.ndarray) -> np.ndarray:
    order = np.lexsort((-posted, creator))
    sorted_creator = creator[order]
    starts = np.searchsorted(sorted_creator, sorted_creator, side="left")
    rank = np.empty(len(creator), dtype=np.int64)
    rank[order] = np.arange(len(creator)) - starts
    return rank


def with_post_counts(ds: Dataset, likes: np.ndarray, comments: np.ndarray) -> Dataset:
    """``ds`` with new like and comment counts (per post, in row order), types kept."""
    posts = ds.posts.copy()
    posts["likes"] = likes.astype(posts["likes"].dtype)
    posts["comments"] = comments.astype(posts["comments"].dtype)
    return replace(ds, posts=posts)


def utc_timestamps(seconds: np.ndarray) -> pd.Series:
    """Unix seconds as the contract's timestamp column (``datetime64[ns, UTC]``)."""
    ns = np.round(np.asarray(seconds, dtype=np.float64) * 1e9).astype(np.int64)
    return pa.array(ns, type=pa.timestamp("ns", tz="UTC")).to_pandas()


def seeded(seed: int, kind: str) -> np.random.Generator:
    """The generator of one kind of injection: independent of the other kinds' draws."""
    salt = int.from_bytes(kind.encode(), "little")
    return np.random.default_rng(np.random.SeedSequence([seed, salt]))
