"""Writing datasets: atomic replacement and lossless timestamps in CSV."""

from __future__ import annotations

import pandas as pd
import pytest

from creator_audit.atomic import OutputError
from creator_audit.dataset import Dataset, read_dataset, write_dataset


def _dataset(posted_at: list[str]) -> Dataset:
    creators = pd.DataFrame(
        {"creator_id": ["c1"], "followers": [10], "following": [2], "media_count": [2]}
    )
    posts = pd.DataFrame(
        {
            "creator_id": ["c1"] * len(posted_at),
            "post_id": [f"p{i}" for i in range(len(posted_at))],
            "posted_at": pd.to_datetime(posted_at, utc=True, format="ISO8601").as_unit("ns"),
            "likes": [1] * len(posted_at),
            "comments": [0] * len(posted_at),
        }
    )
    return Dataset(creators, posts)


def test_csv_keeps_sub_second_timestamps(tmp_path) -> None:
    stamps = ["2026-05-01T10:00:00.250+02:00", "2026-05-01T10:00:01Z"]
    write_dataset(_dataset(stamps), tmp_path / "d", fmt="csv")
    back = read_dataset(tmp_path / "d").posts["posted_at"]
    expected = pd.to_datetime(stamps, utc=True, format="ISO8601")
    assert list(back) == list(expected)


def test_failed_write_leaves_the_previous_dataset_whole(tmp_path, monkeypatch) -> None:
    target = tmp_path / "d"
    write_dataset(_dataset(["2026-05-01T10:00:00Z"]), target)
    before = sorted(p.name for p in target.iterdir())

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(OutputError, match="disk full; the previous version is intact"):
        write_dataset(_dataset(["2026-05-02T10:00:00Z"]), target)
    assert sorted(p.name for p in target.iterdir()) == before
    assert read_dataset(target).posts["posted_at"].iloc[0] == pd.Timestamp("2026-05-01T10:00Z")
    assert [p.name for p in tmp_path.iterdir()] == ["d"]  # no temporary debris


def test_optional_integers_and_flags_are_written_as_what_they_are(tmp_path) -> None:
    creators = pd.DataFrame(
        {
            "creator_id": ["c1", "c2"],
            "followers": [10, 20],
            "following": [2, 3],
            "media_count": [2, 0],
            "bio_length": [74.0, None],  # as validation holds them: float64, NaN for missing
            "is_verified": [1.0, None],
        }
    )
    ds = _dataset(["2026-05-01T10:00:00Z"])
    ds.creators = creators
    for fmt in ("parquet", "csv"):
        write_dataset(ds, tmp_path / fmt, fmt=fmt)
        back = read_dataset(tmp_path / fmt).creators
        assert back["bio_length"].tolist()[0] == 74 and pd.isna(back["bio_length"].iloc[1])
        assert back["is_verified"].iloc[0] == 1 and pd.isna(back["is_verified"].iloc[1])
    on_disk = pd.read_parquet(tmp_path / "parquet" / "creators.parquet")
    assert str(on_disk["bio_length"].dtype) == "Int64"
    assert str(on_disk["is_verified"].dtype) == "boolean"
    assert (tmp_path / "csv" / "creators.csv").read_text().splitlines()[1] == "c1,10,2,2,74,True"


def test_hidden_likes_are_written_empty_and_read_back_missing(tmp_path) -> None:
    ds = _dataset(["2026-05-01T10:00:00Z", "2026-05-02T10:00:00Z"])
    ds.posts["likes"] = [120.0, None]  # as validation holds a like count the owner hid
    for fmt in ("parquet", "csv"):
        write_dataset(ds, tmp_path / fmt, fmt=fmt)
        back = read_dataset(tmp_path / fmt).posts["likes"]
        assert back.iloc[0] == 120 and pd.isna(back.iloc[1])
    on_disk = pd.read_parquet(tmp_path / "parquet" / "posts.parquet")
    assert str(on_disk["likes"].dtype) == "Int64"  # not 120.0 beside NaN
    assert (tmp_path / "csv" / "posts.csv").read_text().splitlines()[1:] == [
        "c1,p0,2026-05-01T10:00:00+00:00,120,0",
        "c1,p1,2026-05-02T10:00:00+00:00,,0",
    ]
