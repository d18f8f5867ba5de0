"""Likes and comments per post and per component: eventual, and arrived by the snapshot."""

from __future__ import annotations

import numpy as np

from creator_audit.simulator import config as C
from creator_audit.simulator.posts import ARRIVALS, Posts
from creator_audit.simulator.profiles import (
    BOT,
    POD,
    Creators,
    Pods,
    comment_size_factor,
    er_blend_weight,
    expected_er,
    followers_at,
)
from creator_audit.simulator.sampling import log_uniform, lognormal_mean1, uniform


def _organic_base(rng, cr: Creators, posts: Posts) -> np.ndarray:
    """Expected organic likes per post.

    ER is measured as mean likes over recent posts / current followers (REAL data, HypeAuditor),
    so each creator's mean is ER(F_now) F_now (times its own multiplier), spread over its posts in
    proportion to its real followers when each was posted, with post noise.
    """
    c = posts.creator
    real_then = followers_at(cr, c, posts.at.astype(np.float64), real_only=True)
    real_now = followers_at(cr, np.arange(cr.n), np.full(cr.n, float(C.SNAPSHOT)), real_only=True)
    n_posts = np.bincount(c, minlength=cr.n)
    mean_then = np.bincount(c, real_then, cr.n) / np.maximum(n_posts, 1)
    weight = real_then / mean_then[c]
    noise = lognormal_mean1(rng, cr.post_sigma[c], posts.n)
    flop = rng.random(posts.n) < C.FLOP_SHARE
    noise[flop] *= uniform(rng, C.FLOP_MULT, int(flop.sum()))
    # The small-account fit is a median (REAL), the large formula a tier mean (HYPE, likes plus
    # comments): there, take the creator spread and the comments out of the mean.
    w = er_blend_weight(real_now)
    comment_share = C.COMMENT_RATIO_MEDIAN * comment_size_factor(real_now)
    to_mean = np.exp(-w * C.ER_CREATOR_SIGMA**2 / 2) / (1 + w * comment_share)
    per_creator = expected_er(real_now) * real_now * cr.er_mult * to_mean
    newcomer = n_posts <= C.FEW_POSTS_MAX  # friends like a new account's first posts
    per_creator = np.where(newcomer, per_creator * C.FEW_POSTS_LIKE_FACTOR, per_creator)
    return per_creator[c] * weight * noise


def _comments_for(rng, likes, ratio) -> np.ndarray:
    expected = np.maximum(likes * ratio, C.COMMENT_LUMP_FLOOR)
    sigma = np.sqrt(np.log1p(C.COMMENT_LUMP_A * expected**-C.COMMENT_LUMP_B))
    return rng.poisson(likes * ratio * lognormal_mean1(rng, sigma, likes.size))


