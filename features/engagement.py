"""Engagement ratios from post counts: how much, and how evenly, a creator's audience engages.

Bought likes make engagement high and uniform; fake followers make it low for the account's size;
genuine accounts vary post to post and have occasional viral outliers.
"""

from __future__ import annotations

import numpy as np

from creator_audit.dataset.columnar import ColumnTable
from features import _groups as g
from features._tables import Columns, Posts
from features.reference import expected_engagement_rate

ER_FLOOR = 1e-6  # keeps log(rate / expected) finite for a creator with no engagement at all

ENGAGEMENT_COLUMNS: tuple[str, ...] = (
    "likes_per_follower_mean",
    "likes_per_follower_median",
    "likes_cv",
    "likes_max_to_median",
    "comments_per_follower_mean",
    "comments_per_follower_median",
    "comments_cv",
    "comments_per_like_pooled",
    "comments_per_like_median",
    "engagement_rate_log_ratio",
    "comments_disabled_share",
    "post_count",
    "log_followers",
    "following_per_follower",
)


def engagement_from(p: Posts, creators: ColumnTable) -> Columns:
    followers = np.where(p.followers > 0, p.followers, np.nan)
    use = p.in_ratios
    code, likes = p.creator[use], p.likes[use]
    per_follower = followers[code]
    columns = {
        **_like_ratios(code, likes / per_follower, likes, p.n),
        **_comment_ratios(p, followers),
        "engagement_rate_log_ratio": _engagement_rate_log_ratio(p, followers),
        "comments_disabled_share": g.share(p.creator, p.comments_disabled, p.n),
        "post_count": g.count(p.creator, p.n),  # posts is required: 0 here is a fact
        "log_followers": np.log1p(p.followers),
        "following_per_follower": g.ratio(creators.floats("following"), followers),
    }
    return {name: columns[name] for name in ENGAGEMENT_COLUMNS}


def _like_ratios(code: np.ndarray, rate: np.ndarray, likes: np.ndarray, n: int) -> dict:
    # Followers are fixed per creator, so the CV of likes equals the CV of likes per follower.
    return {
        "likes_per_follower_mean": g.mean(code, rate, n),
        "likes_per_follower_median": g.median(code, rate, n),
        "likes_cv": g.cv(code, likes, n),
        "likes_max_to_median": g.ratio(g.maximum(code, likes, n), g.median(code, likes, n)),
    }


def _comment_ratios(p: Posts, followers: np.ndarray) -> dict:
    use = p.in_ratios & p.comments_on
    code, likes, comments = p.creator[use], p.likes[use], p.comments[use]
    per_like = g.ratio(comments, likes)
    shown = ~np.isnan(likes)  # posts whose owner hid the likes have none to pool
    pooled = g.ratio(
        g.total(code[shown], comments[shown], p.n), g.total(code[shown], likes[shown], p.n)
    )
    return {
        "comments_per_follower_mean": g.mean(code, comments / followers[code], p.n),
        "comments_per_follower_median": g.median(code, comments / followers[code], p.n),
        "comments_cv": g.cv(code, comments, p.n),
        "comments_per_like_pooled": pooled,
        "comments_per_like_median": g.median(code, per_like, p.n),
    }


def _engagement_rate_log_ratio(p: Posts, followers: np.ndarray) -> np.ndarray:
    use = p.in_ratios
    code = p.creator[use]
    per_post = (p.likes[use] + p.comments[use]) / followers[code]
    rate = g.mean(code, per_post, p.n)
    return np.log(np.maximum(rate, ER_FLOOR) / expected_engagement_rate(followers))
