"""A dataset as it could be seen at a past time: "was this creator clean when we signed them?"

:func:`dataset_as_of` is the one place the as-of rules live. The command line (``score``,
``explain`` and ``features --as-of``) and the API (``?as_of=``) cut their dataset with it before
the features are computed, so the same as-of time gives the same scores everywhere. Per table,
with T the as-of time and the snapshot the time the creator's counts were read (``snapshot_at``,
else when the data was read or the request arrived):

- ``posts``: those published at or before T. Their ``likes`` and ``comments`` stay the counts
  read at the snapshot, the only ones the data holds, so they include engagement that came after
  T; every score says so. A post under a day old at T is too recent for the ratio and timing
  features, as one under a day old at the snapshot is.
- ``engagements``: events at or before T, on the posts kept.
- ``follower_counts``: readings at or before T.
- ``follower_samples``: the table has no time, so a sample is taken as read at the snapshot: it
  is left out when T is before the snapshot (its features are then missing).
- ``creators``: the profile counts are read at the snapshot. Before it, the follower count is
  the last ``follower_counts`` reading at or before T; without one, the profile's count stays,
  said in the score (a missing count is not an option: no model ever saw one, while the
  features of a missing history, the growth features, are missing as always). ``following``
  and ``media_count`` have no history and stay the profile's.

At or after the snapshot only rows dated after T are left out. A T before a creator's first post
is refused: nothing of the creator could be seen yet.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creator_audit.dataset.columnar import ColumnDataset, ColumnTable, text_array
from creator_audit.dataset.errors import Problem, Report
from creator_audit.dataset.timestamps import iso_utc, to_timestamp
from creator_audit.dataset.types import AsOf, Dataset, ReadTime, epoch_seconds
from creator_audit.schema import Column

__all__ = ["AsOfError", "as_of_summary", "dataset_as_of", "not_yet_posting", "parse_as_of"]

AnyDataset = TypeVar("AnyDataset", Dataset, ColumnDataset)
Table = pd.DataFrame | ColumnTable
AS_OF = Column("as_of", "timestamp")


class AsOfError(ValueError):
    """An as-of time that cannot be used: unparseable, or before a creator's first post. Its
    message is one line: ``name`` (the option or field it came from, when known), then
    ``detail``, what is wrong with the value (the API names the field by its ``loc``)."""

    def __init__(self, detail: str, name: str | None = None) -> None:
        super().__init__(detail if name is None else f"{name}: {detail}")
        self.detail = detail


def parse_as_of(value: str | int, name: str = "as-of time") -> float:
    """``value`` (ISO-8601 with an offset, or unix seconds) as unix seconds, read by the rules
    every dataset timestamp is read by; ``AsOfError`` naming ``name`` when it cannot be."""
    problems: list[Problem] = []
    stamps = to_timestamp(pd.Series([value], dtype=object), AS_OF, Report(name, problems))
    if stamps is None:
        raise AsOfError(problems[0].message, name)
    return float(epoch_seconds(stamps)[0])


def dataset_as_of(ds: AnyDataset, at: float | np.ndarray) -> AnyDataset:
    """``ds`` as it could be seen at ``at`` (unix seconds: one time for every creator, or one per
    creator row, NaN for a creator left as it is), by the rules of this module; the same kind of
    dataset, with ``as_of`` saying what each creator's rows rest on."""
    if ds.as_of is not None:  # its follower counts are no longer the profile's
        raise ValueError("this dataset is cut to an as-of time already; cut the one it came from")
    n = len(ds.creators)
    cut = np.array(np.broadcast_to(np.asarray(at, dtype=np.float64), (n,)))
    read_time = ds.read_time or ReadTime.now()  # pinned: the features must see the same snapshot
    snapshot = _snapshots(ds.creators, read_time)
    ids = _text(ds.creators, "creator_id")
    owner = _codes(_text(ds.posts, "creator_id"), ids)
    posted = _floats(ds.posts, "posted_at")
    _refuse_before_first_post(ids, cut, owner, posted)
    kept_posts = ~(posted > _per_row(cut, owner))  # NaN (not cut, unknown creator): kept
    before_snapshot = cut < snapshot
    readings = _readings(ds.follower_counts, ids, cut)
    followers, followers_at = _followers(ds.creators, readings, ids, before_snapshot, snapshot)
    samples, sample_left_out = _samples(ds.follower_samples, ids, before_snapshot)
    return replace(
        ds,
        creators=_with_followers(ds.creators, followers),
        posts=_rows(ds.posts, kept_posts),
        engagements=_engagements(ds, owner, kept_posts, cut),
        follower_counts=readings,
        follower_samples=samples,
        read_time=read_time,
        as_of=AsOf(
            at=cut,
            snapshot=snapshot,
            followers_at=followers_at,
            sample_left_out=sample_left_out,
            posts_left_out=np.bincount(owner[(owner >= 0) & ~kept_posts], minlength=n),
        ),
    )


