"""Throughput of the feature path: engagement events per second through ``build_features``.

    .venv/bin/python benchmarks/features_throughput.py [--creators N] [--seed S] [--data DIR]

With ``--data`` the dataset is read from DIR; otherwise it comes from the simulator
(``creator_audit.simulator.generate``) when that is importable, else from the quick synthetic
generator below. Prints wall time per family and events/s of the whole build.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from creator_audit.dataset.columnar import columnar
from creator_audit.dataset.types import Dataset
from features import build_features
from features._tables import prepare_events, prepare_posts
from features.audience import audience_from
from features.engagement import engagement_from
from features.engagers import engager_from
from features.timing import timing_from

UTC = "UTC"
START = pd.Timestamp("2026-01-01", tz=UTC)
POSTS_PER_CREATOR = 30
EVENTS_PER_POST = 60  # 3,000 creators -> ~5.4M events
DAYS = 90
SAMPLE_PER_CREATOR = 50
WORDS = np.array(["nice", "love", "this", "great", "post", "so", "cool", "wow", "the", "light"])


def synthetic(n_creators: int, seed: int) -> Dataset:
    """A fraud-agnostic dataset with realistic shapes, built with vectorised numpy only."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("c", np.arange(n_creators).astype(str))
    followers = np.round(rng.lognormal(8.5, 1.2, n_creators)).astype(np.int64)
    creators = pd.DataFrame(
        {
            "creator_id": pd.array(ids, dtype="str"),
            "followers": followers,
            "following": rng.integers(50, 3_000, n_creators),
            "media_count": rng.integers(POSTS_PER_CREATOR, 900, n_creators),
        }
    )
    posts = _posts(rng, ids, followers)
    return Dataset(
        creators=creators,
        posts=posts,
        engagements=_engagements(rng, posts),
        follower_counts=_follower_counts(rng, ids, followers),
        follower_samples=_follower_samples(rng, ids),
    )


def _posts(rng: np.random.Generator, ids: np.ndarray, followers: np.ndarray) -> pd.DataFrame:
    owner = np.repeat(np.arange(len(ids)), POSTS_PER_CREATOR)
    seconds = rng.uniform(0, DAYS * 86_400, len(owner))
    likes = rng.poisson(followers[owner] * rng.lognormal(np.log(0.04), 0.5, len(owner)))
    return pd.DataFrame(
        {
            "creator_id": pd.array(ids[owner], dtype="str"),
            "post_id": pd.array(np.char.add("p", np.arange(len(owner)).astype(str)), dtype="str"),
            "posted_at": START + pd.to_timedelta(seconds, unit="s"),
            "likes": likes,
            "comments": rng.poisson(likes * 0.03),
            "comments_disabled": (rng.random(len(owner)) < 0.02).astype(np.float64),
        }
    )


def _engagements(rng: np.random.Generator, posts: pd.DataFrame) -> pd.DataFrame:
    per_post = rng.poisson(EVENTS_PER_POST, len(posts))
    post = np.repeat(np.arange(len(posts)), per_post)
    n = len(post)
    delay = rng.exponential(3 * 3_600, n)
    comment = rng.random(n) < 0.1
    # Actors: half from a small per-creator pool (fans recur), half from a large global pool.
    creator_code = pd.factorize(posts["creator_id"])[0][post]
    local = creator_code * 200 + rng.integers(0, 200, n)
    actor = np.where(rng.random(n) < 0.5, local, 10**7 + rng.integers(0, 10**6, n))
    text = np.where(comment, _texts(rng, n), None)
    return pd.DataFrame(
        {
            "post_id": posts["post_id"].to_numpy()[post],
            "actor_id": pd.array(np.char.add("a", actor.astype(str)), dtype="str"),
            "kind": pd.array(np.where(comment, "comment", "like"), dtype="str"),
            "at": pd.DatetimeIndex(posts["posted_at"])[post] + pd.to_timedelta(delay, unit="s"),
            "text": pd.array(text, dtype="str"),
        }
    ).astype({"post_id": "str"})


