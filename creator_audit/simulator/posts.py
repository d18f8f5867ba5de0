"""Posts: a timeline per creator, and how many likes and comments each post has at the snapshot.

Every post's engagement is the sum of components (organic, community, viral, giveaway, pod, bought
bursts). Each component has an eventual total and an arrival-time distribution; the count at the
snapshot is the part that has arrived, so posts younger than ~2 days are still filling up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from creator_audit.simulator import config as C
from creator_audit.simulator.profiles import (
    BOT,
    HARD,
    POD,
    Creators,
    Pods,
)
from creator_audit.simulator.sampling import (
    Arrival,
    choose_in_groups,
    ragged,
    rank_in_group,
    trunc_lognormal,
)

GENUINE_ARRIVAL = Arrival(*C.ARRIVAL_GENUINE)
VIRAL_ARRIVAL = Arrival(*C.ARRIVAL_VIRAL)
COMMUNITY_ARRIVAL = Arrival(*C.ARRIVAL_COMMUNITY)
POD_ARRIVAL = Arrival(
    0.0, 1.0, C.POD_DELAY_MEDIAN_S, C.POD_DELAY_SIGMA, C.POD_DELAY_MIN_S, C.POD_DELAY_MAX_S
)
# Components in a fixed order: name -> arrival distribution (bought bursts are handled apart).
ARRIVALS = {
    "organic": GENUINE_ARRIVAL,
    "community": COMMUNITY_ARRIVAL,
    "viral": VIRAL_ARRIVAL,
    "giveaway": GENUINE_ARRIVAL,
    "pod": POD_ARRIVAL,
}


@dataclass
class Posts:
    creator: np.ndarray  # creator index, rows sorted by (creator, posted_at)
    at: np.ndarray  # unix seconds (int64)
    newest_rank: np.ndarray  # 0 for the creator's most recent post
    boosted: np.ndarray
    viral: np.ndarray
    giveaway: np.ndarray
    comments_disabled: np.ndarray
    hashtags: np.ndarray
    has_location: np.ndarray
    likes: dict[str, np.ndarray] = field(default_factory=dict)  # arrived, per component
    comments: dict[str, np.ndarray] = field(default_factory=dict)
    burst_delay: np.ndarray | None = None  # (n_posts, BOT_BURSTS_MAX) seconds after posting
    burst_len: np.ndarray | None = None
    burst_likes: np.ndarray | None = None  # arrived bought likes per burst

    @property
    def n(self) -> int:
        return self.creator.size

    @property
    def age(self) -> np.ndarray:
        return (C.SNAPSHOT - self.at).astype(np.float64)

    def total_likes(self) -> np.ndarray:
        return sum(self.likes.values()) + self.burst_likes.sum(axis=1)

    def total_comments(self) -> np.ndarray:
        return sum(self.comments.values())


def _gaps(rng, cr: Creators, creator, rank, gap_median) -> np.ndarray:
    """Days between a post and the next newer one (rank 0: age of the newest post)."""
    irregular = rng.lognormal(np.log(gap_median[creator]), C.GAP_POST_SIGMA)
    steps = np.maximum(np.round(gap_median), 1.0)[creator]
    # Scheduling tools and bots post every k days; people using a scheduler skip some slots.
    skip = np.where(cr.label[creator] == BOT, 1.0, rng.choice([1.0, 1.0, 1.0, 2.0], creator.size))
    gaps = np.where(cr.regular[creator], steps * skip, irregular)
    newest = rng.exponential(0.5 * gap_median[creator]) + rng.uniform(0.01, 0.3, creator.size)
    return np.where(rank == 0, newest, gaps)


def _local_hours(rng, cr: Creators, creator) -> np.ndarray:
    """Hour of day in the creator's timezone: daytime, around a personal preferred hour."""
    n = cr.n
    pref = np.clip(rng.normal(C.PREF_HOUR_MEAN, C.PREF_HOUR_SD, n), 8.0, 22.5)
    spread = rng.uniform(C.HOUR_SD_MIN, C.HOUR_SD_MAX, n)
    hours = rng.normal(pref[creator], spread[creator])
    outside = (hours < C.DAY_START_HOUR) | (hours > C.DAY_END_HOUR)
    hours[outside] = rng.uniform(C.DAY_START_HOUR, C.DAY_END_HOUR, outside.sum())
    jitter = np.where(cr.label == BOT, C.BOT_REGULAR_JITTER_S, C.SCHEDULED_JITTER_S)[creator]
    fixed = pref[creator] + rng.normal(0.0, jitter / C.HOUR)
    return np.where(cr.regular[creator], fixed, hours)


def newcomer_share(followers: np.ndarray) -> np.ndarray:
    """Probability that a creator of this size shows only a few posts (see config)."""
    size = np.maximum(np.asarray(followers, dtype=np.float64), 1.0) / C.FEW_POSTS_F50
    return 1.0 / (1.0 + size**C.FEW_POSTS_SLOPE)


