"""Follower-count history and samples of each creator's followers.

History (``follower_counts``): daily, or every 1-2 days, over the last 60-120 days: organic drift
plus a random walk of churn, a bought step (<= 48 h, then slow attrition) and giveaway jumps.

Samples (``follower_samples``): 30-200 followers each. Real-looking and fake-looking profiles
are drawn from overlapping distributions (fake: fewer followers, following many, few or no
posts, no picture or bio, digit-heavy names more often), and every audience holds a few per cent
of fake-looking accounts; a purchase raises that share with the bought fraction.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from creator_audit.simulator import config as C
from creator_audit.simulator import text
from creator_audit.simulator.engagements import Actors, unique_sample
from creator_audit.simulator.profiles import Creators, followers_at, purchase_left
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
    """Profile traits of sampled followers; overlapping real and fake distributions."""
    n = fake.size

    def pick(real_value, fake_value):
        return np.where(fake, fake_value, real_value)

    mass = ~fake & (rng.random(n) < 0.05)  # real mass-followers also follow thousands
    followers = rng.lognormal(pick(np.log(350), np.log(25)), pick(1.2, 1.3))
    following = rng.lognormal(pick(np.log(450), np.log(1400)), pick(0.8, 0.7))
    following = np.where(mass, rng.lognormal(np.log(3000), 0.5, n), following)
    media = np.where(
        rng.random(n) < pick(0.10, 0.55), 0, rng.lognormal(pick(np.log(80), np.log(4)), 1.1)
    )
    bio = np.where(
        rng.random(n) < pick(0.45, 0.75),
        0,
        np.minimum(rng.lognormal(pick(np.log(40), np.log(20)), 0.8), 150),
    )
    return {
        "followers": np.round(followers).astype(np.int64),
        "following": np.round(following).astype(np.int64),
        "media_count": np.round(media).astype(np.int64),
        "username": text.usernames(rng, n, fake),
        "bio_length": np.round(bio),
        "has_profile_pic": (rng.random(n) < pick(0.95, 0.5)).astype(np.float64),
        "is_private": (rng.random(n) < pick(0.35, 0.15)).astype(np.float64),
        "has_external_url": (rng.random(n) < pick(0.08, 0.03)).astype(np.float64),
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
