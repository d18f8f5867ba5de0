import numpy as np
import pandas as pd
import pytest

from features._tables import as_columns, prepare_posts, result
from features.posting_window import POSTING_WINDOW_COLUMNS, posting_window_from
from tests.features.frames import DAY, MIN, T0, creators, posts

MIDNIGHT = pd.Timestamp("2026-03-02T00:00:00Z")
SNAPSHOT = MIDNIGHT + 40 * DAY


def window(*rows: dict) -> pd.DataFrame:
    ids = sorted({row["creator_id"] for row in rows} | {"none"})
    c = creators(*({"creator_id": i, "snapshot_at": SNAPSHOT} for i in ids))
    p = prepare_posts(as_columns("creators", c), as_columns("posts", posts(*rows)))
    return result(p.ids, posting_window_from(p))


def pod_creator() -> list[dict]:
    """Four posts in a slot that wraps midnight (23:50-00:15), each with many comments; six spread
    over the afternoon with few."""
    inside = [-10 * MIN, 0 * MIN, 5 * MIN, 15 * MIN]
    rows = [
        {"posted_at": MIDNIGHT + (i + 1) * DAY + t, "likes": 300, "comments": 60}
        for i, t in enumerate(inside)
    ]
    rows += [
        {"posted_at": MIDNIGHT + (i + 10) * DAY + (13 + i) * 60 * MIN, "likes": 100, "comments": 2}
        for i in range(6)
    ]
    return [{"creator_id": "pod", "post_id": f"pod{i}"} | r for i, r in enumerate(rows)]


def test_busiest_slot_wraps_midnight_and_its_posts_earn_more():
    out = window(*pod_creator()).loc["pod"]
    assert out["posting_window_share"] == pytest.approx(4 / 10)
    assert out["posting_window_like_lift"] == pytest.approx(np.log1p(300) - np.log1p(100))
    inside = np.log1p(60) - np.log1p(300)
    outside = np.log1p(2) - np.log1p(100)
    assert out["posting_window_comment_lift"] == pytest.approx(inside - outside)


def test_posts_with_comments_off_stay_out_of_the_comment_lift():
    rows = pod_creator()
    rows[0] |= {"comments": 0, "comments_disabled": True}  # an inside post, comments off
    for row in rows[1:]:
        row["comments_disabled"] = False
    out = window(*rows).loc["pod"]
    inside = np.log1p(60) - np.log1p(300)  # the other three inside posts only
    outside = np.log1p(2) - np.log1p(100)
    assert out["posting_window_comment_lift"] == pytest.approx(inside - outside)
    assert out["posting_window_share"] == pytest.approx(4 / 10)  # the post still counts


def test_all_posts_in_one_slot_give_a_share_of_one_and_no_lift():
    rows = [
        {"creator_id": "habit", "post_id": f"h{i}", "posted_at": T0 + i * DAY, "likes": 50 + i}
        for i in range(6)
    ]
    out = window(*rows).loc["habit"]
    assert out["posting_window_share"] == 1.0
    assert np.isnan(out["posting_window_like_lift"])
    assert np.isnan(out["posting_window_comment_lift"])


def test_too_few_posts_or_none_give_missing_features():
    rows = [
        {"creator_id": "few", "post_id": f"f{i}", "posted_at": T0 + i * DAY, "likes": 9}
        for i in range(4)
    ]
    out = window(*rows)
    assert out.loc[["few", "none"], list(POSTING_WINDOW_COLUMNS)].isna().all().all()


def test_ties_pick_the_earliest_slot_and_spread_posting_has_no_lift():
    # Ten posts two and a half hours apart in the day: every slot holds one post.
    rows = [
        {
            "creator_id": "spread",
            "post_id": f"s{i}",
            "posted_at": MIDNIGHT + i * DAY + i * 150 * MIN,
            "likes": 80,
            "comments": 4,
        }
        for i in range(10)
    ]
    out = window(*rows).loc["spread"]
    assert out["posting_window_share"] == pytest.approx(1 / 10)
    assert out["posting_window_like_lift"] == pytest.approx(0.0)
    assert out["posting_window_comment_lift"] == pytest.approx(0.0)
