"""An engagement pod: a fixed group of accounts that likes and comments on every recent post
within 30 minutes of it going up.

As the simulator has it (``config`` "engagement pods", ``counts.eventual_counts``,
``engagements._members``): on each post a share of the pod's members like it (the creator's like
share, 40-90%) and a share of those comment (25-70%); one ranking of the members per post picks
them, each member's keenness fixed, so the keen ones turn up post after post. Members act 4 to 30
minutes after the post (the simulator's pod delay, median 15 minutes, cut at the 30-minute
window) and each writes from a template of its own. The pod adds its likes and comments to every
one of the creator's recent posts (the ones the features read) and its events to the newest 12.

The simulator's pod creators also publish their boosted posts in the pod's daily 30-minute drop
window (``posts.timeline``). ``drop_window=True`` does that too: each recent post moves to a
random time inside a 30-minute slot opening at a random hour of its own day (UTC), its events
with it. Without it the posting times are the creators' own and the pod shows in its engagement
only.

The real creators have no events, so both the control and the injected creators get the same
organic events built from their real counts (``evaluation.injection.events``); the injected
creators have the pod's on top, and their post counts include the pod's likes and comments. With
the drop window the control's posts are moved the same way: the control is a genuine creator who
always posts in one slot.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.stats import binom

from creator_audit.dataset.types import Dataset
from creator_audit.simulator import config as C
from creator_audit.simulator import text
from creator_audit.simulator.sampling import Arrival, uniform
from evaluation.injection.base import PostIndex, seeded, utc_timestamps, with_post_counts
from evaluation.injection.events import (
    EVENT_POSTS,
    LIKES_SHOWN,
    ActorLayout,
    Events,
    events_frame,
    organic_events,
)

POD_WINDOW_S = C.POD_DROP_WINDOW_S  # every pod like and comment comes within 30 minutes
POD_ARRIVAL = Arrival(
    0.0, 1.0, C.POD_DELAY_MEDIAN_S, C.POD_DELAY_SIGMA, C.POD_DELAY_MIN_S, POD_WINDOW_S
)
LARGEST_POD = 100


@dataclass(frozen=True)
class PodPlan:
    """The control's organic events, and per recent post and pod member what a pod of any size
    up to ``capacity`` would do; drawn once per creator."""

    base: Dataset
    index: PostIndex
    layout: ActorLayout
    organic: Events
    capacity: int
    seed: int
    posts: np.ndarray  # the recent posts (rows), the ones the pod engages on
    like_share: np.ndarray  # per creator
    comment_share: np.ndarray  # per creator
    like_quantile: np.ndarray  # per recent post: uniform, how many members like it
    comment_quantile: np.ndarray  # per recent post: uniform, how many likers comment
    race: np.ndarray  # (recent post, member): ranking key, keen members' smaller
    like_delay: np.ndarray  # (recent post, member) seconds
    comment_delay: np.ndarray  # (recent post, member) seconds
    shown_key: np.ndarray  # (recent post, member): uniform, which likes a capped sample shows
    in_window: np.ndarray  # per post: its time moved into the creator's drop window

    @classmethod
    def draw(cls, base: Dataset, seed: int, capacity: int = LARGEST_POD) -> PodPlan:
        rng = seeded(seed, "pod")
        index = PostIndex.of(base)
        n = len(base.creators)
        layout = ActorLayout.draw(rng, base.creators["followers"].to_numpy(np.float64), capacity)
        organic = organic_events(rng, base, index, layout)
        posts = np.flatnonzero(index.recent)
        shape = (posts.size, capacity)
        age = np.repeat(index.age[posts], capacity)  # no event after the snapshot
        keenness = np.exp(C.MEMBER_ACTIVITY_SIGMA * rng.standard_normal((n, capacity)))
        return cls(
            base=base,
            index=index,
            layout=layout,
            organic=organic,
            capacity=capacity,
            seed=seed,
            posts=posts,
            like_share=uniform(rng, C.POD_LIKE_SHARE_FULL, n),
            comment_share=uniform(rng, C.POD_COMMENT_SHARE, n),
            like_quantile=rng.random(posts.size),
            comment_quantile=rng.random(posts.size),
            race=rng.exponential(1.0, shape) / keenness[index.creator[posts]],
            like_delay=np.floor(POD_ARRIVAL.sample(rng, age)).reshape(shape),
            comment_delay=np.floor(POD_ARRIVAL.sample(rng, age)).reshape(shape),
            shown_key=rng.random(shape),
            in_window=_drop_window_times(rng, index, posts),
        )

    def control(self, drop_window: bool = False) -> Dataset:
        return self.inject(0, drop_window)

    def inject(self, size: int, drop_window: bool = False) -> Dataset:
        """Every creator with a pod of ``size`` members on all its recent posts, those posted in
        its drop window if ``drop_window``."""
        if not 0 <= size <= self.capacity:
            raise ValueError(f"a pod of {size} members; this plan holds up to {self.capacity}")
        likers, commenters = self._engaged(size)
        likes = self.base.posts["likes"].to_numpy(np.float64).copy()
        comments = self.base.posts["comments"].to_numpy(np.float64).copy()
        likes[self.posts] += likers.sum(axis=1)
        comments[self.posts] += commenters.sum(axis=1)
        events = Events.concat([*self._shown_likes(likers, size), self._comments(commenters)])
        injected = with_post_counts(self.base, likes, comments)
        index = self.index
        if drop_window:
            index = replace(index, posted=self.in_window)
            posts = injected.posts.copy()
            posts["posted_at"] = utc_timestamps(self.in_window)
            injected = replace(injected, posts=posts)
        return replace(injected, engagements=events_frame(events, injected, index, self.layout))

    def members(self, size: int) -> pd.DataFrame:
        """The accounts of each creator's pod of ``size``: creator_id, actor_id."""
        n = len(self.base.creators)
        raw = (self.layout.pod_start[:, None] + np.arange(size)[None, :]).ravel()
        return pd.DataFrame(
            {
                "creator_id": np.repeat(self.base.creators["creator_id"].to_numpy(), size),
                "actor_id": self.layout.ids(raw.astype(np.uint64)).to_numpy(zero_copy_only=False),
            },
            index=pd.RangeIndex(n * size),
        ).astype("str")

    def _engaged(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """(recent post, member) masks of the first ``size`` members: who likes, who comments.
        Counts as the simulator draws them, by quantile, so a bigger pod never engages less."""
        creator = self.index.creator[self.posts]
        n_likes = _binomial(self.like_quantile, size, self.like_share[creator])
        n_comments = _binomial(self.comment_quantile, n_likes, self.comment_share[creator])
        comments_off = self.base.posts["comments_disabled"].to_numpy(np.float64)[self.posts] == 1
        n_comments[comments_off] = 0
        rank = np.argsort(np.argsort(self.race[:, :size], axis=1), axis=1)
        return rank < n_likes[:, None], rank < n_comments[:, None]

    def _comments(self, commenters: np.ndarray) -> Events:
        post, member = np.nonzero(commenters & self._with_events()[:, None])
        raw = self._raw_ids(post, member)
        rng = seeded(self.seed, f"pod comments {commenters.shape[1]}")
        return Events(
            post=self.posts[post],
            actor=raw,
            comment=np.ones(post.size, dtype=bool),
            delay=self.comment_delay[post, member],
            text=text.pod_comments(rng, raw),
            sample_place=np.full(post.size, -1),
        )

    def _shown_likes(self, likers: np.ndarray, size: int) -> list[Events]:
        """The organic and the pod's like events of a uniform sample of at most 300 of a post's
        likes: as many of each as a draw without replacement gives (hypergeometric)."""
        rng = seeded(self.seed, f"pod likes shown {size}")
        organic_likes = np.zeros(len(self.base.posts), dtype=np.int64)
        organic_likes[self.posts] = np.nan_to_num(
            self.base.posts["likes"].to_numpy(np.float64)[self.posts]
        )
        pod_likes = np.zeros(len(self.base.posts), dtype=np.int64)
        pod_likes[self.posts] = likers.sum(axis=1) * self._with_events()
        shown = np.minimum(organic_likes + pod_likes, LIKES_SHOWN)
        pod_shown = rng.hypergeometric(pod_likes, organic_likes, shown)
        organic = self.organic
        kept = ~organic.comment & (organic.sample_place < (shown - pod_shown)[organic.post])
        organic_kept = organic.where(kept | organic.comment)
        # Of the pod's likers on a post, the shown ones: those first by an independent key.
        key = np.where(likers, self.shown_key[:, :size], np.inf)
        place = np.argsort(np.argsort(key, axis=1), axis=1)
        post, member = np.nonzero(likers & (place < pod_shown[self.posts][:, None]))
        pod = Events(
            post=self.posts[post],
            actor=self._raw_ids(post, member),
            comment=np.zeros(post.size, dtype=bool),
            delay=self.like_delay[post, member],
            text=pa.nulls(post.size, pa.string()),
            sample_place=np.full(post.size, -1),
        )
        return [organic_kept, pod]

    def _with_events(self) -> np.ndarray:
        """Per recent post: one of the newest, which have events."""
        return self.index.newest_rank[self.posts] < EVENT_POSTS

    def _raw_ids(self, post: np.ndarray, member: np.ndarray) -> np.ndarray:
        creator = self.index.creator[self.posts[post]]
        return (self.layout.pod_start[creator] + member).astype(np.uint64)


def _drop_window_times(
    rng: np.random.Generator, index: PostIndex, recent: np.ndarray
) -> np.ndarray:
    """Per post, its time with the recent ones moved into a 30-minute slot opening at the
    creator's drop hour on the same UTC day; never after the snapshot (a day back, as the
    simulator does)."""
    drop_hour = rng.integers(0, 24, len(index.snapshot))
    creator = index.creator[recent]
    day = np.floor(index.posted[recent] / C.DAY) * C.DAY
    moved = day + drop_hour[creator] * C.HOUR + rng.uniform(0, POD_WINDOW_S, recent.size)
    latest = index.snapshot[creator] - 10 * C.MINUTE
    for _ in range(2):
        moved = np.where(moved > latest, moved - C.DAY, moved)
    times = index.posted.copy()
    times[recent] = np.round(moved)
    return times


def _binomial(quantile: np.ndarray, n: np.ndarray | int, p: np.ndarray) -> np.ndarray:
    """Binomial(n, p) counts at the given quantiles (0 at the bottom, never scipy's -1)."""
    return np.maximum(binom.ppf(quantile, n, p), 0).astype(np.int64)
