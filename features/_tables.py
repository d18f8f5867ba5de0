"""The dataset's tables as flat numpy arrays keyed by integer codes, prepared once per call.

Creators are coded ``0..n-1`` in ``creators`` order; posts and engagement events carry the code of
their creator (and events the index of their post), so every family aggregates with bincount-style
operations instead of joins. Rows that reference an unknown creator or post are dropped: they
cannot belong to any creator being scored. Input frames are only read, never modified.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creator_audit.dataset.columnar import ColumnTable, table_columns
from creator_audit.dataset.types import AsOf, ReadTime
from features import _groups as g

DAY = 86_400.0
MATURE_AGE = DAY  # likes keep arriving for about a day; younger posts undercount them
# Features describe a creator's current behaviour from its most recent posts, so they do not depend
# on how much history an export happens to include (a few weeks or ten years of posts). Engagement
# events on older posts are left out with them.
RECENT_POSTS = 24
# A post's comment events are its comments only when they hold most of its comment count: a scrape
# that got the first page of each post's comments shows when the earliest came, not how they came.
# Below this share its comment events are left out of the event features. (A comment count may
# include replies or deleted comments that no list shows, hence not 100%.)
COMPLETE_COMMENT_SHARE = 0.8


Columns = dict[str, np.ndarray]  # a feature family's output: feature name → one value per creator


@dataclass(frozen=True)
class Snapshots:
    """Per creator: when its counts were read (unix seconds), and whether its ``snapshot_at``
    said so; the others were read when the data was (``ReadTime``)."""

    at: np.ndarray
    given: np.ndarray
    default_source: str  # what the others' time is: "read" (files) or "received" (a request)


@dataclass(frozen=True)
class Posts:
    """Posts of known creators, grouped by creator. ``in_ratios``: posts ratio features use."""

    ids: pa.Array  # creator_id, in creators order
    snapshots: Snapshots
    followers: np.ndarray  # per creator
    creator: np.ndarray  # per post: creator code
    post_id: pa.Array
    posted: np.ndarray  # epoch seconds
    likes: np.ndarray
    comments: np.ndarray
    comments_disabled: np.ndarray  # 1.0 / 0.0, NaN when unknown
    in_ratios: np.ndarray
    # Posts beyond each creator's RECENT_POSTS newest, which no feature reads.
    older_creator: np.ndarray
    older_post_id: pa.Array

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
    # Per post, as sent: its events, and its comment events (before partial lists were left out).
    sent: np.ndarray
    comments_sent: np.ndarray
    partial_comments: np.ndarray  # per post: its comment events are a partial list, left out


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


def prepare_posts(
    creators: ColumnTable,
    posts: ColumnTable,
    read_time: ReadTime | None = None,
    as_of: AsOf | None = None,
) -> Posts:
    """The posts features read; ``read_time``: when the data was read (default: now), the
    snapshot of a creator without ``snapshot_at``; ``as_of``: set when the data was cut to an
    as-of time (``creator_audit.dataset.as_of``)."""
    ids = creators.text("creator_id")
    owner = lookup(posts.text("creator_id"), ids)
    posted = posts.floats("posted_at")
    keep = np.flatnonzero((owner >= 0) & ~np.isnan(posted))
    # Creator-major, oldest first: a creator's posts are contiguous and in time order.
    keep = keep[np.lexsort((posted[keep], owner[keep]))]
    recent = _newest_per_group(owner[keep], RECENT_POSTS)
    keep, older = keep[recent], keep[~recent]
    creator, posted = owner[keep], posted[keep]
    post_ids = posts.text("post_id")
    n = len(ids)
    snapshots = _snapshots(creators, read_time or ReadTime.now())
    mature = _seen_until(snapshots, as_of)[creator] - posted >= MATURE_AGE
    has_mature = g.count(creator, n, mature) > 0
    return Posts(
        ids=ids,
        snapshots=snapshots,
        followers=creators.floats("followers"),
        creator=creator,
        post_id=post_ids.take(pa.array(keep)),
        posted=posted,
        likes=posts.floats("likes")[keep],
        comments=posts.floats("comments")[keep],
        comments_disabled=posts.floats("comments_disabled")[keep],
        in_ratios=mature | ~has_mature[creator],
        older_creator=owner[older],
        older_post_id=post_ids.take(pa.array(older, pa.int64())),
    )


def _newest_per_group(sorted_codes: np.ndarray, k: int) -> np.ndarray:
    """Mask of the last ``k`` rows of each run of equal codes (rows sorted oldest first)."""
    group_end = np.searchsorted(sorted_codes, sorted_codes, side="right")
    return group_end - np.arange(sorted_codes.size) <= k


def _seen_until(snapshots: Snapshots, as_of: AsOf | None) -> np.ndarray:
    """Per creator, the time its posts' maturity is judged at: the snapshot, or an earlier
    as-of time, when the engagement of a post younger than a day was still arriving."""
    return snapshots.at if as_of is None else np.fmin(snapshots.at, as_of.at)


def _snapshots(creators: ColumnTable, read_time: ReadTime) -> Snapshots:
    """Per creator: ``snapshot_at``, defaulting to when the data was read (CONTRACT.md §1: the
    counts are those at the snapshot, and counts are read when the data is)."""
    given = creators.floats("snapshot_at")
    known = ~np.isnan(given)
    read_at = np.broadcast_to(np.asarray(read_time.at, dtype=np.float64), given.shape)
    return Snapshots(np.where(known, given, read_at), known, read_time.source)


def prepare_events(posts: Posts, engagements: ColumnTable | None) -> Events | None:
    """Events joined to their posts and sorted by (post, delay); None when the table is absent.
    A post's comment events that are a partial list (``COMPLETE_COMMENT_SHARE``) are left out."""
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
    comment = comment[rows][order]
    n_posts = len(posts.creator)
    sent = np.bincount(post, minlength=n_posts)
    comments_sent = np.bincount(post[comment], minlength=n_posts)
    partial = (sent > 0) & (comments_sent < COMPLETE_COMMENT_SHARE * posts.comments)
    events = Events(
        post=post,
        creator=posts.creator[post],
        delay=delay[order],
        like=like[rows][order],
        comment=comment,
        rows=rows[order],
        key=key[order],
        span=span,
        sent=sent,
        comments_sent=comments_sent,
        partial_comments=partial,
    )
    return subset(events, ~(comment & partial[post]))


def _equals(text: pa.Array, value: str) -> np.ndarray:
    """Where ``text`` is ``value`` (null: no)."""
    return pc.fill_null(pc.equal(text, value), False).to_numpy(zero_copy_only=False)


def subset(e: Events, mask: np.ndarray) -> Events:
    """The events where ``mask`` holds (the same object when it holds everywhere)."""
    if mask.all():
        return e
    rows = np.flatnonzero(mask)  # one pass over the mask instead of one per array
    return replace(
        e,
        post=e.post[rows],
        creator=e.creator[rows],
        delay=e.delay[rows],
        like=e.like[rows],
        comment=e.comment[rows],
        rows=e.rows[rows],
        key=e.key[rows],
    )
