"""Reading dataset directories: CSV, Parquet, partitioned tables, and every file-level failure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from creator_audit.dataset import write_dataset
from creator_audit.dataset.errors import DatasetError
from creator_audit.dataset.read import read_dataset
from creator_audit.dataset.validate import dataset_from_frames

from .test_validate import raw_frames

CREATORS_CSV = (
    "creator_id,followers,following,media_count,username\n007,1200,300,40,null\nc2,5,4,1,\n"
)
POSTS_CSV = (
    "creator_id,post_id,posted_at,likes,comments\n"
    "007,p1,2026-05-01T10:00:00Z,100,3\n"
    "007,p2,1777636980,80,1\n"
)


def write_csv_dataset(directory: Path, posts: str = POSTS_CSV) -> Path:
    directory.mkdir()
    (directory / "creators.csv").write_text(CREATORS_CSV)
    (directory / "posts.csv").write_text(posts)
    return directory


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_write_then_read_round_trips_every_table(tmp_path: Path, fmt: str) -> None:
    raw = raw_frames()
    raw["creators"]["note"] = ["vip", None]  # an extra column travels along
    original = dataset_from_frames(raw)
    read_back = read_dataset(write_dataset(original, tmp_path / "d", fmt=fmt))
    assert read_back.tables().keys() == original.tables().keys()
    for name, frame in original.tables().items():
        pd.testing.assert_frame_equal(read_back.tables()[name], frame, check_exact=True, obj=name)


def test_csv_ids_stay_text_and_text_is_not_read_as_missing(tmp_path: Path) -> None:
    ds = read_dataset(write_csv_dataset(tmp_path / "d"))
    assert ds.creators["creator_id"].tolist() == ["007", "c2"]
    assert ds.creators["username"].iloc[0] == "null"  # a real username, not a missing value
    assert pd.isna(ds.creators["username"].iloc[1])
    assert ds.posts["posted_at"].iloc[1] == pd.Timestamp("2026-05-01T12:03:00", tz="UTC")
    assert ds.engagements is None and ds.labels is None


def test_bad_csv_value_names_the_file_row_and_column(tmp_path: Path) -> None:
    posts = POSTS_CSV.replace("80,1", "-3,1")
    with pytest.raises(DatasetError) as err:
        read_dataset(write_csv_dataset(tmp_path / "d", posts))
    assert (
        str(err.value) == "posts.csv: line 3, column 'likes': -3 is negative; counts must be >= 0"
    )


def test_naive_csv_timestamp_is_refused(tmp_path: Path) -> None:
    posts = POSTS_CSV.replace("2026-05-01T10:00:00Z", "2026-05-01 10:00:00")
    with pytest.raises(
        DatasetError, match=r"^posts.csv: line 2, column 'posted_at': .* no UTC offset"
    ):
        read_dataset(write_csv_dataset(tmp_path / "d", posts))


def test_unknown_creator_in_csv(tmp_path: Path) -> None:
    posts = POSTS_CSV.replace("007,p2", "7,p2")  # "007" and "7" are different ids
    with pytest.raises(DatasetError) as err:
        read_dataset(write_csv_dataset(tmp_path / "d", posts))
    assert str(err.value) == (
        "posts.csv: line 3, column 'creator_id': unknown creator '7': not in creators.csv"
    )


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="nope: dataset directory does not exist"):
        read_dataset(tmp_path / "nope")


def test_missing_required_table(tmp_path: Path) -> None:
    data = write_csv_dataset(tmp_path / "d")
    (data / "posts.csv").unlink()
    with pytest.raises(DatasetError) as err:
        read_dataset(data)
    assert len(err.value.problems) == 1
    assert "required table 'posts' is missing" in str(err.value)
    assert str(data) in str(err.value)


def test_the_same_table_in_two_formats_is_refused(tmp_path: Path) -> None:
    data = write_csv_dataset(tmp_path / "d")
    pd.read_csv(data / "posts.csv").to_parquet(data / "posts.parquet")
    with pytest.raises(DatasetError) as err:
        read_dataset(data)
    assert str(err.value) == "posts.csv and posts.parquet: table 'posts' is given 2 times; keep one"


def test_corrupt_parquet_names_the_file(tmp_path: Path) -> None:
    data = write_csv_dataset(tmp_path / "d")
    (data / "posts.csv").unlink()
    (data / "posts.parquet").write_bytes(b"PAR1 this is not really parquet")
    with pytest.raises(DatasetError) as err:
        read_dataset(data)
    problem = err.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("posts.parquet", None, None)
    assert str(err.value).startswith("posts.parquet: cannot read: ")


def test_empty_csv_file_names_the_file(tmp_path: Path) -> None:
    data = write_csv_dataset(tmp_path / "d")
    (data / "labels.csv").write_text("")
    with pytest.raises(DatasetError, match=r"^labels.csv: cannot read: the file is empty"):
        read_dataset(data)


def test_files_not_named_after_a_table_are_ignored(tmp_path: Path) -> None:
    data = write_csv_dataset(tmp_path / "d")
    (data / "README.txt").write_text("notes")
    (data / "creators_old.csv").write_text("garbage")
    (data / "comments.parquet").write_bytes(b"garbage")
    assert len(read_dataset(data).creators) == 2


def _partitioned(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    original = dataset_from_frames(raw_frames())
    data = write_dataset(original, tmp_path / "d", fmt="parquet")
    (data / "posts.parquet").unlink()
    (data / "posts").mkdir()
    posts = original.posts
    posts.iloc[2:].to_parquet(data / "posts" / "part-1.parquet", index=False)
    posts.iloc[:2].to_parquet(data / "posts" / "part-0.parquet", index=False)
    (data / "posts" / "_SUCCESS").write_text("")
    return data, posts


def test_partitioned_table_parts_are_read_in_name_order(tmp_path: Path) -> None:
    data, posts = _partitioned(tmp_path)
    pd.testing.assert_frame_equal(read_dataset(data).posts, posts)


def test_error_in_a_part_names_the_part_file_and_its_own_row(tmp_path: Path) -> None:
    data, posts = _partitioned(tmp_path)
    bad = posts.iloc[2:].assign(likes=-7)
    bad.to_parquet(data / "posts" / "part-1.parquet", index=False)
    with pytest.raises(DatasetError) as err:
        read_dataset(data)
    problem = err.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("posts/part-1.parquet", 1, "likes")


def test_partitioned_csv_and_mixed_parts(tmp_path: Path) -> None:
    data = write_csv_dataset(tmp_path / "d")
    (data / "posts.csv").rename(tmp_path / "posts.csv")
    (data / "posts").mkdir()
    (tmp_path / "posts.csv").rename(data / "posts" / "a.csv")
    assert read_dataset(data).posts["post_id"].tolist() == ["p1", "p2"]
    (data / "posts" / "b.parquet").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"^posts/: holds both .csv and .parquet part files"):
        read_dataset(data)


def test_empty_partition_directory(tmp_path: Path) -> None:
    data = write_csv_dataset(tmp_path / "d")
    (data / "engagements").mkdir()
    with pytest.raises(DatasetError, match=r"^engagements/: holds no .csv or .parquet part files"):
        read_dataset(data)
