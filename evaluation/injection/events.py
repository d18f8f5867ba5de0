"""Engagement events for creators that have only post counts: who liked and commented, and when.

The real genuine creators come without engagement events, and a pod shows mostly in them. So the
pod's control and injected creators both get events built from the real counts the way the
simulator builds a genuine creator's (``simulator/engagements.py``): on each creator's 12 newest
posts every comment and a uniform sample of at most 300 likes, from the creator's own audience
(a power law over it, so loyal fans recur post after post) and a little from a niche pool, at the
genuine arrival times, with fans' comment texts (and the spam accounts' few promotions). The
counts are what had arrived when the creator was read, so the delays are drawn from the arrival
curve up to the post's age then, as the simulator does: no event comes after the snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import pyarrow as pa

from creator_audit.dataset.types import Dataset
from creator_audit.simulator import config as C
from creator_audit.simulator import text
from creator_audit.simulator.engagements import unique_sample
from creator_audit.simulator.ids import IdSpace, id_strings
from creator_audit.simulator.posts import ARRIVALS
from creator_audit.simulator.sampling import Arrival
from evaluation.injection.base import PostIndex, utc_timestamps

ORGANIC_ARRIVAL: Arrival = ARRIVALS["organic"]
EVENT_POSTS = C.EVENT_POSTS_MAX  # the newest posts that have events
LIKES_SHOWN = C.LIKES_SAMPLE_CAP  # like events kept per post (a uniform sample)


@dataclass(frozen=True)
class Events:
    """Engagement events as arrays, one entry per event."""

    post: np.ndarray  # row in the posts table
    actor: np.ndarray  # raw actor id (uint64), made a string by ``ActorLayout.ids``
    comment: np.ndarray  # a comment, else a like
    delay: np.ndarray  # whole seconds after the post went up
    text: pa.Array  # the comment's text; null for likes
    sample_place: np.ndarray  # a like's place in its post's uniform like sample; -1: a comment

    def where(self, keep: np.ndarray) -> Events:
        mask = pa.array(keep)
        return Events(
            **{f.name: getattr(self, f.name)[keep] for f in fields(self) if f.name != "text"},
            text=self.text.filter(mask),
        )

    @staticmethod
    def concat(parts: list[Events]) -> Events:
        arrays = {
            f.name: np.concatenate([getattr(p, f.name) for p in parts])
            for f in fields(Events)
            if f.name != "text"
        }
        return Events(**arrays, text=pa.concat_arrays([p.text for p in parts]))


@dataclass(frozen=True)
class ActorLayout:
    """Where each creator's actors live in one raw id space: its audience, its niche's pool and
    its pod's members (``engagements.layout_actors``); ``salt`` scrambles them into ids."""

    audience_start: np.ndarray
    audience_size: np.ndarray
    niche_start: np.ndarray
    pod_start: np.ndarray
    salt: int

    @classmethod
    def draw(
        cls, rng: np.random.Generator, followers: np.ndarray, pod_capacity: int
    ) -> ActorLayout:
        n, space = len(followers), IdSpace()
        size = np.maximum(np.ceil(followers * C.AUDIENCE_POOL_PER_FOLLOWER), C.AUDIENCE_POOL_MIN)
        n_niches = max(1, n // C.NICHE_CREATORS)
        niche = rng.integers(0, n_niches, n)
        return cls(
            audience_start=space.blocks(size.astype(np.int64)),
            audience_size=size.astype(np.int64),
            niche_start=space.blocks(np.full(n_niches, C.NICHE_POOL_SIZE))[niche],
            pod_start=space.blocks(np.full(n, pod_capacity)),
            salt=int(rng.integers(0, 1 << 40)),
        )

    def audience_draw(
        self, rng: np.random.Generator, creator: np.ndarray, gamma: float
    ) -> Callable[[np.ndarray], np.ndarray]:
        """Raw actor ids for rows of ``creator``: mostly its own audience, low indices (loyal
        fans) far likelier, some from its niche's pool (``engagements._audience_draw``)."""

        def draw(rows: np.ndarray) -> np.ndarray:
            c = creator[rows]
            own = self.audience_start[c] + np.floor(
                self.audience_size[c] * rng.random(rows.size) ** gamma
            )
            niche = self.niche_start[c] + rng.integers(0, C.NICHE_POOL_SIZE, rows.size)
            use_niche = rng.random(rows.size) < C.NICHE_SHARE
            return np.where(use_niche, niche, own.astype(np.int64)).astype(np.uint64)

        return draw

    def ids(self, raw: np.ndarray) -> pa.Array:
        return id_strings(raw, self.salt)


def organic_events(
    rng: np.random.Generator, base: Dataset, index: PostIndex, layout: ActorLayout
) -> Events:
    """The events of each creator's newest posts, from their like and comment counts."""
    window = np.flatnonzero(index.newest_rank < EVENT_POSTS)
    creator = index.creator[window]
    age = index.age[window]
    likes = np.nan_to_num(base.posts["likes"].to_numpy(np.float64)[window]).astype(np.int64)
    rows, actor = unique_sample(
        rng, np.minimum(likes, LIKES_SHOWN), layout.audience_draw(rng, creator, C.LIKER_GAMMA)
    )
    # unique_sample keeps each post's draws in the order drawn: any first k are a uniform sample.
    place = np.arange(rows.size) - np.searchsorted(rows, rows, side="left")
    like_events = Events(
        post=window[rows],
        actor=actor,
        comment=np.zeros(rows.size, dtype=bool),
        delay=np.floor(ORGANIC_ARRIVAL.sample(rng, age[rows])),
        text=pa.nulls(rows.size, pa.string()),
        sample_place=place,
    )
    comments = base.posts["comments"].to_numpy(np.int64)[window]
    rows = np.repeat(np.arange(window.size), comments)
    promo_share = rng.beta(*C.ORGANIC_PROMO_BETA, len(base.creators))
    comment_events = Events(
        post=window[rows],
        actor=layout.audience_draw(rng, creator, C.COMMENTER_GAMMA)(rows),
        comment=np.ones(rows.size, dtype=bool),
        delay=np.floor(ORGANIC_ARRIVAL.sample(rng, age[rows])),
        text=text.genuine_comments(rng, rows.size, promo_share=promo_share[creator[rows]]),
        sample_place=np.full(rows.size, -1),
    )
    return Events.concat([like_events, comment_events])


def events_frame(
    events: Events, base: Dataset, index: PostIndex, layout: ActorLayout
) -> pd.DataFrame:
    """The contract's engagements table, sorted by post and time; none after the snapshot (a
    post moved later in its day keeps its events up to then)."""
    delay = np.minimum(events.delay, index.age[events.post])
    order = np.lexsort((delay, events.post))
    post = events.post[order]
    frame = pd.DataFrame(
        {
            "post_id": base.posts["post_id"].to_numpy()[post],
            "actor_id": layout.ids(events.actor[order]).to_numpy(zero_copy_only=False),
            "kind": np.where(events.comment[order], "comment", "like"),
            "at": utc_timestamps(index.posted[post] + delay[order]),
            "text": events.text.take(pa.array(order)).to_pandas(),
        }
    )
    return frame.astype({"post_id": "str", "actor_id": "str", "kind": "str", "text": "str"})
