"""A dataset directory as Dask frames, co-partitioned so each creator's rows share a partition.

Each table is ``<table>.parquet``, ``<table>.csv`` or a directory ``<table>/`` of Parquet parts
(CONTRACT.md §1). Every row gets the number of the partition its creator goes to (a hash of
``creator_id``; engagements learn their creator from their post), and every table is then
partitioned on it with the same explicit divisions: partition *i* of every table holds exactly
the rows of the same creators. Rows keep their input order within a partition, so per-creator
computations see them as the in-memory path does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from creator_audit.dataset import DatasetError, Problem, ReadTime
from creator_audit.dataset.read import (
    check_dataset_directory,
    csv_header,
    find_table,
    missing_table,
)
from creator_audit.schema import TABLES

# Input bytes per partition: Parquet takes ~10x its size in memory once read and featurised, so
# 16 MiB of input keeps a partition's work near 200 MiB, well inside a 1.5 GiB worker.
TARGET_PARTITION_BYTES = 16 * 2**20
PART = "_part"  # the partition a row's creator goes to
ORDER = "_order"  # the row's position in the input, to restore it after the shuffle
CREATOR_TABLES = ("creators", "posts", "follower_counts", "follower_samples", "labels")
_TEXT_KINDS = ("str", "label", "kind")


@dataclass
class PartitionedDataset:
    """Co-partitioned Dask frames (None for absent optional tables), their partition count, and
    when they were read: every partition takes the same time for a missing ``snapshot_at``."""

    tables: dict[str, dd.DataFrame | None]
    npartitions: int
    read_time: ReadTime


def read_table(path: Path, name: str) -> dd.DataFrame:
    if path.suffix == ".csv":
        text = [c.name for c in TABLES[name].columns if c.kind in _TEXT_KINDS]
        header = csv_header(path)  # its first line, checked: a damaged file is named now
        return dd.read_csv(path, dtype={c: "str" for c in header if c in text}, blocksize="64MB")
    # One partition per row group, not per file: a part file can hold millions of rows, more
    # than a worker's memory once read into pandas.
    return dd.read_parquet(path, split_row_groups=True)


def read_partitioned(data_dir: str | Path, npartitions: int | None = None) -> PartitionedDataset:
    """Read every table of ``data_dir`` lazily and co-partition it by creator."""
    read_time = ReadTime.now()
    root = check_dataset_directory(data_dir)
    raw = {name: _read(root, name) for name in TABLES}
    missing = [missing_table(root, n) for n, t in TABLES.items() if t.required and raw[n] is None]
    if missing:
        raise DatasetError(missing)
    check_post_ids_unique(raw["posts"])
    n = npartitions or default_partitions(root, raw)
    tables = {name: _with_part(frame, name, n, raw["posts"]) for name, frame in raw.items()}
    return PartitionedDataset(
        {name: None if f is None else _copartition(f, n) for name, f in tables.items()},
        n,
        read_time,
    )


def check_post_ids_unique(posts: dd.DataFrame) -> None:
    """Raise if a post_id appears more than once anywhere in the posts table.

    Each partition is validated alone, and two creators that share a post id land in different
    partitions, so only a pass over the whole table finds it; left alone, every engagement of that
    post would be joined to both posts and counted twice. Costs one read of the post_id column.
    """
    if "post_id" not in posts.columns:
        return  # the partitions' validation names the missing column
    counts = posts["post_id"].value_counts(split_out=posts.npartitions)
    repeated = counts[counts > 1]
    shown, total = dask.compute(repeated.head(1, npartitions=-1, compute=False), repeated.size)
    if total:
        post_id, times = shown.index[0], int(shown.iloc[0])
        message = f"{post_id!r} appears {times} times; post_id must be unique"
        if total > 1:
            message += f" ({total} repeated post ids in all)"
        raise DatasetError([Problem("posts", None, "post_id", message)])


def default_partitions(root: Path, raw: dict[str, dd.DataFrame | None]) -> int:
    """Enough partitions for ``TARGET_PARTITION_BYTES`` of input each, and at least as many as
    the largest table has parts."""
    size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    by_size = -(-size // TARGET_PARTITION_BYTES)
    return max(by_size, *(frame.npartitions for frame in raw.values() if frame is not None))


def _read(root: Path, name: str) -> dd.DataFrame | None:
    path = find_table(root, name)
    return None if path is None else _with_order(read_table(path, name))


def _with_order(frame: dd.DataFrame) -> dd.DataFrame:
    """Add the input position: partition number in the high bits, row within it in the low."""

    def add(part: pd.DataFrame, partition_info: dict | None = None) -> pd.DataFrame:
        number = 0 if partition_info is None else partition_info["number"]
        return part.assign(**{ORDER: (np.int64(number) << 32) + np.arange(len(part))})

    meta = frame._meta.assign(**{ORDER: np.int64(0)})
    return frame.map_partitions(add, meta=meta)


def part_of(creator_ids: pd.Series, npartitions: int) -> np.ndarray:
    """The partition of each creator: a stable hash of its id (the same on every machine)."""
    text = creator_ids.astype("str").fillna("")
    hashed = pd.util.hash_pandas_object(text, index=False).to_numpy()
    return (hashed % np.uint64(npartitions)).astype(np.int64)


def _with_part(
    frame: dd.DataFrame | None, name: str, n: int, posts: dd.DataFrame
) -> dd.DataFrame | None:
    if frame is None:
        return None
    if name in CREATOR_TABLES:
        if "creator_id" not in frame.columns:
            return frame.assign(**{PART: 0})  # validation names the missing column
        return frame.map_partitions(
            lambda p: p.assign(**{PART: part_of(p["creator_id"], n)}),
            meta=frame._meta.assign(**{PART: np.int64(0)}),
        )
    # Engagements name a post, not a creator: the post's row tells. An engagement of an unknown
    # post goes to partition 0, where validation reports it (no post there has its id).
    post_parts = posts[["post_id", "creator_id"]].map_partitions(
        lambda p: pd.DataFrame(
            {"post_id": p["post_id"], PART: part_of(p["creator_id"], n)}, index=p.index
        ),
        meta=pd.DataFrame({"post_id": posts._meta["post_id"], PART: np.int64(0)}),
    )
    joined = frame.merge(post_parts, on="post_id", how="left")
    return joined.assign(**{PART: joined[PART].fillna(0).astype(np.int64)})


def _copartition(frame: dd.DataFrame, n: int) -> dd.DataFrame:
    """Partition i holds the rows with _part == i, for every table alike."""
    divisions = (*range(n), n - 1)  # the last partition is closed: [n-1, n-1]
    return frame.set_index(PART, divisions=divisions, sort=True)


def partition_frame(part: pd.DataFrame | None) -> pd.DataFrame | None:
    """One partition of one table as the in-memory path would see it: input order, no helpers."""
    if part is None:
        return None
    ordered = part.sort_values(ORDER, kind="stable") if ORDER in part.columns else part
    return ordered.drop(columns=[ORDER], errors="ignore").reset_index(drop=True)
