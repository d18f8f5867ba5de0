"""Reading dataset directories: CSV, Parquet, partitioned tables, and every file-level failure."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from creator_audit import limits
from creator_audit.dataset import write_dataset
from creator_audit.dataset.errors import DatasetError
from creator_audit.dataset.read import CSV_BLOCK_BYTES, csv_header, dataset_paths, read_dataset
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


# --- judged before read whole: links, size, bytes -------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda d: (d / "posts.csv").unlink() or (d / "posts.csv").symlink_to("posts.csv"),
            "posts.csv is a symbolic link loop",
        ),
        (
            lambda d: (
                (d / "posts.csv").unlink()
                or (d / "a").symlink_to("posts")
                or (d / "posts").symlink_to("a")
            ),
            "posts is a symbolic link loop",
        ),
        (
            lambda d: (d / "labels.parquet").symlink_to("gone.parquet"),
            "labels.parquet is a symbolic link to gone.parquet, which does not exist",
        ),
    ],
    ids=["loop", "loop through folders", "link to nothing"],
)
def test_a_link_that_leads_nowhere_is_named_not_read_as_absent(tmp_path: Path, make, message):
    data = write_csv_dataset(tmp_path / "d")
    make(data)
    with pytest.raises(DatasetError) as err:
        read_dataset(data)
    assert str(err.value) == f"{data}: {message}"


def test_a_dataset_folder_that_is_a_loop_is_named(tmp_path: Path) -> None:
    (tmp_path / "d").symlink_to("d")
    with pytest.raises(DatasetError, match=r"d: dataset directory is a symbolic link loop$"):
        read_dataset(tmp_path / "d")


def test_a_zero_filled_csv_is_named_at_its_line_before_pandas_reads_it(
    tmp_path: Path, monkeypatch
) -> None:
    data = write_csv_dataset(tmp_path / "d")
    os.truncate(data / "posts.csv", 20 * 2**20)  # what a crash or `truncate -s` leaves: NULs
    monkeypatch.setattr(pd, "read_csv", _refusing("posts.csv", pd.read_csv))
    with pytest.raises(DatasetError) as err:
        read_dataset(data)
    offset = len(POSTS_CSV.encode())
    assert str(err.value) == (
        f"posts.csv: line 4: a NUL byte (at byte offset {offset}): a CSV table is text, so this "
        "file is damaged (zero-filled, as a crash or `truncate` leaves one) or is not CSV"
    )


def test_a_csv_line_longer_than_a_block_is_refused(tmp_path: Path) -> None:
    data = write_csv_dataset(tmp_path / "d")
    endless = "007,p3,2026-05-01T10:00:00Z,1," + "9" * CSV_BLOCK_BYTES
    (data / "posts.csv").write_text(POSTS_CSV + endless + "\n")
    with pytest.raises(DatasetError, match=r"^posts.csv: line 4: longer than 8 MiB, far more"):
        read_dataset(data)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_file_over_its_size_limit_is_refused_unread(tmp_path: Path, monkeypatch, fmt) -> None:
    data = write_dataset(dataset_from_frames(raw_frames()), tmp_path / "d", fmt=fmt)
    size = (data / f"posts.{fmt}").stat().st_size
    monkeypatch.setenv(limits.FILE_BYTES_VARIABLES[fmt], str(size - 1))
    monkeypatch.setattr(pd, "read_csv", _refusing(f"posts.{fmt}", pd.read_csv))
    monkeypatch.setattr(pd, "read_parquet", _refusing(f"posts.{fmt}", pd.read_parquet))
    with pytest.raises(DatasetError) as err:
        read_dataset(data)
    assert f"posts.{fmt}: {limits.file_too_large(size, fmt)}" in [
        str(p) for p in err.value.problems
    ]
    monkeypatch.undo()
    largest = max(f.stat().st_size for f in data.iterdir())
    monkeypatch.setenv(limits.FILE_BYTES_VARIABLES[fmt], str(largest))  # at the limit: read
    assert len(read_dataset(data).posts) == 3


def test_the_default_size_limits_read_what_the_project_writes() -> None:
    assert limits.max_file_bytes("parquet") == 2 * 2**30
    assert limits.max_file_bytes("csv") == 6 * 2**30


def test_dask_reads_a_csv_header_only_after_checking_its_first_block(tmp_path: Path) -> None:
    data = write_csv_dataset(tmp_path / "d")
    assert csv_header(data / "posts.csv") == POSTS_CSV.splitlines()[0].split(",")
    (data / "posts.csv").write_bytes(b"\0" * 100)
    with pytest.raises(DatasetError, match=r"posts.csv: line 1: a NUL byte \(at byte offset 0\)"):
        csv_header(data / "posts.csv")


def test_dataset_paths_are_every_table_path_present_or_not(tmp_path: Path) -> None:
    data, _ = _partitioned(tmp_path)
    paths = {p.relative_to(data).as_posix() for p in dataset_paths(data)}
    assert {"posts.csv", "labels.parquet", "posts", "posts/part-0.parquet"} <= paths
    assert "posts/_SUCCESS" not in paths and dataset_paths(tmp_path / "nope") == []


def _must_not_read(*args, **kwargs):
    raise AssertionError("the file was read")


def _refusing(name: str, read):
    """``read``, except that reading the file called ``name`` fails the test."""

    def guarded(path, *args, **kwargs):
        if Path(path).name == name:
            _must_not_read()
        return read(path, *args, **kwargs)

    return guarded