def as_of_summary(as_of: AsOf, row: int) -> dict[str, Any] | None:
    """What creator row ``row``'s score rests on as of its time, for the score (its ``as_of``
    field); None when the creator was not cut."""
    at = float(as_of.at[row])
    if np.isnan(at):
        return None
    snapshot = iso_utc(float(as_of.snapshot[row]))
    from_history = bool(as_of.followers_at[row] != as_of.snapshot[row])
    return {
        "at": iso_utc(at),
        "followers_source": "history" if from_history else "snapshot",
        "followers_read_at": iso_utc(float(as_of.followers_at[row])),
        "posts_left_out": int(as_of.posts_left_out[row]),
        "notes": _notes(as_of, row, snapshot, from_history),
    }


def _notes(as_of: AsOf, row: int, snapshot: str, from_history: bool) -> list[str]:
    """The as-of rules that applied to the creator, in words."""
    if as_of.at[row] >= as_of.snapshot[row]:
        return [
            f"The as-of time is at or after the snapshot ({snapshot}): the data is scored as "
            "read then, less any row dated after the as-of time."
        ]
    notes = [
        "Posts, engagement events and follower-count readings dated after the as-of time are "
        "left out.",
        f"Likes and comments are each post's counts as read at the snapshot ({snapshot}), after "
        "the as-of time: they include engagement that came later.",
    ]
    if from_history:
        read_at = iso_utc(float(as_of.followers_at[row]))
        notes.append(
            f"Followers: the follower-count reading of {read_at}, the last at or before the as-of "
            f"time; following and media_count are the profile's at the snapshot ({snapshot})."
        )
    else:
        notes.append(
            "No follower-count reading at or before the as-of time: followers, following and "
            f"media_count are the profile's at the snapshot ({snapshot}), after the as-of time."
        )
    if as_of.sample_left_out[row]:
        notes.append(
            "The follower sample is left out: it has no time of its own, so it is taken as read "
            "at the snapshot, after the as-of time."
        )
    return notes


# --- the rules, table by table ------------------------------------------------------------------


def _refuse_before_first_post(
    ids: pa.Array, cut: np.ndarray, owner: np.ndarray, posted: np.ndarray
) -> None:
    """``AsOfError`` naming the first creator whose first post is after its as-of time."""
    first_post = _first_posts(len(cut), owner, posted)
    early = np.flatnonzero(_before(cut, first_post))
    if early.size == 0:
        return
    row = int(early[0])
    others = early.size - 1
    more = f" (and {others} more creator{'s' * (others > 1)})" if others else ""
    raise AsOfError(
        f"as-of time {iso_utc(float(cut[row]))} is before the first post of creator "
        f"{ids[row].as_py()} ({iso_utc(float(first_post[row]))}): nothing of it could be seen "
        f"yet{more}"
    )


def not_yet_posting(ds: AnyDataset, at: float) -> np.ndarray:
    """Per creator row: whether its first post is after ``at``, so that as of ``at`` nothing of
    it could be seen (a creator without posts: False, it is scored as it is)."""
    ids = _text(ds.creators, "creator_id")
    owner = _codes(_text(ds.posts, "creator_id"), ids)
    cut = np.full(len(ids), float(at))
    return _before(cut, _first_posts(len(ids), owner, _floats(ds.posts, "posted_at")))


def _first_posts(n: int, owner: np.ndarray, posted: np.ndarray) -> np.ndarray:
    """Per creator row, its first post's time (inf without posts)."""
    known = owner >= 0
    first_post = np.full(n, np.inf)
    np.minimum.at(first_post, owner[known], posted[known])
    return first_post


def _before(cut: np.ndarray, first_post: np.ndarray) -> np.ndarray:
    """Cut before the first post (a NaN cut: never; no posts: never)."""
    return np.isfinite(first_post) & (cut < first_post)


