"""Scores as of a past time (``creator_audit.dataset.as_of``) through the one scoring path: as of
the last thing the data holds they are the scores of all the data, and what happened after the
as-of time cannot move them."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from creator_audit.dataset import Dataset
from creator_audit.dataset.as_of import dataset_as_of
from evaluation.audit import restrict
from scoring.scores import score_dataset

N_CREATORS = 60
DAY = 86_400.0
BOUGHT_SHARE = 0.8  # followers bought after the as-of time: +80% within two days


@pytest.fixture(scope="module")
def some(dataset: Dataset) -> Dataset:
    """The first creators of the generated dataset: every table, every label."""
    return restrict(dataset, dataset.creators["creator_id"].iloc[:N_CREATORS].tolist())


def _last_time(ds: Dataset) -> float:
    """The latest time anything in ``ds`` is dated at (posts, events, readings, snapshots)."""
    times = [
        ds.posts["posted_at"].max(),
        ds.engagements["at"].max(),
        ds.follower_counts["at"].max(),
        ds.creators["snapshot_at"].max(),
    ]
    return max(times).timestamp()


def _score_columns(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=["as_of"], errors="ignore")


@pytest.mark.parametrize("later", [0.0, 90 * DAY])
def test_as_of_the_last_event_or_later_equals_scoring_all_the_data(
    models: SimpleNamespace, some: Dataset, later: float
) -> None:
    at = _last_time(some) + later
    as_of = score_dataset(models.a, dataset_as_of(some, at))
    pd.testing.assert_frame_equal(_score_columns(as_of), score_dataset(models.a, some))
    assert as_of["as_of"].str.contains('"posts_left_out": 0').all()


def _genuine_with_history(ds: Dataset) -> tuple[str, float]:
    """A creator labelled genuine with a follower history, and an as-of time 20 days before its
    snapshot that has posts before it."""
    labels = ds.labels.set_index("creator_id")["label"]
    first_post = ds.posts.groupby("creator_id")["posted_at"].min()
    with_history = set(ds.follower_counts["creator_id"])
    for creator in ds.creators.itertuples():
        at = creator.snapshot_at.timestamp() - 20 * DAY
        genuine = labels[creator.creator_id] == "genuine"
        first = first_post.get(creator.creator_id)  # None: no posts
        posted_long_before = first is not None and first.timestamp() < at - 60 * DAY
        if genuine and creator.creator_id in with_history and posted_long_before:
            return creator.creator_id, at
    raise AssertionError("no genuine creator with a follower history in the dataset")


def _followers_bought_after(ds: Dataset, creator_id: str, at: float) -> Dataset:
    """``ds`` with a jump of ``BOUGHT_SHARE`` in the creator's followers five days after ``at``:
    every later reading and its profile count raised, as bought followers do."""
    counts = ds.follower_counts.copy()
    bought = (counts["creator_id"] == creator_id) & (
        counts["at"].map(pd.Timestamp.timestamp) > at + 5 * DAY
    )
    counts.loc[bought, "followers"] = (counts.loc[bought, "followers"] * (1 + BOUGHT_SHARE)).round()
    creators = ds.creators.copy()
    own = creators["creator_id"] == creator_id
    creators.loc[own, "followers"] = (creators.loc[own, "followers"] * (1 + BOUGHT_SHARE)).round()
    return replace(ds, creators=creators, follower_counts=counts.astype(ds.follower_counts.dtypes))


def test_followers_bought_after_the_as_of_time_do_not_move_the_score_as_of_it(
    models: SimpleNamespace, some: Dataset
) -> None:
    creator_id, at = _genuine_with_history(some)
    clean = restrict(some, [creator_id])
    bought = _followers_bought_after(clean, creator_id, at)
    assert (bought.follower_counts["followers"] != clean.follower_counts["followers"]).any()
    before = score_dataset(models.a, dataset_as_of(clean, at))
    pd.testing.assert_frame_equal(score_dataset(models.a, dataset_as_of(bought, at)), before)
    now_clean, now_bought = score_dataset(models.a, clean), score_dataset(models.a, bought)
    assert now_bought["p_fake_followers"][0] > now_clean["p_fake_followers"][0]
    assert not np.isclose(now_bought["p_genuine"][0], now_clean["p_genuine"][0])
