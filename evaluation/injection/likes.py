"""Bought likes: ×1.5 to ×10 the creator's usual likes on one, half or all of its recent posts.

As the simulator has it (``config`` "bought engagement", ``counts._bought_totals``): a bought post
gets (multiplier - 1) times the likes the creator's posts usually draw, with a batch-to-batch
spread (mean-1 lognormal, sd 0.25), and a few bought comments with them (0.2-1.5% of the bought
likes, none where comments are off). "Usually" is the creator's own median over its recent posts
(the simulator's creators have an expected level; a real creator's is what its posts drew), so
×3 on a post is about three times a typical post's likes.

The control is the creators untouched: bought likes show in the post counts, which the real
creators have. The simulator's bought likes also arrive in tight bursts of events; the real
creators have no events, so neither the control nor the injected creators get any.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from creator_audit.dataset.types import Dataset
from creator_audit.simulator import config as C
from creator_audit.simulator.sampling import lognormal_mean1, uniform
from evaluation.injection.base import PostIndex, seeded, with_post_counts

BATCH_SPREAD = 0.25  # sd of the log of a batch's size around what was ordered (counts.py)
# How many of a creator's recent posts get bought likes, from how many it has.
COVERAGE = {
    "one post": lambda recent: np.minimum(recent, 1),
    "half the posts": lambda recent: np.ceil(recent / 2),
    "every post": lambda recent: recent,
}


@dataclass(frozen=True)
class LikePurchase:
    """Per post, what a purchase of any size would do; drawn once per creator."""

    base: Dataset
    order: np.ndarray  # per post: its place in its creator's random order of recent posts, or -1
    recent: np.ndarray  # per post: how many recent posts its creator has
    usual: np.ndarray  # per post: its creator's median likes over recent posts (at least 1)
    spread: np.ndarray  # per post: the batch's size over what was ordered
    comment_rate: np.ndarray  # per post: bought comments per bought like
    comment_rounding: np.ndarray  # per post: uniform, rounds the bought comments
    comments_on: np.ndarray

    @classmethod
    def draw(cls, base: Dataset, seed: int) -> LikePurchase:
        rng = seeded(seed, "likes")
        index = PostIndex.of(base)
        n, n_posts = len(base.creators), len(base.posts)
        recent = index.recent
        likes = base.posts["likes"].to_numpy(np.float64)
        return cls(
            base=base,
            order=_random_order(rng, index.creator, recent),
            recent=index.per_creator(recent.astype(np.float64), n)[index.creator],
            usual=np.maximum(_median_per_creator(index.creator[recent], likes[recent], n), 1.0)[
                index.creator
            ],
            spread=lognormal_mean1(rng, BATCH_SPREAD, n_posts),
            comment_rate=uniform(rng, C.BOT_COMMENT_RATE, n)[index.creator],
            comment_rounding=rng.random(n_posts),
            comments_on=base.posts["comments_disabled"].to_numpy(np.float64) != 1.0,
        )

    def bought(self, coverage: str) -> np.ndarray:
        """Per post: whether it is one of the posts bought for at ``coverage``."""
        return (self.order >= 0) & (self.order < COVERAGE[coverage](self.recent))

    def inject(self, multiplier: float, coverage: str) -> Dataset:
        """Bought likes worth ``multiplier`` times the usual on the ``coverage`` posts."""
        chosen = self.bought(coverage)
        extra = np.where(chosen, np.round((multiplier - 1.0) * self.usual * self.spread), 0.0)
        extra_comments = np.floor(extra * self.comment_rate + self.comment_rounding)
        extra_comments = np.where(self.comments_on, extra_comments, 0.0)
        posts = self.base.posts
        return with_post_counts(
            self.base,
            posts["likes"].to_numpy(np.float64) + extra,
            posts["comments"].to_numpy(np.float64) + extra_comments,
        )


def _random_order(rng: np.random.Generator, creator: np.ndarray, recent: np.ndarray) -> np.ndarray:
    """Per post, its place in a random order of its creator's recent posts (-1: not recent).
    The first k of the order are the k bought, so more posts bought includes the fewer."""
    key = rng.random(len(creator))
    candidates = np.flatnonzero(recent)
    ordered = candidates[np.lexsort((key[candidates], creator[candidates]))]
    group = creator[ordered]
    place = np.arange(len(ordered)) - np.searchsorted(group, group, side="left")
    order = np.full(len(creator), -1, dtype=np.int64)
    order[ordered] = place
    return order


def _median_per_creator(code: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    medians = pd.Series(values).groupby(code).median()
    out = np.full(n, np.nan)
    out[medians.index.to_numpy()] = medians.to_numpy()
    return out
