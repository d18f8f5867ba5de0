"""Engagement events: who liked or commented on which post, and when.

Only creators with ``has_events`` (about half, drawn independently of the label) get events, and
only on their ``EVENT_POSTS_MAX`` most recent posts. Comments are complete; **likes are a uniform
sample capped at ``LIKES_SAMPLE_CAP`` per post**, so the number of like events is not the post's
like count: features must use shares and rates (e.g. the share of likes in the first hour), never
raw event counts.

Actors come from one global id space: each creator's audience (loyal fans at its low indices, so
they recur post after post), niche pools shared by ~40 creators, pods' member pools, bot farms and a
huge "explore" space for one-off viewers; ``ids.scramble`` hides which block an id came from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from scipy.special import ndtri

from creator_audit.simulator import config as C
from creator_audit.simulator import text
from creator_audit.simulator.ids import IdSpace, scramble
from creator_audit.simulator.posts import ARRIVALS, Posts
from creator_audit.simulator.profiles import Creators, Pods
from creator_audit.simulator.sampling import rank_in_group

EXPLORE_SIZE = 1 << 36
_SHIFT = np.uint64(40)
_MASK = np.uint64((1 << 40) - 1)
LIKE, COMMENT = 0, 1


@dataclass
class Actors:
    """Where each actor pool lives in the raw id space."""

    audience_start: np.ndarray  # per creator
    audience_size: np.ndarray
    fan_offset: np.ndarray  # community fans hold audience indices [0, fan_offset)
    niche_start: np.ndarray  # per creator (start of its niche's pool)
    pod_start: np.ndarray  # per pod
    farm_start: np.ndarray  # per bot provider
    follower_farm_start: int  # sellers of followers (and the spam accounts in every audience)
    explore_start: int


def layout_actors(rng: np.random.Generator, cr: Creators, pods: Pods, space: IdSpace) -> Actors:
    size = np.maximum(np.ceil(cr.organic * C.AUDIENCE_POOL_PER_FOLLOWER), C.AUDIENCE_POOL_MIN)
    n_niches = max(1, cr.n // C.NICHE_CREATORS)
    niche = rng.integers(0, n_niches, cr.n)
    return Actors(
        audience_start=space.blocks(size.astype(np.int64)),
        audience_size=size.astype(np.int64),
        fan_offset=cr.fans,
        niche_start=space.blocks(np.full(n_niches, C.NICHE_POOL_SIZE))[niche],
        pod_start=space.blocks(pods.size),
        farm_start=space.blocks(np.full(C.BOT_PROVIDERS, C.BOT_FARM_SIZE)),
        follower_farm_start=space.block(C.FOLLOWER_FARM_SIZE),
        explore_start=space.block(EXPLORE_SIZE),
    )


class Events:
    """Accumulates event columns; comment texts are kept in the order comments were added."""

    def __init__(self) -> None:
        self.cols: dict[str, list[np.ndarray]] = {"post": [], "actor": [], "kind": [], "delay": []}
        self.texts: list[pa.Array] = []
        self.n_comments = 0

    def add(self, post, actor, kind: int, delay, texts: pa.Array | None = None) -> None:
        n = len(post)
        self.cols["post"].append(np.asarray(post, dtype=np.int64))
        self.cols["actor"].append(np.asarray(actor, dtype=np.uint64))
        self.cols["kind"].append(np.full(n, kind, dtype=np.int8))
        self.cols["delay"].append(np.floor(delay).astype(np.int64))
        if kind == COMMENT:
            self.texts.append(texts)
            self.n_comments += n

    def arrays(self) -> tuple[dict[str, np.ndarray], pa.Array]:
        out = {k: np.concatenate(v) if v else np.zeros(0) for k, v in self.cols.items()}
        texts = pa.concat_arrays(self.texts) if self.texts else pa.array([], pa.string())
        return out, texts


def unique_sample(rng, k: np.ndarray, draw) -> tuple[np.ndarray, np.ndarray]:
    """Up to k[i] distinct actors for row i: oversample ``draw(rows)`` and keep the first k
    distinct draws of each row (sequential sampling without replacement)."""
    m = np.where(k > 0, np.ceil(k * 1.3).astype(np.int64) + 4, 0)
    if not m.any():  # nothing to draw (a small dataset without, say, any bot burst)
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    rows = np.repeat(np.arange(k.size), m)
    actor = draw(rows)
    key = (rows.astype(np.uint64) << _SHIFT) | actor
    order = np.argsort(key)
    dup = np.zeros(rows.size, dtype=bool)
    dup[order[1:]] = key[order[1:]] == key[order[:-1]]
    fresh = np.cumsum(~dup)
    starts = np.cumsum(m) - m
    before = np.where(starts > 0, fresh[np.maximum(starts - 1, 0)], 0)
    keep = ~dup & (fresh - np.repeat(before, m) <= k[rows])
    return rows[keep], actor[keep]


def _audience_draw(rng, act: Actors, creator: np.ndarray, gamma: float):
    """Raw actor ids for each row's creator: mostly its own audience (power law, so low indices
    are loyal fans who recur), some from its niche pool (shared with other creators)."""

    def draw(rows: np.ndarray) -> np.ndarray:
        c = creator[rows]
        off = act.fan_offset[c]
        span = np.maximum(act.audience_size[c] - off, 1)
        own = act.audience_start[c] + off + np.floor(span * rng.random(rows.size) ** gamma)
        niche = act.niche_start[c] + rng.integers(0, C.NICHE_POOL_SIZE, rows.size)
        use_niche = rng.random(rows.size) < C.NICHE_SHARE
        return np.where(use_niche, niche, own.astype(np.int64)).astype(np.uint64)

    return draw


def _organic(
    rng, ev: Events, act: Actors, posts: Posts, idx, n_likes, creator, promo_share
) -> None:
    age = posts.age[idx]
    rows, actor = unique_sample(rng, n_likes, _audience_draw(rng, act, creator, C.LIKER_GAMMA))
    ev.add(idx[rows], actor, LIKE, ARRIVALS["organic"].sample(rng, age[rows]))
    k = posts.comments["organic"][idx]
    rows = np.repeat(np.arange(idx.size), k)
    actor = _audience_draw(rng, act, creator, C.COMMENTER_GAMMA)(rows)
    delay = ARRIVALS["organic"].sample(rng, age[rows])
    texts = text.genuine_comments(rng, rows.size, promo_share=promo_share[creator[rows]])
    ev.add(idx[rows], actor, COMMENT, delay, texts)


def _race_keys(rng, raw: np.ndarray) -> np.ndarray:
    """Weighted sampling without replacement (exponential race): the k smallest keys form the
    sample. Each member's weight is fixed by its id, so the keen ones turn up post after post."""
    u = (scramble(raw, C.MEMBER_ACTIVITY_SALT).astype(np.float64) + 0.5) / 2.0**40
    weight = np.exp(C.MEMBER_ACTIVITY_SIGMA * ndtri(u))
    key = rng.exponential(1.0, raw.size) / weight
    return np.minimum(key * 2.0**24, 2.0**32 - 1).astype(np.int64)