def _texts(rng: np.random.Generator, n: int) -> np.ndarray:
    picks = WORDS[rng.integers(0, len(WORDS), (n, 3))]
    text = np.char.add(np.char.add(picks[:, 0], " "), picks[:, 1])
    long = rng.random(n) < 0.5
    return np.where(long, np.char.add(np.char.add(text, " "), picks[:, 2]), text)


def _follower_counts(rng: np.random.Generator, ids: np.ndarray, followers: np.ndarray):
    owner = np.repeat(np.arange(len(ids)), DAYS)
    day = np.tile(np.arange(DAYS), len(ids))
    jump_day = rng.integers(0, DAYS, len(ids))
    jump = np.where(rng.random(len(ids)) < 0.3, followers * 0.3, 0.0)
    level = followers[owner] * (0.8 + 0.2 * day / DAYS) + jump[owner] * (day >= jump_day[owner])
    return pd.DataFrame(
        {
            "creator_id": pd.array(ids[owner], dtype="str"),
            "at": START + pd.to_timedelta(day, unit="D"),
            "followers": np.round(level).astype(np.int64),
        }
    )


def _follower_samples(rng: np.random.Generator, ids: np.ndarray) -> pd.DataFrame:
    owner = np.repeat(np.arange(len(ids)), SAMPLE_PER_CREATOR)
    n = len(owner)
    digits = rng.integers(0, 10 ** rng.integers(1, 6, n))
    return pd.DataFrame(
        {
            "creator_id": pd.array(ids[owner], dtype="str"),
            "account_id": pd.array(np.char.add("s", np.arange(n).astype(str)), dtype="str"),
            "followers": rng.integers(0, 5_000, n),
            "following": rng.integers(0, 7_000, n),
            "media_count": rng.integers(0, 300, n),
            "username": pd.array(np.char.add("user", digits.astype(str)), dtype="str"),
            "has_profile_pic": np.where(rng.random(n) < 0.1, np.nan, rng.random(n) < 0.8),
            "is_private": (rng.random(n) < 0.3).astype(np.float64),
            "bio_length": rng.integers(0, 150, n).astype(np.float64),
        }
    )


def load(args: argparse.Namespace) -> tuple[Dataset, str]:
    if args.data:
        from creator_audit.dataset import read_dataset  # written alongside; only needed here

        return read_dataset(Path(args.data)), f"read from {args.data}"
    try:
        from creator_audit.simulator import generate
    except ImportError:
        return synthetic(args.creators, args.seed), "benchmark's synthetic generator"
    return generate(args.creators, args.seed), "creator_audit.simulator.generate"


def timed(label: str, fn, *fn_args):
    start = time.perf_counter()
    out = fn(*fn_args)
    print(f"  {label:<22} {time.perf_counter() - start:7.3f} s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creators", type=int, default=3_800)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", help="dataset directory to read instead of generating one")
    parser.add_argument("--repeat", type=int, default=3, help="whole-build runs; best is kept")
    args = parser.parse_args()

    ds, source = load(args)
    n_events = 0 if ds.engagements is None else len(ds.engagements)
    print(
        f"dataset: {source}: {len(ds.creators):,} creators, {len(ds.posts):,} posts, "
        f"{n_events:,} engagement events"
    )

    print("per stage (one run):")
    cds = timed("frames to columns", columnar, ds)
    posts = timed("prepare posts", prepare_posts, cds.creators, cds.posts, cds.read_time)
    events = timed("prepare events", prepare_events, posts, cds.engagements)
    timed("engagement", engagement_from, posts, cds.creators)
    timed("timing", timing_from, posts, events)
    timed("engagers (+ actor ids)", engager_from, posts, events, cds.engagements)
    timed("audience", audience_from, posts, cds.creators, cds.follower_counts, cds.follower_samples)

    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        build_features(ds)
        best = min(best, time.perf_counter() - start)
    print(
        f"build_features: best of {args.repeat}: {best:.3f} s wall, {n_events / best:,.0f} events/s"
    )


if __name__ == "__main__":
    main()