def _engagements(
    ds: Dataset | ColumnDataset, owner: np.ndarray, kept_posts: np.ndarray, cut: np.ndarray
) -> Table | None:
    """Events at or before their creator's as-of time, on the posts kept."""
    events = ds.engagements
    if events is None:
        return None
    post = _codes(_text(events, "post_id"), _text(ds.posts, "post_id"))
    known = post >= 0
    creator = np.full(len(post), -1)
    creator[known] = owner[post[known]]
    on_kept = np.ones(len(post), dtype=bool)  # events on unknown posts: left to the features
    on_kept[known] = kept_posts[post[known]]
    return _rows(events, on_kept & ~(_floats(events, "at") > _per_row(cut, creator)))


def _readings(counts: Table | None, ids: pa.Array, cut: np.ndarray) -> Table | None:
    """Follower-count readings at or before their creator's as-of time."""
    if counts is None:
        return None
    owner = _codes(_text(counts, "creator_id"), ids)
    return _rows(counts, ~(_floats(counts, "at") > _per_row(cut, owner)))


def _followers(
    creators: Table,
    readings: Table | None,
    ids: pa.Array,
    before_snapshot: np.ndarray,
    snapshot: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each creator's follower count as of its time, and when it was read: before the snapshot
    the last of its ``readings`` (already cut to the as-of time), where there is one; else the
    profile's."""
    followers = _floats(creators, "followers")
    read_at = snapshot.copy()
    if readings is None:
        return followers, read_at
    owner = _codes(_text(readings, "creator_id"), ids)
    at = _floats(readings, "at")
    usable = np.flatnonzero((owner >= 0) & ~np.isnan(at))
    usable = usable[np.lexsort((at[usable], owner[usable]))]  # by creator, oldest first
    last = usable[np.r_[owner[usable][1:] != owner[usable][:-1], True]] if usable.size else usable
    creator = owner[last]
    use = before_snapshot[creator]
    followers[creator[use]] = _floats(readings, "followers")[last[use]]
    read_at[creator[use]] = at[last[use]]
    return followers, read_at


def _samples(
    samples: Table | None, ids: pa.Array, before_snapshot: np.ndarray
) -> tuple[Table | None, np.ndarray]:
    """The follower samples of creators cut at or after their snapshot, and which creators had
    one left out (a sample has no time: it is taken as read at the snapshot)."""
    left_out = np.zeros(len(before_snapshot), dtype=bool)
    if samples is None:
        return None, left_out
    owner = _codes(_text(samples, "creator_id"), ids)
    dropped = (owner >= 0) & before_snapshot[np.maximum(owner, 0)]
    left_out[owner[dropped]] = True
    return _rows(samples, ~dropped), left_out


def _snapshots(creators: Table, read_time: ReadTime) -> np.ndarray:
    """Per creator: its ``snapshot_at``, else when the data was read (as the features take it)."""
    given = _floats(creators, "snapshot_at")
    read_at = np.broadcast_to(np.asarray(read_time.at, dtype=np.float64), given.shape)
    return np.where(np.isnan(given), read_at, given)


# --- one face for frames and columns --------------------------------------------------------------


def _floats(table: Table, column: str) -> np.ndarray:
    """A timestamp (as unix seconds) or count column as float64; all NaN when the table lacks
    it."""
    if isinstance(table, ColumnTable):
        return table.floats(column)
    if column not in table.columns:
        return np.full(len(table), np.nan)
    values = table[column]
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return epoch_seconds(values)
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _text(table: Table, column: str) -> pa.Array:
    return table.text(column) if isinstance(table, ColumnTable) else text_array(table[column])


def _codes(values: pa.Array, keys: pa.Array) -> np.ndarray:
    """Position of each value in ``keys``, -1 when absent."""
    found = pc.index_in(values, value_set=keys)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _per_row(per_creator: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Each row's value of its creator; NaN for a row of no known creator."""
    return np.where(owner >= 0, per_creator[np.maximum(owner, 0)], np.nan)


def _rows(table: Table, keep: np.ndarray) -> Table:
    """The rows where ``keep`` holds (the same table when it holds everywhere)."""
    if keep.all():
        return table
    if isinstance(table, ColumnTable):
        return table.take(np.flatnonzero(keep))
    return table.loc[keep].reset_index(drop=True)


def _with_followers(creators: Table, followers: np.ndarray) -> Table:
    counts = followers.astype(np.int64)  # readings and profile counts are whole numbers
    if isinstance(creators, ColumnTable):
        return ColumnTable({**creators.columns, "followers": counts}, creators.rows)
    return creators.assign(followers=counts)
