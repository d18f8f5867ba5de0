"""How far the shortlist's authentic engagement is from the truth, on simulated creators whose
engagement the simulator knows the make-up of:

    .venv/bin/python benchmarks/authentic_engagement.py \
        --model models/creator-fraud-champion.bundle [--creators 1500] [--seed 12]

The simulator draws each post's likes and comments as components (organic, community fans,
viral, giveaway, pod members, bought bursts) and writes only their sum; this script keeps the
components of the dataset it generates, so each creator's true inauthentic share (pod and bought
engagement ÷ all, on the posts the ratios read) can be set beside the share the shortlist takes
out (``evaluation.shortlist.authentic``). Per label: the mean true and estimated share, the mean
error (estimate − truth) and the mean absolute error, over the creators with engagement events.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from evaluation.audit.evidence import gather
from evaluation.shortlist.authentic import authentic_engagement
from scoring.model import CreatorFraudModel

# The module, not the function ``creator_audit.simulator.generate`` the package exports.
simulator = importlib.import_module("creator_audit.simulator.generate")


def main() -> None:
    args = _parse()
    model = CreatorFraudModel.load(args.model)
    with _components_kept() as kept:
        ds = simulator.generate(args.creators, seed=args.seed)
    truth = _true_inauthentic_per_post(kept)
    rows = [_compare(ev, truth) for ev in gather(model, ds)]
    table = pd.DataFrame([r for r in rows if r is not None]).merge(ds.labels, on="creator_id")
    table["error"] = table["estimate"] - table["truth"]
    summary = table.groupby("label").agg(
        creators=("truth", "size"),
        truth=("truth", "mean"),
        estimate=("estimate", "mean"),
        mean_error=("error", "mean"),
        mean_abs_error=("error", lambda e: e.abs().mean()),
    )
    print(summary.round(3).to_string())


@contextmanager
def _components_kept() -> Iterator[dict[str, Any]]:
    """While open, generate() leaves its posts' components and post ids in the dict yielded."""
    kept: dict[str, Any] = {}
    simulate, posts_frame = simulator.engagements.simulate_events, simulator._posts_frame

    def simulate_keeping(rng, creators, pods, posts, *rest):
        kept["posts"] = posts
        return simulate(rng, creators, pods, posts, *rest)

    def posts_frame_keeping(posts, creator_ids, post_ids):
        frame = posts_frame(posts, creator_ids, post_ids)
        kept["post_ids"] = frame["post_id"].to_numpy()
        return frame

    simulator.engagements.simulate_events = simulate_keeping
    simulator._posts_frame = posts_frame_keeping
    try:
        yield kept
    finally:
        simulator.engagements.simulate_events = simulate
        simulator._posts_frame = posts_frame


def _true_inauthentic_per_post(kept: dict[str, Any]) -> pd.DataFrame:
    posts = kept["posts"]
    inauthentic = (
        posts.likes["pod"]
        + posts.comments["pod"]
        + posts.burst_likes.sum(axis=1)
        + posts.comments.get("bot", 0)
    )
    everything = posts.total_likes() + posts.total_comments()
    return pd.DataFrame(
        {"inauthentic": inauthentic, "all": everything}, index=pd.Index(kept["post_ids"])
    )


def _compare(ev, truth: pd.DataFrame) -> dict[str, Any] | None:
    found = authentic_engagement(ev)
    if found.missing is not None or ev.posts is None:
        return None
    read = truth.loc[ev.posts.loc[ev.posts["in_ratios"], "post_id"]]
    return {
        "creator_id": ev.creator_id,
        "truth": read["inauthentic"].sum() / max(read["all"].sum(), 1),
        "estimate": np.nan_to_num(found.removed_share),
    }


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="A creator-fraud bundle.")
    parser.add_argument("--creators", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=12)
    return parser.parse_args()


if __name__ == "__main__":
    main()
