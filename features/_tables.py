"""The dataset's tables as flat numpy arrays keyed by integer codes, prepared once per call.

Creators are coded ``0..n-1`` in ``creators`` order; posts and engagement events carry the code of
their creator (and events the index of their post), so every family aggregates with bincount-style
operations instead of joins. Rows that reference an unknown creator or post are dropped: they
cannot belong to any creator being scored. Input frames are only read, never modified.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creator_audit.dataset.columnar import ColumnTable, table_columns
from features import _groups as g

DAY = 86_400.0
MATURE_AGE = DAY  # likes keep arriving for about a day; younger posts undercount them
# Features describe a creator's current behaviour from its most recent posts, so they do not depend
# on how much history an export happens to include (a few weeks or ten years of posts). Engagement
# events on older posts are left out with them.
RECENT_POSTS = 24


Columns = dict[str, np.ndarray]  # a feature family's output: feature name → one value per creator


@dataclass(frozen=True)
class Posts:
    """Posts of known creators, grouped by creator. ``in_ratios``: posts ratio features use."""

    ids: pa.Array  # creator_id, in creators order
    followers: np.ndarray  # per creator
    creator: np.ndarray  # per post: creator code
    post_id: pa.Array
    posted: np.ndarray  # epoch seconds
    likes: np.ndarray
    comments: np.ndarray
    comments_disabled: np.ndarray  # 1.0 / 0.0, NaN when unknown
    in_ratios: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def comments_on(self) -> np.ndarray:
        """Posts whose comment count reflects the audience: a post with comments turned off has 0
        by construction (unknown counts as on)."""
        return self.comments_disabled != 1.0


@dataclass(frozen=True)
class Events:
    """Engagement events on known posts, sorted by (post, delay) and so also by creator."""

    post: np.ndarray  # index into the Posts arrays
    creator: np.ndarray
    delay: np.ndarray  # seconds since the post went up, clipped at 0
    like: np.ndarray
    comment: np.ndarray
    rows: np.ndarray  # row positions in the engagements frame
    key: np.ndarray  # post * span + delay: sorted, lets one searchsorted find windows in a post
    span: float


def creator_index(ids: pa.Array) -> pd.Index:
    """The index of a feature frame: the creators' ids, in order."""
    return pd.Index(ids.to_pylist(), name="creator_id", dtype="str")


def result(ids: pa.Array, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """A family's output as a frame: float64 columns in the given order, indexed by creator_id."""
    data = {name: np.asarray(values, dtype=np.float64) for name, values in columns.items()}
    return pd.DataFrame(data, index=creator_index(ids), columns=list(columns))


def lookup(values: pa.Array, keys: pa.Array) -> np.ndarray:
    """Position of each value in ``keys`` (first match), -1 when absent; hashed in Arrow."""
    found = pc.index_in(values, value_set=keys)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def as_columns(table: str, frame: pd.DataFrame | ColumnTable | None) -> ColumnTable | None:
    """A family's input table as columns: the public per-family functions take frames too."""
    if frame is None or isinstance(frame, ColumnTable):
        return frame
    return table_columns(table, frame)


def trait(
    table: pd.DataFrame | ColumnTable, column: str, rows: np.ndarray | None = None
) -> np.ndarray:
    """An optional numeric column as float64 (NaN when unknown or when the column is absent)."""
    if isinstance(table, ColumnTable):
        values = table.floats(column)
    elif column in table.columns:
        values = table[column].to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = np.full(len(table), np.nan)
    return values if rows is None else values[rows]


def prepare_posts(creators: ColumnTable, posts: ColumnTable) -> Posts:
    ids = creators.text("creator_id")
    creator = lookup(posts.text("creator_id"), ids)
    posted = posts.floats("posted_at")
    keep = np.flatnonzero((creator >= 0) & ~np.isnan(posted))
    # Creator-major, oldest first: a creator's posts are contiguous and in time order.
    keep = keep[np.lexsort((posted[keep], creator[keep]))]
    keep = keep[_newest_per_group(creator[keep], RECENT_POSTS)]
    creator, posted = creator[keep], posted[keep]
    n = len(ids)
    snapshot = _snapshots(creators, creator, posted, n)
    mature = snapshot[creator] - posted >= MATURE_AGE
    has_mature = g.count(creator, n, mature) > 0
    return Posts(
        ids=ids,
        followers=creators.floats("followers"),
        creator=creator,
        post_id=posts.text("post_id").take(pa.array(keep)),
        posted=posted,
        likes=posts.floats("likes")[keep],
        comments=posts.floats("comments")[keep],
        comments_disabled=posts.floats("comments_disabled")[keep],
        in_ratios=mature | ~has_mature[creator],
    )


def _newest_per_group(sorted_codes: np.ndarray, k: int) -> np.ndarray:
    """Mask of the last ``k`` rows of each run of equal codes (rows sorted oldest first)."""
    group_end = np.searchsorted(sorted_codes, sorted_codes, side="right")
    return group_end - np.arange(sorted_codes.size) <= k


def _snapshots(creators: ColumnTable, creator: np.ndarray, posted: np.ndarray, n: int):
    """Per creator: ``snapshot_at``, defaulting to the latest ``posted_at`` (CONTRACT.md §1)."""
    latest = g.maximum(creator, posted, n)
    snapshot = creators.floats("snapshot_at")
    return np.where(np.isnan(snapshot), latest, snapshot)


def prepare_events(posts: Posts, engagements: ColumnTable | None) -> Events | None:
    """Events joined to their posts and sorted by (post, delay); None when the table is absent."""
    if engagements is None:
        return None
    post = lookup(engagements.text("post_id"), posts.post_id)
    at = engagements.floats("at")
    kind = engagements.text("kind")
    like = _equals(kind, "like")
    comment = _equals(kind, "comment")
    rows = np.flatnonzero((post >= 0) & ~np.isnan(at) & (like | comment))
    post = post[rows]
    delay = np.maximum(at[rows] - posts.posted[post], 0.0)  # early timestamps: clock skew
    span = float(delay.max(initial=0.0)) + 3_600.0  # keeps windows from reaching the next post
    key = post * span + delay
    order = np.argsort(key)
    post = post[order]
    return Events(
        post=post,
        creator=posts.creator[post],
        delay=delay[order],
        like=like[rows][order],
        comment=comment[rows][order],
        rows=rows[order],
        key=key[order],
        span=span,
    )


def _equals(text: pa.Array, value: str) -> np.ndarray:
    """Where ``text`` is ``value`` (null: no)."""
    return pc.fill_null(pc.equal(text, value), False).to_numpy(zero_copy_only=False)


def subset(e: Events, mask: np.ndarray) -> Events:
    """The events where ``mask`` holds (the same object when it holds everywhere)."""
    if mask.all():
        return e
    rows = np.flatnonzero(mask)  # one pass over the mask instead of one per array
    return Events(
        post=e.post[rows],
        creator=e.creator[rows],
        delay=e.delay[rows],
        like=e.like[rows],
        comment=e.comment[rows],
        rows=e.rows[rows],
        key=e.key[rows],
        span=e.span,
    )
