import numpy as np
import pandas as pd
import pytest

from features.engagement import ENGAGEMENT_COLUMNS
from features.reference import expected_engagement_rate
from tests.features.families import engagement_features
from tests.features.frames import DAY, HOUR, T0, creators, empty, posts


@pytest.fixture
def tables():
    snapshot = T0 + 10 * DAY
    c = creators(
        {"creator_id": "a", "followers": 1_000, "following": 500, "snapshot_at": snapshot},
        {"creator_id": "b", "followers": 2_000, "following": 100, "snapshot_at": snapshot},
        {"creator_id": "c", "followers": 0, "following": 10},
    )
    p = posts(
        {"creator_id": "a", "post_id": "a1", "posted_at": T0, "likes": 10, "comments": 1},
        {"creator_id": "a", "post_id": "a2", "posted_at": T0 + DAY, "likes": 30, "comments": 3},
        {"creator_id": "b", "post_id": "b1", "posted_at": T0, "likes": 100, "comments": 0},
        # One hour old at the snapshot: its likes are incomplete, so ratios leave it out.
        {"creator_id": "b", "post_id": "b2", "posted_at": snapshot - HOUR, "likes": 500},
    )
    return c, p


def test_ratios_by_hand(tables):
    out = engagement_features(*tables)
    a, b = out.loc["a"], out.loc["b"]
    assert a["likes_per_follower_mean"] == pytest.approx(0.02)
    assert a["likes_per_follower_median"] == pytest.approx(0.02)
    assert a["likes_cv"] == pytest.approx(10 / 20)  # population std of (10, 30) over mean
    assert a["likes_max_to_median"] == pytest.approx(30 / 20)
    assert a["comments_per_follower_mean"] == pytest.approx(0.002)
    assert a["comments_per_like_pooled"] == pytest.approx(4 / 40)
    assert a["comments_per_like_median"] == pytest.approx(0.1)
    expected = np.log(((11 + 33) / 2 / 1_000) / expected_engagement_rate(1_000))
    assert a["engagement_rate_log_ratio"] == pytest.approx(expected)
    assert a["post_count"] == 2
    assert a["log_followers"] == pytest.approx(np.log1p(1_000))
    assert a["following_per_follower"] == pytest.approx(0.5)
    assert b["likes_per_follower_mean"] == pytest.approx(100 / 2_000)  # young b2 left out
    assert np.isnan(b["likes_cv"])  # a single post has no spread
    assert b["post_count"] == 2


def test_creator_without_posts_and_zero_followers(tables):
    c, p = tables
    out = engagement_features(c, p).loc["c"]
    assert out["post_count"] == 0  # posts is a required table: zero posts is a fact
    assert np.isnan(out["following_per_follower"])
    ratios = [n for n in ENGAGEMENT_COLUMNS if n not in {"post_count", "log_followers"}]
    assert out[ratios].isna().all()


def test_only_young_posts_use_them_all():
    # Both posts under a day old at the snapshot: with no older post, the ratios use them.
    c = creators({"creator_id": "a", "followers": 1_000, "snapshot_at": T0 + 2 * HOUR})
    p = posts(
        {"creator_id": "a", "post_id": "a1", "posted_at": T0, "likes": 10},
        {"creator_id": "a", "post_id": "a2", "posted_at": T0 + HOUR, "likes": 30},
    )
    assert engagement_features(c, p).loc["a", "likes_per_follower_mean"] == pytest.approx(0.02)


def test_comments_disabled_posts_leave_comment_ratios():
    c = creators({"creator_id": "a", "followers": 1_000, "snapshot_at": T0 + 5 * DAY})
    p = posts(
        {
            "creator_id": "a",
            "post_id": "a1",
            "posted_at": T0,
            "likes": 10,
            "comments": 2,
            "comments_disabled": 0.0,
        },
        {
            "creator_id": "a",
            "post_id": "a2",
            "posted_at": T0,
            "likes": 30,
            "comments_disabled": 1.0,
        },
        {"creator_id": "a", "post_id": "a3", "posted_at": T0, "likes": 20, "comments": 4},
    )
    out = engagement_features(c, p).loc["a"]
    assert out["comments_disabled_share"] == pytest.approx(1 / 2)  # a3 unknown
    assert out["comments_per_like_pooled"] == pytest.approx(6 / 30)
    assert out["likes_per_follower_mean"] == pytest.approx(0.02)


def test_empty_frames():
    out = engagement_features(empty("creators"), empty("posts"))
    assert list(out.columns) == list(ENGAGEMENT_COLUMNS)
    assert out.empty and out.index.name == "creator_id"
    assert (out.dtypes == np.float64).all()


def test_reference_curve_matches_published_figures():
    rate = expected_engagement_rate(np.array([350, 2_500, 10_000, 50_000, 300_000, 0]))
    assert rate[0] == pytest.approx(0.16, abs=0.01)
    assert rate[1] == pytest.approx(0.0425, abs=0.002)
    assert rate[2] == pytest.approx(0.0228, abs=0.002)
    assert rate[3] == pytest.approx(0.0162, abs=0.002)
    assert rate[4] == pytest.approx(0.0155, abs=0.002)
    assert np.isnan(rate[5])
    assert isinstance(rate, np.ndarray) and not isinstance(rate, pd.Series)


def test_only_the_most_recent_posts_count():
    from features._tables import RECENT_POSTS

    # RECENT_POSTS recent posts with 20 likes, and five older ones with 5,000 likes each:
    # the old ones are outside the window and must not move any ratio.
    rows = [
        {"creator_id": "a", "post_id": f"p{i}", "posted_at": T0 - i * DAY, "likes": 20}
        for i in range(RECENT_POSTS)
    ] + [
        {
            "creator_id": "a",
            "post_id": f"old{i}",
            "posted_at": T0 - (RECENT_POSTS + i) * DAY,
            "likes": 5_000,
        }
        for i in range(5)
    ]
    out = engagement_features(creators({"creator_id": "a"}), posts(*rows))
    assert out.loc["a", "post_count"] == RECENT_POSTS
    assert out.loc["a", "likes_max_to_median"] == 1.0
    assert out.loc["a", "likes_per_follower_mean"] == pytest.approx(20 / 1_000)


def test_hidden_likes_are_unknown_not_zero():
    """A post whose owner hid its likes (``likes`` missing) counts for comments, not for likes."""
    from creator_audit.dataset import coerce_table

    c = creators({"creator_id": "a", "followers": 1_000, "snapshot_at": T0 + 10 * DAY})
    raw = pd.DataFrame(
        {
            "creator_id": ["a"] * 3,
            "post_id": ["a1", "a2", "a3"],
            "posted_at": [T0, T0 + DAY, T0 + 2 * DAY],
            "likes": [10, None, 30],
            "comments": [1, 5, 3],
        }
    )
    out = engagement_features(c, coerce_table("posts", raw, "posts")).loc["a"]
    assert out["likes_per_follower_mean"] == pytest.approx(0.02)
    assert out["likes_max_to_median"] == pytest.approx(30 / 20)
    assert out["comments_per_follower_mean"] == pytest.approx(9 / 3 / 1_000)
    assert out["comments_per_like_pooled"] == pytest.approx(4 / 40)  # the posts that show both
    assert out["comments_per_like_median"] == pytest.approx(0.1)
    expected = np.log(((11 + 33) / 2 / 1_000) / expected_engagement_rate(1_000))
    assert out["engagement_rate_log_ratio"] == pytest.approx(expected)
    assert out["post_count"] == 3