def _members(rng, ev, posts, idx, n_likes, name, pool_start, pool_size, comment_text) -> None:
    """Members of a fixed pool (community fans, pod members): one random ranking per post;
    the top n_likes like it and the top n_comments comment, so the same people recur."""
    n_comments = posts.comments[name][idx]
    busy = (n_likes > 0) | (n_comments > 0)
    idx, n_likes, n_comments = idx[busy], n_likes[busy], n_comments[busy]
    pool_start, pool_size = pool_start[busy], pool_size[busy]
    rows = np.repeat(np.arange(idx.size), pool_size)
    member = np.arange(rows.size) - np.repeat(np.cumsum(pool_size) - pool_size, pool_size)
    raw = (pool_start[rows] + member).astype(np.uint64)
    order, rank = rank_in_group(rows, _race_keys(rng, raw))
    rows, member = rows[order], member[order]
    arrival = ARRIVALS[name]
    for kind, k in ((LIKE, n_likes), (COMMENT, n_comments)):
        sel = rank < k[rows]
        r, actor = rows[sel], (pool_start[rows[sel]] + member[sel]).astype(np.uint64)
        delay = arrival.sample(rng, posts.age[idx[r]])
        ev.add(idx[r], actor, kind, delay, comment_text(rng, actor) if kind == COMMENT else None)


def _one_off(rng, ev, act: Actors, posts, idx, n_likes, name, comment_text) -> None:
    """Viral or giveaway engagement: new, one-off people from the explore space."""
    age = posts.age[idx]
    for kind, k in ((LIKE, n_likes), (COMMENT, posts.comments[name][idx])):
        rows = np.repeat(np.arange(idx.size), k)
        actor = act.explore_start + rng.integers(0, EXPLORE_SIZE, rows.size)
        delay = ARRIVALS[name].sample(rng, age[rows])
        texts = comment_text(rng, rows.size) if kind == COMMENT else None
        ev.add(idx[rows], actor, kind, delay, texts)


def _viral_comments(rng, n: int) -> pa.Array:
    return text.genuine_comments(rng, n, promo_share=C.VIRAL_PROMO_SHARE)