def timeline(rng: np.random.Generator, cr: Creators, pods: Pods) -> Posts:
    n_posts = np.where(
        rng.random(cr.n) < newcomer_share(cr.followers),
        rng.integers(C.FEW_POSTS_MIN, C.FEW_POSTS_MAX + 1, cr.n),
        rng.integers(C.POSTS_MIN, C.POSTS_MAX + 1, cr.n),
    )
    creator, rank = ragged(n_posts)
    gap_median = trunc_lognormal(
        rng,
        np.asarray(C.GAP_MEDIAN_BY_TIER)[cr.tier],
        C.GAP_CREATOR_SIGMA,
        C.GAP_MIN_DAYS,
        C.GAP_MAX_DAYS,
    )
    offset_days = _gaps(rng, cr, creator, rank, gap_median)
    starts = np.cumsum(n_posts) - n_posts
    cum = np.cumsum(offset_days)  # restart the running sum at every creator
    offset_days = cum - np.repeat(cum[starts] - offset_days[starts], n_posts)
    raw = C.SNAPSHOT - offset_days * C.DAY
    tz = rng.choice(C.TZ_OFFSETS_H, cr.n, p=C.TZ_WEIGHTS / C.TZ_WEIGHTS.sum())[creator] * C.HOUR
    day = np.floor((raw + tz) / C.DAY)
    at = day * C.DAY + _local_hours(rng, cr, creator) * C.HOUR - tz
    boosted = rng.random(creator.size) < cr.boosted_share[creator]
    # Pod creators drop their boosted posts in the pod's daily 30-minute window (README).
    in_pod = boosted & (cr.label[creator] == POD)
    pod_open = pods.drop_hour[cr.pod[creator[in_pod]]] * C.HOUR
    at[in_pod] = (
        np.floor(at[in_pod] / C.DAY) * C.DAY
        + pod_open
        + rng.uniform(0, C.POD_DROP_WINDOW_S, in_pod.sum())
    )
    for _ in range(2):  # nothing after the snapshot: move such posts a day back
        at = np.where(at > C.SNAPSHOT - 10 * C.MINUTE, at - C.DAY, at)
    order = np.lexsort((at, creator))
    creator, at, boosted = creator[order], np.round(at[order]).astype(np.int64), boosted[order]
    newest_rank = np.repeat(n_posts, n_posts) - 1 - ragged(n_posts)[1]
    return Posts(
        creator=creator,
        at=at,
        newest_rank=newest_rank,
        boosted=boosted,
        viral=_pick_posts(rng, creator, cr.viral_creator, C.VIRAL_POSTS_MAX),
        giveaway=_pick_giveaway(rng, cr, creator, at),
        **_post_traits(rng, cr, creator),
    )


def squeeze_into_history(ps: Posts) -> None:
    """Keep every timeline after ``C.OLDEST_POST``: a rare creator posting every few months would
    otherwise start in the 1970s. Its posts older than ``C.SQUEEZE_AFTER_DAYS`` are moved, in
    order, into the years left. Called once every draw is made, so nothing else changes: these
    posts' counts have long fully arrived, and their engagements, timed from the post, move
    with it."""
    starts = np.flatnonzero(np.r_[True, ps.creator[1:] != ps.creator[:-1]]) if ps.n else []
    age_days = (C.SNAPSHOT - ps.at) / C.DAY
    reach = np.repeat(age_days[starts], np.diff(np.r_[starts, ps.n]))  # each creator's oldest
    longest, keep = (C.SNAPSHOT - C.OLDEST_POST) / C.DAY, C.SQUEEZE_AFTER_DAYS
    squeeze = (reach > longest) & (age_days > keep)
    if squeeze.any():
        share = (longest - keep) / (reach[squeeze] - keep)
        days = keep + (age_days[squeeze] - keep) * share
        ps.at[squeeze] = np.round(C.SNAPSHOT - days * C.DAY).astype(np.int64)


def _pick_posts(rng, creator, chosen_creators, max_posts) -> np.ndarray:
    """1..max_posts random posts of each creator in the boolean mask ``chosen_creators``."""
    k = np.where(chosen_creators, rng.integers(1, max_posts + 1, chosen_creators.size), 0)
    out = np.zeros(creator.size, dtype=bool)
    out[choose_in_groups(creator, k, rng)] = True
    return out


def _pick_giveaway(rng, cr, creator, at) -> np.ndarray:
    """One giveaway post per giveaway creator, inside the follower history when possible."""
    age_days = (C.SNAPSHOT - at) / C.DAY
    inside = (age_days > 4) & (age_days < cr.history_days[creator] - 5)
    key = rng.integers(0, 1 << 31, creator.size) + np.where(inside, 0, 1 << 31)
    order, rank = rank_in_group(creator, key)
    chosen = order[(rank == 0) & (cr.hard[creator[order]] == HARD["giveaway"])]
    out = np.zeros(creator.size, dtype=bool)
    out[chosen] = True
    cr.giveaway_at[creator[chosen]] = at[chosen]
    return out


def _post_traits(rng, cr: Creators, creator) -> dict[str, np.ndarray]:
    n, m = cr.n, creator.size
    disables = rng.random(n) < C.COMMENTS_DISABLED_CREATORS
    disabled = disables[creator] & (rng.random(m) < C.COMMENTS_DISABLED_POST_SHARE)
    tags = rng.lognormal(np.log(C.HASHTAG_MEDIAN), C.HASHTAG_SIGMA, n)
    p_loc = rng.beta(1.2, 1.8, n)
    return {
        "comments_disabled": disabled,
        "hashtags": rng.poisson(tags[creator]).astype(np.float64),
        "has_location": (rng.random(m) < p_loc[creator]).astype(np.float64),
    }
