"""Coercion and validation: every bad input names its file, row and column; good input is typed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from creator_audit import limits
from creator_audit.dataset.errors import DatasetError, Problem
from creator_audit.dataset.read import read_dataset
from creator_audit.dataset.validate import check_references, coerce_table, dataset_from_frames
from creator_audit.schema import TABLES


def raw_frames() -> dict[str, pd.DataFrame]:
    """A small valid dataset, as a client would send it: text, ints and mixed timestamps."""
    return {
        "creators": pd.DataFrame(
            {
                "creator_id": ["007", "c2"],
                "followers": [1200, 0],
                "following": ["300", "4"],
                "media_count": [40.0, 2.0],
                "is_private": ["Yes", "false"],
                "bio_length": [12, None],
            }
        ),
        "posts": pd.DataFrame(
            {
                "creator_id": ["007", "007", "c2"],
                "post_id": ["p1", "p2", "p3"],
                "posted_at": ["2026-05-01T14:03:00+02:00", "1777636980", "2026-05-01T12:03:00Z"],
                "likes": [100, 80, 0],
                "comments": [3, 1, 0],
                "hashtags": [1, 0, 2],
            }
        ),
        "engagements": pd.DataFrame(
            {
                "post_id": ["p1", "p1", "p2"],
                "actor_id": ["a1", "a2", "a1"],
                "kind": ["like", "comment", "like"],
                "at": [1777636990, 1777637000, 1777637100],
                "text": [None, "nice!", None],
            }
        ),
        "follower_counts": pd.DataFrame(
            {
                "creator_id": ["007", "007"],
                "at": [1777000000, 1777086400],
                "followers": [1100, 1200],
            }
        ),
        "follower_samples": pd.DataFrame(
            {
                "creator_id": ["007"],
                "account_id": ["f1"],
                "followers": [10],
                "following": [7000],
                "media_count": [0],
                "has_profile_pic": [0],
            }
        ),
        "labels": pd.DataFrame(
            {"creator_id": ["007", "c2"], "label": ["genuine", "fake_followers"]}
        ),
    }


ACCOUNT = {"account_id": ["f1"], "followers": [10], "following": [7000], "media_count": [0]}


def only_problem(err: pytest.ExceptionInfo[DatasetError]) -> Problem:
    assert len(err.value.problems) == 1, err.value.problems
    return err.value.problems[0]


def test_good_frames_get_canonical_dtypes_in_schema_order() -> None:
    ds = dataset_from_frames(raw_frames())
    creators = ds.creators
    assert list(creators.columns) == TABLES["creators"].column_names
    assert creators["creator_id"].tolist() == ["007", "c2"]
    assert creators["creator_id"].dtype == "str"
    assert creators["followers"].dtype == "int64"
    assert creators["following"].tolist() == [300, 4]
    assert creators["media_count"].dtype == "int64"
    assert creators["is_private"].tolist() == [1.0, 0.0]
    assert creators["bio_length"].dtype == "float64" and np.isnan(creators["bio_length"].iloc[1])
    # optional columns the input lacks exist, all missing, never guessed
    assert creators["is_verified"].isna().all() and creators["username"].isna().all()
    assert creators["snapshot_at"].dtype == "datetime64[ns, UTC]"
    assert ds.posts["posted_at"].dtype == "datetime64[ns, UTC]"
    assert ds.engagements is not None and ds.engagements["text"].tolist()[1] == "nice!"
    assert ds.follower_samples is not None
    assert ds.follower_samples["has_profile_pic"].tolist() == [0.0]


def test_offset_iso_and_unix_seconds_land_on_the_same_utc_instant() -> None:
    posted = dataset_from_frames(raw_frames()).posts["posted_at"]
    expected = pd.Timestamp("2026-05-01T12:03:00", tz="UTC")
    assert posted.tolist() == [expected] * 3
    assert posted.iloc[0].value == 1_777_636_980 * 10**9


def test_offsets_are_applied_exactly() -> None:
    raw = raw_frames()["follower_counts"]
    raw["at"] = ["2026-05-01T14:03:00+02:00", "2026-05-01T07:03:00.5-05:00"]
    out = coerce_table("follower_counts", raw, "follower_counts.csv")
    assert out["at"].tolist() == [
        pd.Timestamp("2026-05-01T12:03:00", tz="UTC"),
        pd.Timestamp("2026-05-01T12:03:00.5", tz="UTC"),
    ]


def test_unix_seconds_as_an_integer_column() -> None:
    raw = raw_frames()["follower_counts"]
    out = coerce_table("follower_counts", raw, "follower_counts.csv")
    assert out["at"].iloc[0] == pd.Timestamp("2026-04-24T03:06:40", tz="UTC")


def test_timezone_aware_datetimes_are_converted_to_utc_nanoseconds() -> None:
    raw = raw_frames()["follower_counts"]
    raw["at"] = pd.to_datetime(raw["at"], unit="s", utc=True).dt.tz_convert("Asia/Tokyo")
    out = coerce_table("follower_counts", raw, "follower_counts.parquet")
    assert str(out["at"].dtype) == "datetime64[ns, UTC]"
    assert out["at"].iloc[0] == pd.Timestamp("2026-04-24T03:06:40", tz="UTC")


def test_missing_required_column_is_named() -> None:
    raw = raw_frames()["posts"].drop(columns=["likes"])
    with pytest.raises(DatasetError) as err:
        coerce_table("posts", raw, "posts.csv")
    problem = only_problem(err)
    assert (problem.file, problem.row, problem.column) == ("posts.csv", None, "likes")
    assert str(problem).startswith("posts.csv: column 'likes': required column is missing")


@pytest.mark.parametrize(
    ("table", "column", "bad", "message"),
    [
        ("posts", "likes", -3, "-3 is negative; counts must be >= 0"),
        ("posts", "likes", 2.5, "2.5 is not a whole number; counts are integers"),
        ("posts", "likes", "many", "'many' is not a number"),
        ("posts", "comments", None, "missing value; every row needs comments"),
        ("posts", "hashtags", -1, "-1 is negative; counts must be >= 0"),
        ("posts", "posted_at", "yesterday", "cannot parse 'yesterday' as a timestamp"),
        ("posts", "posted_at", "2026-05-01T10:00:00", "'2026-05-01T10:00:00' has no UTC offset"),
        ("posts", "posted_at", "2026-05-01", "'2026-05-01' has no UTC offset"),
        ("posts", "posted_at", " 2026-05-01T10:00 ", "' 2026-05-01T10:00 ' has no UTC offset"),
        ("posts", "posted_at", "2026-13-01T10:00:00Z", "cannot parse '2026-13-01T10:00:00Z'"),
        ("posts", "posted_at", "3000-01-01T00:00:00Z", "'3000-01-01T00:00:00Z' is out of range"),
        ("posts", "posted_at", "1777636980000", "'1777636980000' is out of range for unix"),
        ("posts", "post_id", "", "'' is empty; ids must be non-empty"),
        ("posts", "comments_disabled", "maybe", "'maybe' is not a boolean"),
        (
            "engagements",
            "kind",
            "share",
            "'share' is not a valid kind; expected one of: like, comment",
        ),
        ("engagements", "at", "soon", "cannot parse 'soon'"),
        ("labels", "label", "fake", "'fake' is not a valid label; expected one of: genuine,"),
        ("creators", "followers", "1,200", "'1,200' is not a number"),
        ("posts", "posted_at", "1900-01-01T00:00:00Z", "'1900-01-01T00:00:00Z' is before 2005"),
        (
            "posts",
            "posted_at",
            -5_000_000_000,
            "-5000000000 (1811-07-23T15:06:40+00:00) is before 2005-01-01, older than any",
        ),
        ("follower_counts", "at", "1104537599", "'1104537599' (2004-12-31T23:59:59+00:00) is"),
        ("engagements", "at", "2200-01-01T00:00:00Z", "'2200-01-01T00:00:00Z' is more than a day"),
        ("posts", "post_id", "p\x00", "'p\\x00' holds a control character (U+0000, character 2)"),
        ("engagements", "actor_id", "\ta1", "'\\ta1' holds a control character (U+0009, charac"),
        ("creators", "creator_id", "c\x85", "'c\\x85' holds a control character (U+0085"),
        ("posts", "creator_id", "0\x7f7", "'0\\x7f7' holds a control character (U+007F"),
    ],
)
def test_bad_value_names_file_row_and_column(
    table: str, column: str, bad: object, message: str
) -> None:
    raw = raw_frames()[table]
    values = (
        raw[column].astype(object) if column in raw else pd.Series([None] * len(raw), dtype=object)
    )
    values.iloc[1] = bad
    raw[column] = values
    with pytest.raises(DatasetError) as err:
        coerce_table(table, raw, f"{table}.csv")
    problem = only_problem(err)
    assert (problem.file, problem.row, problem.column) == (f"{table}.csv", 2, column)
    assert str(problem).startswith(f"{table}.csv: line 3, column '{column}': {message}")


@pytest.mark.parametrize("hidden", [None, "", np.nan])
def test_a_missing_like_count_is_hidden_likes_and_stays_missing(hidden: object) -> None:
    """Owners can hide like counts: ``likes`` may be missing in a row (CONTRACT.md §1), and is
    then NaN, never 0; while every row has it, it stays int64."""
    raw = raw_frames()["posts"]
    assert coerce_table("posts", raw, "posts.csv")["likes"].dtype == "int64"
    posts = coerce_table("posts", raw.assign(likes=[100, hidden, 0]), "posts.csv")
    assert posts["likes"].dtype == "float64"
    assert posts["likes"].iloc[[0, 2]].tolist() == [100.0, 0.0] and np.isnan(posts["likes"][1])


def test_a_problem_counts_the_other_rows_that_share_it() -> None:
    raw = raw_frames()["posts"].assign(likes=[5, -1, -2])
    with pytest.raises(DatasetError) as err:
        coerce_table("posts", raw, "posts.csv")
    assert str(err.value) == (
        "posts.csv: line 3, column 'likes': -1 is negative; counts must be >= 0 (and 1 more rows)"
    )


def test_naive_datetime_column_is_refused() -> None:
    raw = raw_frames()["follower_counts"]
    raw["at"] = pd.to_datetime(raw["at"], unit="s")
    with pytest.raises(DatasetError, match="has no UTC offset") as err:
        coerce_table("follower_counts", raw, "follower_counts.parquet")
    assert only_problem(err).row == 1


def test_fractional_unix_seconds_are_refused() -> None:
    raw = raw_frames()["follower_counts"].assign(at=[1777000000.0, 1777000000.5])
    with pytest.raises(DatasetError, match="not whole unix seconds") as err:
        coerce_table("follower_counts", raw, "fc")
    assert only_problem(err).row == 2


def test_booleans_accept_the_usual_spellings() -> None:
    raw = raw_frames()["posts"].assign(has_location=["TRUE", " no ", None])
    out = coerce_table("posts", raw, "posts.csv")
    assert out["has_location"].tolist()[:2] == [1.0, 0.0]
    assert np.isnan(out["has_location"].iloc[2])
    raw = raw_frames()["posts"].assign(has_location=[True, False, True])
    assert coerce_table("posts", raw, "p")["has_location"].tolist() == [1.0, 0.0, 1.0]
    raw = raw_frames()["posts"].assign(has_location=[1, 0, 2])
    with pytest.raises(DatasetError, match="2 is not a boolean"):
        coerce_table("posts", raw, "p")


def test_duplicate_id_names_the_value_and_both_rows() -> None:
    raw = raw_frames()["posts"].assign(post_id=["p1", "p2", "p1"])
    with pytest.raises(DatasetError) as err:
        coerce_table("posts", raw, "posts.csv")
    assert str(only_problem(err)) == (
        "posts.csv: line 4, column 'post_id': 'p1' appears again (first at line 2); "
        "post_id must be unique"
    )


def test_duplicate_composite_key() -> None:
    raw = raw_frames()["follower_counts"]
    raw["at"] = ["2026-04-24T03:06:40Z", "2026-04-24T05:06:40+02:00"]  # the same instant
    with pytest.raises(
        DatasetError, match=r"appears again \(first at line 2\); \(creator_id, at\) together"
    ):
        coerce_table("follower_counts", raw, "follower_counts.csv")


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("posts", "creator_id", "ghost", "unknown creator 'ghost': not in creators"),
        ("engagements", "post_id", "p404", "unknown post 'p404': not in posts"),
        ("follower_counts", "creator_id", "ghost", "unknown creator 'ghost'"),
        ("follower_samples", "creator_id", "ghost", "unknown creator 'ghost'"),
        ("labels", "creator_id", "ghost", "unknown creator 'ghost'"),
    ],
)
def test_unknown_references(table: str, column: str, value: str, message: str) -> None:
    raw = raw_frames()
    raw[table].loc[0, column] = value
    with pytest.raises(DatasetError) as err:
        dataset_from_frames(raw)
    problem = only_problem(err)
    assert (problem.file, problem.row, problem.column) == (table, 1, column)
    assert problem.message.startswith(message)


def test_check_references_uses_the_given_source_names() -> None:
    ds = dataset_from_frames(raw_frames())
    ds.posts.loc[2, "creator_id"] = "ghost"
    problems = check_references(ds, {"posts": "posts.parquet", "creators": "creators.csv"})
    assert [str(p) for p in problems] == [
        "posts.parquet: row 3 (1-based), column 'creator_id': unknown creator 'ghost': "
        "not in creators.csv"
    ]


def test_missing_required_table() -> None:
    raw = raw_frames()
    del raw["posts"]
    with pytest.raises(DatasetError) as err:
        dataset_from_frames(raw, {"posts": "posts.csv"})
    assert str(only_problem(err)) == "posts.csv: required table is missing"


def test_problems_are_collected_across_tables() -> None:
    raw = raw_frames()
    raw["creators"].loc[0, "followers"] = -1
    raw["posts"].loc[1, "likes"] = -5
    raw["labels"].loc[1, "label"] = "bot"
    with pytest.raises(DatasetError) as err:
        dataset_from_frames(raw)
    assert [(p.file, p.row, p.column) for p in err.value.problems] == [
        ("creators", 1, "followers"),
        ("posts", 2, "likes"),
        ("labels", 2, "label"),
    ]
    assert str(err.value).endswith("(and 2 more problems)")


def test_extra_columns_are_kept_after_the_schema_columns() -> None:
    raw = raw_frames()["creators"].assign(tier=["gold", "silver"], score=[1, 2])
    out = coerce_table("creators", raw, "creators.csv")
    assert list(out.columns) == [*TABLES["creators"].column_names, "tier", "score"]
    assert out["score"].tolist() == [1, 2]


def test_input_frames_are_not_modified() -> None:
    raw = raw_frames()
    raw["posts"].index = [10, 11, 12]
    before = {name: frame.copy(deep=True) for name, frame in raw.items()}
    dataset_from_frames(raw)
    for name, frame in raw.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_result_has_a_fresh_range_index() -> None:
    raw = raw_frames()["posts"]
    raw.index = [10, 11, 12]
    assert coerce_table("posts", raw, "p").index.equals(pd.RangeIndex(3))


def test_empty_tables_are_valid() -> None:
    empty = pd.DataFrame(
        {name: pd.Series([], dtype=object) for name in TABLES["posts"].column_names}
    )
    out = coerce_table("posts", empty, "posts.csv")
    assert len(out) == 0
    assert str(out["posted_at"].dtype) == "datetime64[ns, UTC]"
    assert out["likes"].dtype == "int64"


def test_unknown_table_name_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown table"):
        coerce_table("comments", pd.DataFrame(), "x")
    with pytest.raises(ValueError, match="unknown table"):
        dataset_from_frames({"comments": pd.DataFrame()})


def test_problem_and_error_messages() -> None:
    whole_file = Problem("posts.parquet", None, None, "cannot read: not a parquet file")
    assert str(whole_file) == "posts.parquet: cannot read: not a parquet file"
    err = DatasetError([whole_file, Problem("a", 1, "b", "c")])
    assert str(err) == "posts.parquet: cannot read: not a parquet file (and 1 more problem)"
    assert isinstance(err, ValueError)
    many = DatasetError([Problem("f", i, "c", "bad") for i in range(1, 80)])
    assert len(many.problems) == 50 and many.total == 79
    assert str(many).endswith("(and 78 more problems)")


def test_an_id_over_the_limit_is_refused_with_the_apis_message(tmp_path: Path) -> None:
    raw = raw_frames()
    long_id = "c" * 300
    raw["creators"].loc[1, "creator_id"] = long_id
    raw["labels"].loc[1, "creator_id"] = long_id
    for name, frame in raw.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    with pytest.raises(DatasetError) as err:
        read_dataset(tmp_path)
    assert [str(p) for p in err.value.problems] == [
        f"creators.csv: line 3, column 'creator_id': {limits.id_too_long(300)}",
        f"labels.csv: line 3, column 'creator_id': {limits.id_too_long(300)}",
    ]
    assert limits.id_too_long(300) == "300 characters is more than the limit of 256 per id"
    at_the_limit = raw_frames()["engagements"].assign(actor_id=["a" * 256, "é" * 256, "b"])
    assert len(coerce_table("engagements", at_the_limit, "e")) == 3  # characters, not bytes
    with pytest.raises(DatasetError, match="more than the limit of 256 per id") as err:
        coerce_table("accounts", pd.DataFrame({**ACCOUNT, "creator_id": ["x" * 257]}), "a.csv")
    assert (only_problem(err).row, only_problem(err).column) == (1, "creator_id")


def test_a_creator_over_a_per_creator_limit_is_named_at_its_first_row() -> None:
    raw = raw_frames()
    few = limits.PerCreator(posts=1, engagements=1, follower_counts=1, follower_samples=1)
    with pytest.raises(DatasetError) as err:
        dataset_from_frames(raw, per_creator=few)
    assert [str(p) for p in err.value.problems] == [
        "posts: row 1, column 'creator_id': 2 posts is more than the limit of 1 per creator"
        " (creator '007')",
        "engagements: row 1, column 'post_id': 3 engagements is more than the limit of 1 per"
        " creator (creator '007')",
        "follower_counts: row 1, column 'creator_id': 2 follower_counts is more than the limit"
        " of 1 per creator (creator '007')",
    ]
    assert limits.over_limit(2, "posts", 1, "creator") in str(err.value.problems[0])
    assert dataset_from_frames(raw_frames()).posts.shape[0] == 3  # the file limits are far off


def test_the_earliest_plausible_instant_and_text_beside_ids_are_accepted() -> None:
    raw = raw_frames()
    raw["posts"]["posted_at"] = ["2005-01-01T00:00:00Z", "1104537600", "2026-05-01T12:03:00Z"]
    raw["engagements"]["text"] = [None, "nice!\n\tsee you", None]  # control characters in text
    raw["creators"]["creator_id"] = ["007 é", "c2"]
    raw["posts"]["creator_id"] = ["007 é", "007 é", "c2"]
    raw["labels"]["creator_id"] = ["007 é", "c2"]
    raw["follower_counts"]["creator_id"] = ["007 é"] * 2
    raw["follower_samples"]["creator_id"] = ["007 é"]
    raw["engagements"]["at"] = [1104537600 + 60, 1104537600, 1104537600]  # a minute early: ok
    assert len(dataset_from_frames(raw).posts) == 3


@pytest.mark.parametrize(
    ("table", "column", "change", "message"),
    [
        (
            "engagements",
            "at",
            lambda raw: raw["engagements"].assign(
                at=[1777636990, 1777636980 - 100 * 86_400, 1777637100]
            ),
            "engagements: row 2, column 'at': 2026-01-21T12:03:00+00:00 is 100 days before its "
            "post 'p1' was posted (2026-05-01T12:03:00+00:00); an engagement cannot precede its "
            "post (1 minute of clock skew is allowed)",
        ),
        (
            "engagements",
            "at",
            lambda raw: raw["engagements"].assign(at=[1777636980 - 61, 1777637000, 1777637100]),
            "engagements: row 1, column 'at': 2026-05-01T12:01:59+00:00 is 1 minute before",
        ),
        (
            "creators",
            "snapshot_at",
            lambda raw: raw["creators"].assign(snapshot_at=[1777636980 - 3_601, None]),
            "posts: row 1, column 'posted_at': 2026-05-01T12:03:00+00:00 is 1 hour after its "
            "creator's snapshot_at (2026-05-01T11:02:59+00:00); a post cannot be newer than the "
            "snapshot its counts were read at (1 hour is allowed)",
        ),
    ],
    ids=["an engagement 100 days early", "a minute and a second early", "a post after"],
)
def test_times_out_of_order_are_named_at_the_first_such_row(table, column, change, message):
    raw = raw_frames()
    raw[table] = change(raw)
    with pytest.raises(DatasetError) as err:
        dataset_from_frames(raw)
    assert str(err.value).startswith(message), str(err.value)


def test_times_within_their_slack_or_missing_are_in_order() -> None:
    raw = raw_frames()
    raw["engagements"]["at"] = [1777636980 - 60, 1777637000, 1777637100]
    raw["creators"]["snapshot_at"] = [1777636980 - 3_600, None]  # c2 has no snapshot: no check
    assert len(dataset_from_frames(raw).engagements) == 3
