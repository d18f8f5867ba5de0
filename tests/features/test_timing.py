import numpy as np
import pytest

from features.timing import EVENT_TIMING_COLUMNS, POSTING_COLUMNS
from tests.features.families import timing_features
from tests.features.frames import DAY, HOUR, MIN, T0, creators, empty, engagements, posts

SECOND = MIN / 60


@pytest.fixture
def tables():
    snapshot = T0 + 10 * DAY
    c = creators(
        {"creator_id": "a", "snapshot_at": snapshot},
        {"creator_id": "b", "snapshot_at": snapshot},
        {"creator_id": "c", "snapshot_at": snapshot},
    )
    p = posts(
        {"creator_id": "a", "post_id": "a1", "posted_at": T0},
        {"creator_id": "b", "post_id": "b1", "posted_at": T0},
        # c: three posts, always at 12:00, one and then two days apart; no engagements.
        {"creator_id": "c", "post_id": "c1", "posted_at": T0},
        {"creator_id": "c", "post_id": "c2", "posted_at": T0 + DAY},
        {"creator_id": "c", "post_id": "c3", "posted_at": T0 + 3 * DAY},
    )
    e = engagements(
        # a: a like timed 5 minutes before its post (clock skew) counts as delay 0.
        {"post_id": "a1", "actor_id": "x1", "at": T0 - 5 * MIN},
        {"post_id": "a1", "actor_id": "x2", "at": T0 + 2 * MIN},
        {"post_id": "a1", "actor_id": "x3", "at": T0 + 3 * MIN},
        {"post_id": "a1", "actor_id": "x4", "at": T0 + 10 * MIN},
        {"post_id": "a1", "actor_id": "x5", "kind": "comment", "at": T0 + 20 * MIN},
        {"post_id": "a1", "actor_id": "x6", "kind": "comment", "at": T0 + 2 * HOUR},
        # b: two early likes, then eight likes 30 s apart seven hours later (a bought burst).
        {"post_id": "b1", "actor_id": "y1", "at": T0 + 1 * MIN},
        {"post_id": "b1", "actor_id": "y2", "at": T0 + 2 * MIN},
        *(
            {"post_id": "b1", "actor_id": f"z{k}", "at": T0 + 7 * HOUR + 30 * k * SECOND}
            for k in range(8)
        ),
    )
    return c, p, e


def test_arrival_shares(tables):
    a = timing_features(*tables).loc["a"]
    assert a["like_share_within_5m"] == pytest.approx(3 / 4)
    assert a["like_share_within_15m"] == pytest.approx(1.0)
    assert a["comment_share_within_15m"] == pytest.approx(0.0)
    assert a["comment_share_within_60m"] == pytest.approx(1 / 2)


def test_post_shape_by_hand(tables):
    out = timing_features(*tables)
    gaps = np.array([120, 60, 420, 600, 6_000], dtype=float)  # delays 0, 2, 3, 10, 20, 120 min
    mu, sigma = gaps.mean(), gaps.std()
    a, b = out.loc["a"], out.loc["b"]
    assert a["burstiness_mean"] == pytest.approx((sigma - mu) / (sigma + mu))
    assert a["peak_minute_share_mean"] == pytest.approx(1 / 6)  # every minute holds one event
    assert a["peak_minute_log_delay_median"] == pytest.approx(0.0)  # earliest: minute 0
    assert a["late_burst_share"] == 0.0
    assert b["peak_minute_share_mean"] == pytest.approx(2 / 10)
    assert b["peak_minute_log_delay_median"] == pytest.approx(np.log1p(420))
    assert b["late_burst_share"] == pytest.approx(8 / 10)


def test_posting_regularity_without_engagements(tables):
    c, p, _ = tables
    out = timing_features(c, p, None)
    assert out[list(EVENT_TIMING_COLUMNS)].isna().all().all()
    regular = out.loc["c"]
    assert regular["posting_gap_cv"] == pytest.approx(0.5 / 1.5)  # gaps 1 and 2 days
    assert regular["posting_hour_entropy"] == pytest.approx(0.0)
    assert regular["posting_top_minute_share"] == pytest.approx(1.0)
    assert out.loc[["a", "b"], list(POSTING_COLUMNS)].isna().all().all()  # fewer than 3 posts


def test_creator_without_events_is_nan(tables):
    c = timing_features(*tables).loc["c"]
    assert c[list(EVENT_TIMING_COLUMNS)].isna().all()


def test_empty_engagements(tables):
    c, p, _ = tables
    out = timing_features(c, p, empty("engagements"))
    assert out[list(EVENT_TIMING_COLUMNS)].isna().all().all()
    assert out.loc["c", "posting_gap_cv"] == pytest.approx(1 / 3)


def test_young_posts_leave_arrival_shares():
    c = creators({"creator_id": "a", "snapshot_at": T0 + 2 * DAY})
    p = posts(
        {"creator_id": "a", "post_id": "old", "posted_at": T0},
        {"creator_id": "a", "post_id": "new", "posted_at": T0 + 2 * DAY - HOUR},
    )
    e = engagements(
        {"post_id": "old", "actor_id": "x", "at": T0 + 30 * MIN},
        {"post_id": "new", "actor_id": "x", "at": T0 + 2 * DAY - HOUR + MIN},
    )
    assert timing_features(c, p, e).loc["a", "like_share_within_5m"] == 0.0
