"""Which slice each creator falls in, for metrics by slice: size tier and data available."""

from __future__ import annotations

import numpy as np
import pandas as pd

from creator_audit.dataset import Dataset

TIERS = ((0, 10_000, "under 10K"), (10_000, 100_000, "10K-100K"), (100_000, np.inf, "over 100K"))


def creator_slices(ds: Dataset) -> pd.DataFrame:
    """One row per creator: follower tier, and with/without engagement events, follower history
    and a follower sample."""
    creators = ds.creators.set_index("creator_id")
    followers = creators["followers"].to_numpy()
    tier = np.full(len(creators), "", dtype=object)
    for low, high, name in TIERS:
        tier[(followers >= low) & (followers < high)] = name
    engaged = _creators_with_engagements(ds)
    with_history = (
        set(ds.follower_counts["creator_id"]) if ds.follower_counts is not None else set()
    )
    with_sample = (
        set(ds.follower_samples["creator_id"]) if ds.follower_samples is not None else set()
    )
    ids = creators.index
    return pd.DataFrame(
        {
            "follower_tier": tier,
            "engagement_events": np.where(ids.isin(list(engaged)), "with", "without"),
            "follower_history": np.where(ids.isin(list(with_history)), "with", "without"),
            "follower_samples": np.where(ids.isin(list(with_sample)), "with", "without"),
        },
        index=ids,
    )


def _creators_with_engagements(ds: Dataset) -> set[str]:
    if ds.engagements is None or len(ds.engagements) == 0:
        return set()
    engaged_posts = pd.Index(ds.engagements["post_id"].unique())
    posts = ds.posts
    return set(posts.loc[posts["post_id"].isin(engaged_posts), "creator_id"].unique())