def eventual_counts(rng, cr: Creators, pods: Pods, posts: Posts, base: np.ndarray):
    """Eventual (at infinite age) likes and comments per component."""
    c, n = posts.creator, posts.n
    ratio = cr.comment_ratio[c]
    few = np.bincount(c, minlength=cr.n) <= C.FEW_POSTS_COMMENTS_AT_MOST
    ratio = np.where(few[c], ratio * C.FEW_POSTS_COMMENT_FACTOR, ratio)
    ratio = np.where(cr.fans[c] > 0, ratio * C.COMMUNITY_ORGANIC_COMMENT_FACTOR, ratio)
    likes, comments = {}, {}
    likes["organic"] = rng.poisson(base)
    comments["organic"] = _comments_for(rng, likes["organic"], ratio)
    # Tight community: a few dozen fans, each commenting on most posts (genuine hard case).
    fans = cr.fans
    p_fan = rng.uniform(C.COMMUNITY_P_MIN, C.COMMUNITY_P_MAX, cr.n)
    comments["community"] = rng.binomial(fans[c], p_fan[c])
    likes["community"] = rng.binomial(fans[c], np.minimum(p_fan[c] + 0.1, 1.0))
    mult = log_uniform(rng, (C.VIRAL_MULT_MIN, C.VIRAL_MULT_MAX), n)
    likes["viral"] = np.where(posts.viral, rng.poisson(base * (mult - 1)), 0)
    viral_ratio = cr.comment_ratio[c] * C.VIRAL_COMMENT_FACTOR
    comments["viral"] = _comments_for(rng, likes["viral"], viral_ratio)
    g_like, g_comment = (
        uniform(rng, C.GIVEAWAY_LIKE_MULT, n),
        uniform(rng, C.GIVEAWAY_COMMENT_MULT, n),
    )
    likes["giveaway"] = np.where(posts.giveaway, rng.poisson(base * (g_like - 1)), 0)
    expected_comments = np.maximum(base * ratio, 1.0)
    comments["giveaway"] = np.where(
        posts.giveaway, rng.poisson(expected_comments * (g_comment - 1)), 0
    )
    pod_post = posts.boosted & (cr.label[c] == POD)
    size = np.where(pod_post, pods.size[np.maximum(cr.pod[c], 0)], 0)
    likes["pod"] = rng.binomial(size, cr.pod_like_share[c])
    comments["pod"] = rng.binomial(likes["pod"], cr.pod_comment_share[c])
    return likes, comments


def _bought_totals(rng, cr: Creators, posts: Posts) -> np.ndarray:
    """Bought likes: (mult - 1) x the likes expected for the displayed follower count."""
    c = posts.creator
    bot_post = posts.boosted & (cr.label[c] == BOT)
    f = cr.followers[c].astype(np.float64)
    want = expected_er(f) * f * (cr.bot_mult[c] - 1) * lognormal_mean1(rng, 0.25, posts.n)
    return np.where(bot_post, rng.poisson(want), 0)


def _split_bursts(rng, posts: Posts, total: np.ndarray) -> None:
    """Bought likes arrive in 1-3 tight bursts (1-10 min) at arbitrary delays (minutes to days)."""
    n, k = posts.n, C.BOT_BURSTS_MAX
    active = np.arange(k)[None, :] < rng.integers(1, k + 1, n)[:, None]
    weight = rng.gamma(1.0, 1.0, (n, k)) * active
    share = weight / weight.sum(axis=1, keepdims=True)
    per_burst = np.zeros((n, k), dtype=np.int64)
    left, left_share = total.copy(), np.ones(n)
    for b in range(k):  # sequential binomials = multinomial split
        p = np.clip(share[:, b] / np.maximum(left_share, 1e-12), 0, 1)
        per_burst[:, b] = rng.binomial(left, p)
        left, left_share = left - per_burst[:, b], left_share - share[:, b]
    posts.burst_delay = log_uniform(rng, C.BOT_DELAY_S, (n, k))
    posts.burst_len = uniform(rng, C.BOT_BURST_S, (n, k))
    arrived = np.clip((posts.age[:, None] - posts.burst_delay) / posts.burst_len, 0, 1)
    posts.burst_likes = rng.binomial(per_burst, arrived)


def engagement_counts(rng: np.random.Generator, cr: Creators, pods: Pods, posts: Posts) -> None:
    """Fill ``posts.likes`` / ``posts.comments`` (arrived by the snapshot) and the bursts."""
    base = _organic_base(rng, cr, posts)
    likes, comments = eventual_counts(rng, cr, pods, posts, base)
    age = posts.age
    for name, arrival in ARRIVALS.items():
        share = arrival.cdf(age)
        posts.likes[name] = rng.binomial(likes[name], share)
        posts.comments[name] = rng.binomial(comments[name], share)
    _split_bursts(rng, posts, _bought_totals(rng, cr, posts))
    bot_likes = posts.burst_likes.sum(axis=1)
    posts.comments["bot"] = rng.binomial(bot_likes, cr.bot_comment_rate[posts.creator])
    for name in posts.comments:
        posts.comments[name] = np.where(posts.comments_disabled, 0, posts.comments[name])
