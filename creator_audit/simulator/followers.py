"""Follower-count history and samples of each creator's followers.

History (``follower_counts``): daily, or every 1-2 days, over the last 60-120 days: organic drift
plus a random walk of churn, a bought step (<= 48 h, then slow attrition) and giveaway jumps.

Samples (``follower_samples``): 30-200 followers each. Real-looking and fake-looking profiles
are drawn from the distributions of real accounts labelled real and fake in public data
(``real_profiles``: per-class Gaussian copulas over followers, following, posts, bio length,
picture / private / link flags and username length and digits, committed as
``follower_profiles.json``). The classes overlap as the real ones do (fake: fewer followers, more
following per follower, few or no posts, no picture or bio more often, more digits in the name).
Every audience holds a few per cent of fake-looking accounts; a purchase raises that share with
the bought fraction.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from creator_audit.simulator import config as C
from creator_audit.simulator import text
from creator_audit.simulator.engagements import Actors, unique_sample
from creator_audit.simulator.profiles import Creators, followers_at, purchase_left
from creator_audit.simulator.real_profiles import draw_profiles
from creator_audit.simulator.sampling import ragged, uniform


def follower_counts(rng: np.random.Generator, cr: Creators) -> dict[str, np.ndarray]:
    who = np.flatnonzero(cr.has_counts)
    days = cr.history_days[who].astype(np.int64)
    row_c, k = ragged(days + 1)  # k days before the snapshot, k = 0 is the snapshot itself
    creator = who[row_c]
    # Churn: a random walk in log followers, anchored at the snapshot.
    step = rng.normal(0.0, C.FOLLOWER_NOISE_PER_DAY, creator.size) * (k > 0)
    cum = np.cumsum(step)
    starts = np.cumsum(days + 1) - (days + 1)
    walk = cum - np.repeat(cum[starts], days + 1)
    irregular = (rng.random(cr.n) < C.HISTORY_IRREGULAR_SHARE)[creator]
    jitter = np.where(irregular & (k > 0), rng.uniform(0, 3 * C.HOUR, creator.size), 0.0)
    at = C.SNAPSHOT - k * C.DAY - np.round(jitter)
    value = followers_at(cr, creator, at.astype(np.float64))
    real = followers_at(cr, creator, at.astype(np.float64), real_only=True)
    value = value + real * (np.exp(walk) - 1)
    value = np.where(k == 0, cr.followers[creator], np.round(np.maximum(value, 0)))
    # Irregular crawls skip about 4 in 10 days (never the snapshot itself).
    keep = ~irregular | (k == 0) | (rng.random(creator.size) >= 0.4)
    order = np.lexsort((at[keep], creator[keep]))
    return {
        "creator": creator[keep][order],
        "at": at[keep][order].astype(np.int64),
        "followers": value[keep][order].astype(np.int64),
    }


def _fake_share(rng, cr: Creators) -> np.ndarray:
    """Share of fake-looking followers: a few % for everyone, plus the bought share still there."""
    base = rng.beta(*C.BASE_FAKE_SHARE_AB, cr.n)
    idx = np.arange(cr.n)
    left = cr.purchase * purchase_left(cr, idx, np.full(cr.n, float(C.SNAPSHOT)))
    bought = np.clip(left / np.maximum(cr.followers, 1), 0, 1)
    return np.clip(base + bought * uniform(rng, C.BOUGHT_LOOK_FAKE, cr.n), 0, 0.97)


def _profiles(rng, fake: np.ndarray) -> dict[str, np.ndarray | pa.Array]:
    """Profile traits of sampled followers, from the real (or fake) labelled accounts' copula."""
    p = draw_profiles(rng, fake)
    return {
        "followers": p["followers"],
        "following": p["following"],
        "media_count": p["media_count"],
        "username": text.usernames_with(rng, p["username_length"], p["username_digits"]),
        "bio_length": p["bio_length"].astype(np.float64),
        "has_profile_pic": p["has_profile_pic"].astype(np.float64),
        "is_private": p["is_private"].astype(np.float64),
        "has_external_url": p["has_external_url"].astype(np.float64),
    }


def follower_samples(rng: np.random.Generator, cr: Creators, act: Actors) -> dict:
    who = np.flatnonzero(cr.has_samples)
    size = np.minimum(
        rng.integers(C.SAMPLE_SIZE[0], C.SAMPLE_SIZE[1] + 1, who.size), cr.followers[who]
    )
    share = _fake_share(rng, cr)[who]

    def draw(rows: np.ndarray) -> np.ndarray:
        c = who[rows]
        real = act.audience_start[c] + np.floor(rng.random(rows.size) * act.audience_size[c])
        fake = act.follower_farm_start + rng.integers(0, C.FOLLOWER_FARM_SIZE, rows.size)
        is_fake = rng.random(rows.size) < share[rows]
        return np.where(is_fake, fake, real.astype(np.int64)).astype(np.uint64)

    rows, account = unique_sample(rng, size, draw)
    # Whether an account looks fake is decided by the block it came from.
    fake_look = account >= np.uint64(act.follower_farm_start)
    fake_look &= account < np.uint64(act.follower_farm_start + C.FOLLOWER_FARM_SIZE)
    return {"creator": who[rows], "account": account, **_profiles(rng, fake_look)}
