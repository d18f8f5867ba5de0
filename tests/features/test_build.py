import numpy as np
import pandas as pd
import pytest

from creator_audit.dataset.types import Dataset
from features import FEATURE_COLUMNS, build_features
from features.audience import GROWTH_COLUMNS, SAMPLE_COLUMNS
from features.build import FEATURE_FAMILIES
from features.timing import EVENT_TIMING_COLUMNS
from tests.features.frames import FollowsManyIsFake, MoneyIsSpam, empty, full_dataset


def test_columns_dtypes_and_order():
    ds = full_dataset()
    ds.creators = ds.creators.iloc[[2, 0, 1]].reset_index(drop=True)
    out = build_features(ds)
    assert tuple(out.columns) == FEATURE_COLUMNS
    assert len(set(FEATURE_COLUMNS)) == len(FEATURE_COLUMNS)
    assert tuple(c for cols in FEATURE_FAMILIES.values() for c in cols) == FEATURE_COLUMNS
    assert list(out.index) == ["c", "a", "b"]
    assert out.index.name == "creator_id"
    assert (out.dtypes == np.float64).all()


def test_full_creator_has_every_feature():
    out = build_features(full_dataset(), FollowsManyIsFake(), MoneyIsSpam())
    missing = out.columns[out.loc["a"].isna()].tolist()
    assert missing == ["comments_disabled_share"]  # the optional column is absent


def test_without_account_and_comment_models_only_their_features_are_missing():
    out = build_features(full_dataset())
    missing = out.columns[out.loc["a"].isna()].tolist()
    assert missing == [
        "comments_disabled_share",
        "comment_spam_share",
        "comment_spam_mean",
        "sample_fake_share",
        "sample_fake_share_ci95",
    ]


@pytest.mark.parametrize(
    ("table", "family_columns"),
    [
        ("engagements", EVENT_TIMING_COLUMNS + FEATURE_FAMILIES["engagers"]),
        ("follower_counts", GROWTH_COLUMNS),
        ("follower_samples", SAMPLE_COLUMNS),
    ],
)
def test_missing_table_blanks_exactly_its_features(table, family_columns):
    full = build_features(full_dataset())
    ds = full_dataset()
    setattr(ds, table, None)
    out = build_features(ds)
    assert out[list(family_columns)].isna().all().all()
    rest = [c for c in FEATURE_COLUMNS if c not in family_columns]
    pd.testing.assert_frame_equal(out[rest], full[rest])


def test_inputs_are_not_mutated():
    ds = full_dataset()
    before = {name: frame.copy(deep=True) for name, frame in ds.tables().items()}
    build_features(ds)
    for name, frame in ds.tables().items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_empty_dataset():
    ds = Dataset(
        creators=empty("creators"),
        posts=empty("posts"),
        engagements=empty("engagements"),
        follower_counts=empty("follower_counts"),
        follower_samples=empty("follower_samples"),
    )
    out = build_features(ds)
    assert out.shape == (0, len(FEATURE_COLUMNS))
    assert tuple(out.columns) == FEATURE_COLUMNS


def test_creator_without_posts():
    out = build_features(full_dataset()).loc["c"]
    assert out["post_count"] == 0
    assert out[["likes_per_follower_mean", "burstiness_mean", "posting_gap_cv"]].isna().all()


def test_rows_for_unknown_creators_and_posts_are_ignored():
    ds = full_dataset()
    extra = ds.engagements.iloc[:3].copy()
    extra["post_id"] = "nope"
    ds.engagements = pd.concat([ds.engagements, extra], ignore_index=True)
    pd.testing.assert_frame_equal(build_features(ds), build_features(full_dataset()))


def test_one_creator_alone_matches_the_batch():
    """The real-time API scores one creator at a time: its row must not depend on the others."""
    ds = full_dataset()
    batch = build_features(ds)
    for cid in ds.creators["creator_id"]:
        post_ids = ds.posts.loc[ds.posts["creator_id"] == cid, "post_id"]
        alone = Dataset(
            creators=ds.creators[ds.creators["creator_id"] == cid],
            posts=ds.posts[ds.posts["creator_id"] == cid],
            engagements=ds.engagements[ds.engagements["post_id"].isin(post_ids)],
            follower_counts=ds.follower_counts[ds.follower_counts["creator_id"] == cid],
            follower_samples=ds.follower_samples[ds.follower_samples["creator_id"] == cid],
        )
        pd.testing.assert_frame_equal(build_features(alone), batch.loc[[cid]])


def test_threaded_path_gives_the_same_features(monkeypatch):
    import features.build as build

    sequential = build_features(full_dataset())
    monkeypatch.setattr(build, "PARALLEL_MIN_EVENTS", 0)
    threaded = build_features(full_dataset())
    pd.testing.assert_frame_equal(sequential, threaded)
