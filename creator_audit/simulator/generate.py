"""Assemble the six tables from the simulation steps; the only place that builds DataFrames."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from creator_audit.atomic import atomic_directory, check_writable_directory
from creator_audit.dataset.types import Dataset
from creator_audit.dataset.write import is_dataset_entry, write_dataset, write_table
from creator_audit.schema import LABELS
from creator_audit.simulator import config as C
from creator_audit.simulator import counts, engagements, followers, posts, profiles
from creator_audit.simulator.ids import IdSpace, id_strings

_DELAY_BITS = 30  # event delays after posting stay below 2^30 s (34 years)
_STEPS = ("creators", "pods", "posts", "counts", "actors", "events", "history", "samples", "ids")


def _ts(seconds: np.ndarray) -> pa.Array:
    ns = np.asarray(seconds, dtype=np.int64) * 1_000_000_000
    return pa.array(ns, type=pa.timestamp("ns", tz="UTC"))


def _frame(columns: dict) -> pd.DataFrame:
    """pyarrow -> pandas keeps int64 / float64, gives "str" strings and datetime64[ns, UTC]."""
    return pa.table(columns).to_pandas()


def _creators_frame(rng, cr, creator_ids, media_count) -> pd.DataFrame:
    return _frame(
        {
            "creator_id": creator_ids,
            "followers": cr.followers,
            "following": cr.following,
            "media_count": media_count,
            "snapshot_at": _ts(np.full(cr.n, C.SNAPSHOT)),
            **profiles.profile_traits(rng, cr),
        }
    )


def _posts_frame(ps: posts.Posts, creator_ids, post_ids) -> pd.DataFrame:
    return _frame(
        {
            "creator_id": creator_ids.take(pa.array(ps.creator)),
            "post_id": post_ids,
            "posted_at": _ts(ps.at),
            "likes": ps.total_likes().astype(np.int64),
            "comments": ps.total_comments().astype(np.int64),
            "comments_disabled": ps.comments_disabled.astype(np.float64),
            "hashtags": ps.hashtags,
            "has_location": ps.has_location,
        }
    )


def _events_frame(cols, texts, ps: posts.Posts, post_ids, actor_salt) -> pd.DataFrame:
    delay = np.minimum(cols["delay"], (1 << _DELAY_BITS) - 1)
    order = np.argsort((cols["post"] << _DELAY_BITS) | delay, kind="stable")
    post, kind = cols["post"][order], cols["kind"][order]
    # Comment i (in the order added) has text i; likes have none.
    text_idx = np.cumsum(cols["kind"] == engagements.COMMENT) - 1
    text_idx = text_idx[order]
    return _frame(
        {
            "post_id": post_ids.take(pa.array(post)),
            "actor_id": id_strings(cols["actor"][order], actor_salt),
            "kind": pa.array(["like", "comment"]).take(pa.array(kind)),
            "at": _ts(ps.at[post] + delay[order]),
            "text": texts.take(pa.array(text_idx, mask=kind != engagements.COMMENT)),
        }
    )


def _labels_frame(cr, creator_ids) -> pd.DataFrame:
    return _frame(
        {
            "creator_id": creator_ids,
            "label": pa.array(list(LABELS)).take(pa.array(cr.label)),
            "hard_case": pa.array(list(C.HARD_CASES)).take(pa.array(cr.hard)),
        }
    )


def generate(
    n_creators: int,
    seed: int,
    likes_cap: int = C.LIKES_SAMPLE_CAP,
    step_done: Callable[[], None] = lambda: None,
) -> Dataset:
    """A labelled synthetic dataset of ``n_creators`` creators; same seed, same data.

    ``likes_cap`` bounds the like events kept per post (platforms cap liker lists; a smaller cap
    makes smaller engagement tables, e.g. for scale tests). ``step_done`` is called after each of
    the ``GENERATE_STEPS`` steps (a progress bar)."""
    if n_creators < 1:
        raise ValueError(f"n_creators must be >= 1, got {n_creators}")
    rng = dict(
        zip(
            _STEPS,
            (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(_STEPS))),
            strict=True,
        )
    )
    cr = profiles.draw_creators(rng["creators"], n_creators)
    pods = profiles.assign_pods(rng["pods"], cr)
    step_done()
    ps = posts.timeline(rng["posts"], cr, pods)
    profiles.settle_followers(cr)
    counts.engagement_counts(rng["counts"], cr, pods, ps)
    step_done()
    act = engagements.layout_actors(rng["actors"], cr, pods, IdSpace())
    cols, texts = engagements.simulate_events(rng["events"], cr, pods, ps, act, likes_cap)
    step_done()
    history = followers.follower_counts(rng["history"], cr)
    sample = followers.follower_samples(rng["samples"], cr, act)
    posts.squeeze_into_history(ps)  # after every draw made from post times
    step_done()

    salts = rng["ids"].integers(0, 1 << 40, 3)
    creator_ids = id_strings(np.arange(cr.n), int(salts[0]))
    post_ids = id_strings(np.arange(ps.n), int(salts[1]))
    n_posts = np.bincount(ps.creator, minlength=cr.n)
    older = rng["ids"].lognormal(np.log(C.OLDER_MEDIA_MEDIAN), C.OLDER_MEDIA_SIGMA, cr.n)
    # A creator showing fewer posts than an export holds has shown all it ever posted (REAL: all
    # 103 accounts showing under 24 posts have media_count equal to the posts shown).
    older[n_posts < C.POSTS_MIN] = 0.0
    media_count = n_posts + np.round(older).astype(np.int64)
    ds = Dataset(
        creators=_creators_frame(rng["ids"], cr, creator_ids, media_count),
        posts=_posts_frame(ps, creator_ids, post_ids),
        engagements=_events_frame(cols, texts, ps, post_ids, int(salts[2])),
        follower_counts=_frame(
            {
                "creator_id": creator_ids.take(pa.array(history["creator"])),
                "at": _ts(history["at"]),
                "followers": history["followers"],
            }
        ),
        follower_samples=_frame(
            {
                "creator_id": creator_ids.take(pa.array(sample.pop("creator"))),
                "account_id": id_strings(sample.pop("account"), int(salts[2])),
                **sample,
            }
        ),
        labels=_labels_frame(cr, creator_ids),
    )
    hidden = rng["ids"].random(cr.n) < C.NO_VISIBLE_POSTS_SHARE
    never_posted = hidden & (rng["ids"].random(cr.n) < C.NEVER_POSTED_SHARE)
    out = _hide_posts(ds, hidden, never_posted)
    step_done()
    return out


GENERATE_STEPS = 5  # calls of ``step_done`` per generate()


def _hide_posts(ds: Dataset, hidden: np.ndarray, never_posted: np.ndarray) -> Dataset:
    """Drop the posts and engagements of the ``hidden`` creators: some creators show no posts.

    The ``never_posted`` ones have posted nothing at all (media_count 0); the others are private.
    """
    ds.creators.loc[never_posted, "media_count"] = 0
    hidden_ids = ds.creators["creator_id"][hidden]
    keep_posts = ~ds.posts["creator_id"].isin(hidden_ids)
    kept_post_ids = ds.posts.loc[keep_posts, "post_id"]
    ds.posts = ds.posts[keep_posts].reset_index(drop=True)
    ds.engagements = ds.engagements[ds.engagements["post_id"].isin(kept_post_ids)].reset_index(
        drop=True
    )
    return ds


# Creators per part file of a large dataset. Generating a part of 50,000 peaks at ~22 GB (measured
# 2026-11-26, 200,000 creators in four parts); pass a smaller part size on a smaller machine.
PART_CREATORS = 50_000


def generate_to_dir(
    out_dir: str | os.PathLike[str],
    n_creators: int,
    seed: int,
    fmt: str = "parquet",
    part_creators: int = PART_CREATORS,
    likes_cap: int = C.LIKES_SAMPLE_CAP,
    force: bool = False,
    step_done: Callable[[], None] = lambda: None,
) -> Path:
    """Generate and write a dataset directory atomically (``creator_audit.dataset.write``).

    Up to ``part_creators`` creators: one file per table. More: partitioned Parquet, a directory
    of part files per table, generated and written one part at a time so memory holds one part,
    never the whole dataset. A non-empty ``out_dir`` that is not a dataset written by this
    project is refused, before any generating, unless ``force``.
    """
    if n_creators > part_creators and fmt != "parquet":
        raise ValueError(f"datasets of more than {part_creators} creators are written as Parquet")
    check_writable_directory(out_dir, force, is_dataset_entry)
    if n_creators <= part_creators:
        ds = generate(n_creators, seed, likes_cap, step_done)
        path = write_dataset(ds, out_dir, fmt, force)
        step_done()
        return path
    with atomic_directory(Path(out_dir), force, is_dataset_entry) as tmp:
        for k, start in enumerate(range(0, n_creators, part_creators)):
            size = min(part_creators, n_creators - start)
            part = generate(size, _part_seed(seed, k), likes_cap, step_done)
            for name, frame in _prefixed_ids(part, f"{k:05d}").tables().items():
                (tmp / name).mkdir(exist_ok=True)
                write_table(frame, tmp / name / f"part-{k:05d}.parquet", table=name)
            step_done()
    return Path(out_dir)


def generate_steps(n_creators: int, part_creators: int = PART_CREATORS) -> int:
    """How many times ``generate_to_dir`` calls ``step_done``: a progress bar's total."""
    parts = -(-n_creators // part_creators)
    return parts * (GENERATE_STEPS + 1)


def _part_seed(seed: int, part: int) -> int:
    """An independent seed for each part, derived from the dataset's seed."""
    return int(np.random.SeedSequence([seed, part]).generate_state(1, dtype=np.uint32)[0])


def _prefixed_ids(ds: Dataset, prefix: str) -> Dataset:
    """Creator and post ids made unique across parts (each part numbers its own from zero)."""
    for frame in ds.tables().values():
        for column in ("creator_id", "post_id"):
            if column in frame.columns:
                frame[column] = prefix + "-" + frame[column]
    return ds
