"""Which slice each creator falls in, for metrics by slice: size tier, data available and, where
the labels carry it, the simulator's hard case."""

from __future__ import annotations

import numpy as np
import pandas as pd

from creator_audit.dataset import Dataset
from scoring.norms import tiers_of


def creator_slices(ds: Dataset) -> pd.DataFrame:
    """One row per creator: follower tier, with/without engagement events, follower history and a
    follower sample, and ``hard_case`` when the labels table has that column."""
    creators = ds.creators.set_index("creator_id")
    tier = tiers_of(creators["followers"].to_numpy(dtype=np.float64))
    engaged = _creators_with_engagements(ds)
    with_history = (
        set(ds.follower_counts["creator_id"]) if ds.follower_counts is not None else set()
    )
    with_sample = (
        set(ds.follower_samples["creator_id"]) if ds.follower_samples is not None else set()
    )
    ids = creators.index
    slices = pd.DataFrame(
        {
            "follower_tier": tier,
            "engagement_events": np.where(ids.isin(list(engaged)), "with", "without"),
            "follower_history": np.where(ids.isin(list(with_history)), "with", "without"),
            "follower_samples": np.where(ids.isin(list(with_sample)), "with", "without"),
        },
        index=ids,
    )
    if ds.labels is not None and "hard_case" in ds.labels.columns:
        slices["hard_case"] = _hard_cases(ds.labels, ids)
    return slices


def _hard_cases(labels: pd.DataFrame, ids: pd.Index) -> np.ndarray:
    """Each creator's hard case; creators without a label row are "unlabelled" (evaluation drops
    them, as it only measures labelled creators)."""
    by_creator = labels.drop_duplicates("creator_id").set_index("creator_id")["hard_case"]
    return by_creator.reindex(ids).astype(object).fillna("unlabelled").astype(str).to_numpy()


def _creators_with_engagements(ds: Dataset) -> set[str]:
    if ds.engagements is None or len(ds.engagements) == 0:
        return set()
    engaged_posts = pd.Index(ds.engagements["post_id"].unique())
    posts = ds.posts
    return set(posts.loc[posts["post_id"].isin(engaged_posts), "creator_id"].unique())