def _burst_delay(rng, posts: Posts, post, burst) -> np.ndarray:
    """Uniform inside the burst, cut at the snapshot for a burst still under way."""
    start, length = posts.burst_delay[post, burst], posts.burst_len[post, burst]
    done = np.clip((posts.age[post] - start) / length, 0, 1)
    return start + rng.random(post.size) * length * done


def _bots(rng, ev, act: Actors, cr: Creators, posts, idx, n_burst) -> None:
    """Bought likes in bursts from a provider's farm (mostly one-off accounts), few comments."""
    farm = act.farm_start[cr.bot_provider[posts.creator[idx]]]

    def draw(rows: np.ndarray) -> np.ndarray:
        return (farm[rows] + rng.integers(0, C.BOT_FARM_SIZE, rows.size)).astype(np.uint64)

    # One draw per post over all its bursts, so no account likes the same post twice.
    rows, actor = unique_sample(rng, n_burst.sum(axis=1), draw)
    starts = np.searchsorted(rows, np.arange(idx.size))
    rank = np.arange(rows.size) - starts[rows]
    burst = (rank[:, None] >= np.cumsum(n_burst, axis=1)[rows]).sum(axis=1)
    burst = np.minimum(burst, n_burst.shape[1] - 1)
    ev.add(idx[rows], actor, LIKE, _burst_delay(rng, posts, idx[rows], burst))
    rows = np.repeat(np.arange(idx.size), posts.comments["bot"][idx])
    weight = posts.burst_likes[idx[rows]].astype(np.float64) + 1e-9
    cum = np.cumsum(weight / weight.sum(axis=1, keepdims=True), axis=1)
    burst = np.minimum((rng.random(rows.size)[:, None] > cum).sum(axis=1), n_burst.shape[1] - 1)
    delay = _burst_delay(rng, posts, idx[rows], burst)
    promo_share = np.asarray(C.BOT_PROVIDER_PROMO_SHARE)[cr.bot_provider[posts.creator[idx[rows]]]]
    ev.add(idx[rows], draw(rows), COMMENT, delay, text.bot_comments(rng, rows.size, promo_share))


def _sample_likes(rng, posts: Posts, idx, cap: int) -> dict[str, np.ndarray]:
    """Split a uniform sample of min(likes, cap) likes over the components (hypergeometric)."""
    parts = {k: v[idx] for k, v in posts.likes.items()}
    for b in range(C.BOT_BURSTS_MAX):
        parts[f"burst{b}"] = posts.burst_likes[idx, b]
    left_total = sum(parts.values())
    left_sample = np.minimum(left_total, cap)
    out = {}
    for name, count in parts.items():
        out[name] = rng.hypergeometric(count, left_total - count, left_sample)
        left_total, left_sample = left_total - count, left_sample - out[name]
    return out


def simulate_events(
    rng, cr: Creators, pods: Pods, posts: Posts, act: Actors, likes_cap: int = C.LIKES_SAMPLE_CAP
):
    """All events of the sampled creators' recent posts (unsorted columns, comment texts); at
    most ``likes_cap`` like events per post."""
    idx = np.flatnonzero(cr.has_events[posts.creator] & (posts.newest_rank < C.EVENT_POSTS_MAX))
    creator = posts.creator[idx]
    likes = _sample_likes(rng, posts, idx, likes_cap)
    ev = Events()
    promo_share = rng.spawn(1)[0].beta(*C.ORGANIC_PROMO_BETA, len(cr.label))  # rng's stream kept
    _organic(rng, ev, act, posts, idx, likes["organic"], creator, promo_share)
    fans = act.fan_offset[creator]
    _members(
        rng,
        ev,
        posts,
        idx,
        likes["community"],
        "community",
        act.audience_start[creator],
        fans,
        lambda r, a: text.genuine_comments(r, a.size),
    )
    pod = np.maximum(cr.pod[creator], 0)
    pod_size = np.where(cr.pod[creator] >= 0, pods.size[pod], 0)
    _members(
        rng, ev, posts, idx, likes["pod"], "pod", act.pod_start[pod], pod_size, text.pod_comments
    )
    _one_off(rng, ev, act, posts, idx, likes["viral"], "viral", _viral_comments)
    _one_off(rng, ev, act, posts, idx, likes["giveaway"], "giveaway", text.giveaway_comments)
    bursts = np.stack([likes[f"burst{b}"] for b in range(C.BOT_BURSTS_MAX)], axis=1)
    _bots(rng, ev, act, cr, posts, idx, bursts)
    return ev.arrays()
