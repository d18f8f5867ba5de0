"""What a creator's features rest on: the snapshot (given, or when the data was read), the posts
rules leave out, and comment lists that hold only part of a post's comments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from creator_audit.dataset import Dataset, ReadTime
from creator_audit.dataset.columnar import columnar
from features import feature_matrix
from features.basis import Basis
from features.engagers import ENGAGER_COLUMNS
from features.timing import EVENT_TIMING_COLUMNS
from tests.features.frames import DAY, HOUR, MIN, T0, creators, engagements, posts

# docs/api.md's example creator: two posts, and a third far above them (7,900 likes against 620
# and 540), which is the one that tells.
README_POSTS = (
    {"post_id": "p1", "posted_at": T0, "likes": 620, "comments": 31},
    {"post_id": "p2", "posted_at": T0 + 3 * DAY, "likes": 540, "comments": 24},
    {"post_id": "p3", "posted_at": T0 + 8 * DAY, "likes": 7_900, "comments": 4},
)
LAST_POST = T0 + 8 * DAY
COMMENT_EVENT_FEATURES = [
    *(c for c in EVENT_TIMING_COLUMNS if c.startswith("comment_")),
    "commenter_overlap_consecutive",
    "duplicate_comment_share",
    "generic_comment_share",
    "comment_words_mean",
]


def _seconds(at: pd.Timestamp) -> float:
    return at.timestamp()


def readme_creator(
    snapshot_at: pd.Timestamp | None = None,
    read_at: pd.Timestamp = LAST_POST + 30 * DAY,
    events: list[dict] | None = None,
) -> Dataset:
    creator = {"creator_id": "c1", "followers": 12_400, "following": 310, "media_count": 148}
    if snapshot_at is not None:
        creator["snapshot_at"] = snapshot_at
    return Dataset(
        creators=creators(creator),
        posts=posts(*({"creator_id": "c1", **row} for row in README_POSTS)),
        engagements=None if events is None else engagements(*events),
        read_time=ReadTime(_seconds(read_at)),
    )


def basis_and_features(ds: Dataset) -> tuple[Basis, pd.Series]:
    matrix = feature_matrix(columnar(ds))
    assert matrix.basis is not None
    return matrix.basis.per_creator()[0], matrix.frame().iloc[0]


def test_without_snapshot_at_the_newest_post_counts_once_the_data_is_read_later():
    basis, features = basis_and_features(readme_creator())
    likes = np.array([620, 540, 7_900])
    assert features["likes_cv"] == pytest.approx(likes.std() / likes.mean())
    assert basis.snapshot_at == "2026-04-09T12:00:00Z"  # when the data was read
    assert basis.snapshot_source == "read"
    assert basis.excluded_posts == []


def test_a_post_under_a_day_old_at_the_snapshot_is_left_out_and_named():
    for ds in (readme_creator(LAST_POST + HOUR), readme_creator(read_at=LAST_POST + HOUR)):
        basis, features = basis_and_features(ds)
        assert features["likes_cv"] == pytest.approx(40 / 580)  # p1 and p2 only
        ((entry),) = basis.excluded_posts
        assert entry["rule"] == "too_recent" and entry["post_ids"] == ["p3"]
        assert entry["reason"].startswith("under a day old at the snapshot")
    given, _ = basis_and_features(readme_creator(LAST_POST + HOUR))
    assert (given.snapshot_at, given.snapshot_source) == ("2026-03-10T13:00:00Z", "given")


def test_a_request_read_time_is_said_to_be_its_arrival_with_milliseconds():
    ds = readme_creator()
    ds.read_time = ReadTime(np.array([_seconds(LAST_POST) + 2 * 86_400 + 0.25]), "received")
    basis, _ = basis_and_features(ds)
    assert (basis.snapshot_at, basis.snapshot_source) == ("2026-03-12T12:00:00.250Z", "received")


def test_older_and_comments_off_posts_are_listed_by_rule_in_time_order():
    rows = [
        {"creator_id": "a", "post_id": f"a{i:02d}", "posted_at": T0 + i * DAY, "likes": 10}
        for i in range(27)
    ]
    rows[25]["comments_disabled"] = 1.0
    ds = Dataset(
        creators=creators({"creator_id": "a", "snapshot_at": T0 + 26 * DAY + HOUR}),
        posts=posts(*reversed(rows)),
    )
    basis, _ = basis_and_features(ds)
    assert [(e["rule"], e["post_ids"]) for e in basis.excluded_posts] == [
        ("too_recent", ["a26"]),
        ("comments_disabled", ["a25"]),
        ("older", ["a00", "a01", "a02"]),
    ]


def _comments(post_id: str, posted_at: pd.Timestamp, n: int) -> list[dict]:
    return [
        {
            "post_id": post_id,
            "actor_id": f"{post_id}-u{i}",
            "kind": "comment",
            "at": posted_at + (i + 1) * MIN,
            "text": f"what a view from the top number {i}",
        }
        for i in range(n)
    ]


def test_a_first_page_of_comments_is_read_as_partial_not_as_the_timing():
    """Five comment events on posts with 31 and 24 comments: the earliest five, not how comments
    came. Their features are missing, as without events, and the score says it is partial."""
    first_page = _comments("p1", T0, 5) + _comments("p2", T0 + 3 * DAY, 5)
    basis, features = basis_and_features(readme_creator(events=first_page))
    _, without = basis_and_features(readme_creator())
    pd.testing.assert_series_equal(features, without)
    assert basis.coverage == {
        "engagements": True,  # sent
        "follower_counts": False,
        "follower_samples": False,
        "comment_events": "partial",
        "comment_events_share": round(10 / 55, 4),
    }
    ((entry),) = basis.excluded_posts
    assert (entry["rule"], entry["post_ids"]) == ("partial_comment_events", ["p1", "p2"])


def test_complete_comment_lists_are_read_and_partial_ones_beside_them_left_out():
    # p3: four comments, four events (complete); p2: 20 of 24 (83%, complete); p1: 5 of 31.
    events = (
        _comments("p1", T0, 5)
        + _comments("p2", T0 + 3 * DAY, 20)
        + _comments("p3", T0 + 8 * DAY, 4)
    )
    basis, features = basis_and_features(readme_creator(events=events))
    assert features[COMMENT_EVENT_FEATURES].notna().all()
    assert features["comment_share_within_15m"] == pytest.approx(19 / 24)  # p1's five left out
    assert basis.coverage["comment_events"] == "partial"
    assert basis.coverage["comment_events_share"] == round((5 + 20 + 4) / 59, 4)
    assert [e["post_ids"] for e in basis.excluded_posts] == [["p1"]]
    complete = _comments("p2", T0 + 3 * DAY, 20) + _comments("p3", T0 + 8 * DAY, 4)
    basis, _ = basis_and_features(readme_creator(events=complete))
    # p1 has no events at all: outside the events sent, not a partial list.
    assert basis.coverage["comment_events"] == "complete"
    assert basis.coverage["comment_events_share"] == round(24 / 28, 4)
    assert basis.excluded_posts == []


def test_like_events_stay_when_the_comment_list_is_missing():
    likes = [
        {"post_id": "p1", "actor_id": f"l{i}", "kind": "like", "at": T0 + i * MIN}
        for i in range(1, 9)
    ]
    basis, features = basis_and_features(readme_creator(events=likes))
    assert features["like_share_within_5m"] == pytest.approx(5 / 8)
    assert features[COMMENT_EVENT_FEATURES].isna().all()
    assert basis.coverage["comment_events"] == "partial"
    assert basis.coverage["comment_events_share"] == 0.0


def test_partial_comments_leave_exactly_the_comment_event_features():
    events = _comments("p1", T0, 5) + [
        {"post_id": "p1", "actor_id": f"l{i}", "kind": "like", "at": T0 + i * MIN}
        for i in range(1, 9)
    ]
    _, partial = basis_and_features(readme_creator(events=events))
    likes_only = [e for e in events if e["kind"] == "like"]
    _, expected = basis_and_features(readme_creator(events=likes_only))
    pd.testing.assert_series_equal(partial, expected)
    assert expected[list(ENGAGER_COLUMNS[:2])].notna().all()  # the likes still feed them
