"""A dataset as of a past time (``creator_audit.dataset.as_of``): each table's rule, the follower
count it takes, the sample it leaves out, what it refuses, and that frames and columns are cut
alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from creator_audit.dataset import Dataset, ReadTime
from creator_audit.dataset.as_of import (
    AsOfError,
    as_of_summary,
    dataset_as_of,
    not_yet_posting,
    parse_as_of,
)
from creator_audit.dataset.columnar import columnar
from features import build_features, feature_matrix
from tests.features.frames import (
    DAY,
    HOUR,
    T0,
    creators,
    engagements,
    follower_counts,
    follower_samples,
    posts,
)

SNAPSHOT = T0 + 30 * DAY
AS_OF = T0 + 10 * DAY + HOUR  # between the posts of day 10 and day 20


def _dataset() -> Dataset:
    """Creator "a": posts on days 0, 10 and 20, events an hour after each, readings on days 0, 10
    and 25 (a jump after the as-of time), a sample. Creator "b": one post on day 1, no history."""
    return Dataset(
        creators=creators(
            {"creator_id": "a", "followers": 5_000, "snapshot_at": SNAPSHOT},
            {"creator_id": "b", "followers": 800, "snapshot_at": SNAPSHOT},
        ),
        posts=posts(
            *(
                {"creator_id": "a", "post_id": f"a{d}", "posted_at": T0 + d * DAY, "likes": 90}
                for d in (0, 10, 20)
            ),
            {"creator_id": "b", "post_id": "b1", "posted_at": T0 + DAY, "likes": 30},
        ),
        engagements=engagements(
            *(
                {"post_id": f"a{d}", "actor_id": f"u{d}", "at": T0 + d * DAY + HOUR}
                for d in (0, 10, 20)
            )
        ),
        follower_counts=follower_counts(
            {"creator_id": "a", "at": T0, "followers": 1_000},
            {"creator_id": "a", "at": T0 + 10 * DAY, "followers": 1_100},
            {"creator_id": "a", "at": T0 + 25 * DAY, "followers": 5_000},
        ),
        follower_samples=follower_samples(
            {"creator_id": "a", "account_id": "f1"}, {"creator_id": "b", "account_id": "f2"}
        ),
        read_time=ReadTime(SNAPSHOT.timestamp() + DAY.total_seconds()),
    )


def _ids(frame: pd.DataFrame, column: str) -> list[str]:
    return frame[column].tolist()


def test_each_table_keeps_only_what_was_dated_by_the_as_of_time() -> None:
    cut = dataset_as_of(_dataset(), AS_OF.timestamp())
    assert _ids(cut.posts, "post_id") == ["a0", "a10", "b1"]
    assert _ids(cut.engagements, "post_id") == ["a0", "a10"]
    assert cut.follower_counts["followers"].tolist() == [1_000, 1_100]
    assert cut.follower_samples is not None and cut.follower_samples.empty  # taken at snapshot
    assert cut.posts["likes"].tolist() == [90, 90, 30]  # the counts read at the snapshot stay


def test_the_follower_count_is_the_last_reading_by_then_else_the_profiles() -> None:
    cut = dataset_as_of(_dataset(), AS_OF.timestamp())
    assert cut.creators["followers"].tolist() == [1_100, 800]  # b has no history
    assert cut.creators["followers"].dtype == np.int64
    a, b = (as_of_summary(cut.as_of, row) for row in (0, 1))
    assert (a["followers_source"], a["followers_read_at"]) == ("history", "2026-03-12T12:00:00Z")
    assert (b["followers_source"], b["followers_read_at"]) == ("snapshot", "2026-04-01T12:00:00Z")
    assert a["posts_left_out"] == 1 and b["posts_left_out"] == 0
    assert any("counts as read at the snapshot" in note for note in a["notes"])
    assert any("follower sample is left out" in note for note in b["notes"])


def test_at_or_after_the_snapshot_nothing_changes() -> None:
    ds = _dataset()
    cut = dataset_as_of(ds, SNAPSHOT.timestamp())
    for name in ("creators", "posts", "engagements", "follower_counts", "follower_samples"):
        pd.testing.assert_frame_equal(getattr(cut, name), getattr(ds, name), check_dtype=True)
    pd.testing.assert_frame_equal(build_features(cut), build_features(ds))


def test_a_creator_without_a_time_is_left_as_it_is() -> None:
    ds = _dataset()
    cut = dataset_as_of(ds, np.array([np.nan, AS_OF.timestamp()]))
    assert _ids(cut.posts, "post_id") == ["a0", "a10", "a20", "b1"]
    assert _ids(cut.follower_samples, "account_id") == ["f1"]
    assert cut.creators["followers"].tolist() == [5_000, 800]
    assert as_of_summary(cut.as_of, 0) is None


def test_frames_and_columns_are_cut_alike() -> None:
    ds = _dataset()
    from_frames = feature_matrix(columnar(dataset_as_of(ds, AS_OF.timestamp())))
    from_columns = feature_matrix(dataset_as_of(columnar(ds), AS_OF.timestamp()))
    np.testing.assert_array_equal(from_frames.values, from_columns.values)
    assert from_frames.basis.per_creator() == from_columns.basis.per_creator()


def test_a_post_under_a_day_old_at_the_as_of_time_is_too_recent() -> None:
    cut = dataset_as_of(_dataset(), (T0 + 10 * DAY + 2 * HOUR).timestamp())
    excluded = feature_matrix(columnar(cut)).basis.per_creator()[0].excluded_posts
    assert [(e["rule"], e["post_ids"]) for e in excluded] == [("too_recent", ["a10"])]
    assert "at the as-of time" in excluded[0]["reason"]


def test_a_time_before_a_creators_first_post_is_refused_in_one_line() -> None:
    with pytest.raises(AsOfError) as refused:
        dataset_as_of(_dataset(), (T0 + 12 * HOUR).timestamp())
    message = str(refused.value)
    assert "\n" not in message
    assert "before the first post of creator b (2026-03-03T12:00:00Z)" in message


def test_the_creators_not_yet_posting_are_those_the_cut_refuses() -> None:
    ds = _dataset()
    assert not_yet_posting(ds, (T0 + 12 * HOUR).timestamp()).tolist() == [False, True]
    assert not not_yet_posting(ds, AS_OF.timestamp()).any()
    assert not_yet_posting(ds, (T0 - DAY).timestamp()).tolist() == [True, True]


@pytest.mark.parametrize(
    ("value", "wrong"),
    [
        ("last march", "cannot parse 'last march'"),
        ("2026-03-01", "has no UTC offset"),
        ("", "missing timestamp"),
        ("1999-12-31T00:00:00Z", "before 2005-01-01"),
    ],
)
def test_an_unusable_time_is_refused_naming_it(value: str, wrong: str) -> None:
    with pytest.raises(AsOfError) as refused:
        parse_as_of(value, "--as-of")
    assert str(refused.value).startswith("--as-of: ")
    assert wrong in str(refused.value) and "\n" not in str(refused.value)


def test_times_are_read_as_dataset_timestamps_are() -> None:
    assert parse_as_of("2026-03-01T02:00:00+02:00") == parse_as_of(1772323200) == 1772323200.0


def test_a_dataset_is_cut_once() -> None:
    cut = dataset_as_of(_dataset(), AS_OF.timestamp())
    with pytest.raises(ValueError, match="cut to an as-of time already"):
        dataset_as_of(cut, (T0 + 5 * DAY).timestamp())
