"""Behavioural tests of the trained model: perturb a creator's raw tables, score again.

Every perturbation goes through the real feature path (build_features on edited tables), as a
user's data would. The model is an unconstrained multiclass GBM, so direction is a strong
tendency, not a law: a perturbation may move a little probability between two fraud classes. The
tests therefore bound how often and how far a probability moves the wrong way, on the creators the
model currently sees as genuine (where injected fraud must raise suspicion).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from creator_audit.dataset import Dataset, read_dataset
from features import build_features

BOUGHT = 5_000  # followers bought overnight
VISIBLE_UNDER = 50_000  # creators for whom 5,000 followers is a visible step (>= 10 %)
POD_MEMBERS = 40
MAX_WRONG_WAY_SHARE = 0.03  # at most 3 % of creators may move the wrong way ...
# ... and none by more than 0.20. A jump is also what a genuine giveaway looks like (10-40 % in a
# day or two), so a purchase can read as one: 1 creator in 262 moved by -0.15 with the model of
# class_weight_power 0, every other one by less than 0.01.
MAX_WRONG_WAY = 0.20
# Only moves beyond WRONG_WAY_TOLERANCE count as wrong: the four probabilities sum to one, so when
# injected pod comments also raise p_bot_engagement (many steady comments), p_engagement_pod of a
# creator near zero can fall by a few thousandths without the model reading the evidence the wrong
# way. The 3,000-creator test model moves 9 of 238 creators by 0.0002-0.03 that way, 3 by > 0.005.
WRONG_WAY_TOLERANCE = 0.005
# The creators perturbed are those the model sees as genuine with a margin. A coin-flip creator
# (p_genuine 0.52, p_engagement_pod 0.43 in the 3,000-creator test model) already carries pod
# evidence from its posts: its boosted posts sit in one daily slot and earn more there. Pod
# activity added to every post evens that out, and the small model then lowered p_engagement_pod
# by 0.35. The 40K-creator model of the main job moves 1 of 1,122 creators the wrong way, by 0.07.
SEEN_AS_GENUINE = 0.6
# How far the injected fraud must raise its class's probability on average. With the main job's
# 40K-creator model: purchase 0.67, pod 0.20 (1 of 1,122 creators the wrong way, by 0.07). The
# 3,000-creator test model's pod figure depends on which 1,800 creators it trains on: over three
# seeds it was 0.051, 0.027 and 0.033 with the old seeded split, and 0.024, 0.025 and 0.032 with
# test creators chosen by id (2026-12-07, the same data); 0.049-0.060 before was the first of
# those draws. A model that ignored the evidence stays near 0.
MIN_MEAN_RISE = 0.015


@pytest.fixture(scope="module")
def holdout(workspace) -> Dataset:
    return read_dataset(workspace.holdout)


@pytest.fixture(scope="module")
def model(workspace):
    return workspace.first.model


def _proba(model, ds: Dataset) -> pd.DataFrame:
    features = build_features(ds, model.account_model, model.comment_model)
    return pd.DataFrame(model.predict_proba(features), index=features.index, columns=model.labels)


def _with_overnight_purchase(ds: Dataset) -> Dataset:
    """Every creator with a follower history gains BOUGHT followers overnight, mid-history."""
    counts = ds.follower_counts.copy()
    start = counts.groupby("creator_id")["at"].transform("min")
    end = counts.groupby("creator_id")["at"].transform("max")
    after = counts["at"] >= start + (end - start) / 2
    counts.loc[after, "followers"] += BOUGHT
    creators = ds.creators.copy()
    has_history = creators["creator_id"].isin(counts["creator_id"])
    creators.loc[has_history, "followers"] += BOUGHT
    return Dataset(creators, ds.posts, ds.engagements, counts, ds.follower_samples, ds.labels)


def _with_pod(ds: Dataset) -> Dataset:
    """POD_MEMBERS accounts like and comment on every post with events, 2-12 minutes after it;
    the posts' like and comment counts include them, as a platform's would."""
    engaged = ds.posts[ds.posts["post_id"].isin(ds.engagements["post_id"])]
    rng = np.random.default_rng(0)
    rows = []
    for member in range(POD_MEMBERS):
        delay = pd.to_timedelta(rng.uniform(120, 720, len(engaged)), unit="s")
        for kind, text in (("like", None), ("comment", f"amazing content, keep shining {member}!")):
            rows.append(
                pd.DataFrame(
                    {
                        "post_id": engaged["post_id"].to_numpy(),
                        "actor_id": f"pod-member-{member}",
                        "kind": kind,
                        "at": (engaged["posted_at"] + delay).to_numpy(),
                        "text": text,
                    }
                )
            )
    pod = pd.concat(rows, ignore_index=True).astype(ds.engagements.dtypes.to_dict())
    engagements = pd.concat([ds.engagements, pod], ignore_index=True)
    posts = ds.posts.copy()
    boosted = posts["post_id"].isin(engaged["post_id"])
    posts.loc[boosted, ["likes", "comments"]] += POD_MEMBERS
    return Dataset(ds.creators, posts, engagements, ds.follower_counts, ds.follower_samples)


def _looks_genuine(proba: pd.DataFrame) -> pd.Index:
    return proba.index[proba["genuine"] > SEEN_AS_GENUINE]


def _assert_rises(before: pd.Series, after: pd.Series, ids: pd.Index) -> None:
    change = after[ids] - before[ids]
    assert len(ids) > 50
    assert change.mean() > MIN_MEAN_RISE
    assert (change < -WRONG_WAY_TOLERANCE).mean() <= MAX_WRONG_WAY_SHARE
    assert change.min() > -MAX_WRONG_WAY


def test_an_overnight_follower_purchase_raises_p_fake_followers(model, holdout) -> None:
    before = _proba(model, holdout)
    after = _proba(model, _with_overnight_purchase(holdout))
    creators = holdout.creators.set_index("creator_id")
    visible = creators.index[
        creators.index.isin(holdout.follower_counts["creator_id"])
        & (creators["followers"] < VISIBLE_UNDER)
    ]
    ids = visible.intersection(_looks_genuine(before))
    _assert_rises(before["fake_followers"], after["fake_followers"], ids)


def test_recurring_fast_commenters_raise_p_engagement_pod(model, holdout) -> None:
    before = _proba(model, holdout)
    after = _proba(model, _with_pod(holdout))
    engaged = pd.Index(
        holdout.posts.loc[
            holdout.posts["post_id"].isin(holdout.engagements["post_id"]), "creator_id"
        ].unique()
    )
    ids = engaged.intersection(_looks_genuine(before))
    _assert_rises(before["engagement_pod"], after["engagement_pod"], ids)


def test_removing_engagement_events_keeps_clearly_genuine_creators_genuine(model, holdout) -> None:
    proba = _proba(model, holdout)
    without = _proba(
        model,
        Dataset(
            holdout.creators, holdout.posts, None, holdout.follower_counts, holdout.follower_samples
        ),
    )
    engaged = holdout.posts.loc[
        holdout.posts["post_id"].isin(holdout.engagements["post_id"]), "creator_id"
    ].unique()
    clearly_genuine = proba.loc[engaged].index[proba.loc[engaged, "genuine"] > 0.9]
    assert len(clearly_genuine) > 20
    flipped = without.loc[clearly_genuine].idxmax(axis=1) != "genuine"
    # Absent events are no evidence, but the model reads posts alone less surely, so a rare
    # creator whose posts look odd does flip: the main job's champion flips 0.5% of such holdout
    # creators (seed 8) to 1.3% (20,000 of seed 9; benchmarks/creator_slices.py). Two in a
    # hundred is the line.
    assert flipped.sum() <= max(1, 0.02 * len(clearly_genuine)), (
        f"{flipped.sum()} of {len(clearly_genuine)} flipped: {list(clearly_genuine[flipped])}"
    )
