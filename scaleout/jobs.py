"""``creator-audit features|score --scheduler …``: the in-memory code, run partition by partition.

Each partition holds whole creators (``scaleout.tables``), so validating it with
``dataset_from_frames`` and computing ``build_features`` / ``score_dataset`` on it gives every
creator exactly what the in-memory path gives. Output is partitioned Parquet: a directory of part
files, written to a temporary directory beside it and moved into place only when complete.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
from distributed import Client, progress

from creator_audit.atomic import atomic_directory
from creator_audit.dataset import ReadTime
from creator_audit.dataset.validate import dataset_from_frames
from features import FEATURE_COLUMNS, build_features
from scaleout.tables import PartitionedDataset, partition_frame, read_partitioned
from scoring.account_model import AccountModel
from scoring.comment_model import CommentModel
from scoring.model import CreatorFraudModel
from scoring.scores import DEFAULT_REASONS, score_dataset

INPUT_TABLES = ("creators", "posts", "engagements", "follower_counts", "follower_samples")
STR = pd.StringDtype(na_value=np.nan)


def _dataset(*parts: pd.DataFrame | None, read_time: ReadTime):
    """One partition's tables, validated exactly as files are; read when the whole was."""
    raw = {name: partition_frame(part) for name, part in zip(INPUT_TABLES, parts, strict=True)}
    return dataset_from_frames(raw, read_time=read_time)


def _features_partition(
    *parts: Any,
    account_model: AccountModel | None,
    comment_model: CommentModel | None,
    read_time: ReadTime,
) -> pd.DataFrame:
    ds = _dataset(*parts, read_time=read_time)
    return build_features(ds, account_model, comment_model).reset_index()


def _scores_partition(
    *parts: Any, model: CreatorFraudModel, n_reasons: int, read_time: ReadTime
) -> pd.DataFrame:
    # one thread per worker process: Dask runs the partitions in parallel
    ds = _dataset(*parts, read_time=read_time)
    return score_dataset(model, ds, n_reasons=n_reasons, threads=1)


def features_meta() -> pd.DataFrame:
    meta = pd.DataFrame({name: pd.Series(dtype=np.float64) for name in FEATURE_COLUMNS})
    meta.insert(0, "creator_id", pd.Series(dtype=STR))
    return meta


def scores_meta(labels: list[str]) -> pd.DataFrame:
    columns: dict[str, pd.Series] = {
        "creator_id": pd.Series(dtype=STR),
        "label": pd.Series(dtype=STR),
    }
    columns.update({f"p_{label}": pd.Series(dtype=np.float64) for label in labels})
    columns["fraud_score"] = pd.Series(dtype=np.int64)
    columns["reasons"] = pd.Series(dtype=STR)
    columns["model_version"] = pd.Series(dtype=STR)
    for name in ("coverage", "snapshot_at", "snapshot_source", "excluded_posts"):
        columns[name] = pd.Series(dtype=STR)
    return pd.DataFrame(columns)


def _apply(
    data: PartitionedDataset, func: Callable[..., pd.DataFrame], meta: pd.DataFrame, **kwargs: Any
) -> dd.DataFrame:
    frames = [data.tables[name] for name in INPUT_TABLES]
    return dd.map_partitions(
        func,
        *frames,
        meta=meta,
        align_dataframes=False,
        enforce_metadata=False,
        read_time=data.read_time,
        **kwargs,
    )


def features_frame(
    data_dir: str | Path,
    account_model: AccountModel | None,
    comment_model: CommentModel | None = None,
) -> dd.DataFrame:
    data = read_partitioned(data_dir)
    return _apply(
        data,
        _features_partition,
        features_meta(),
        account_model=account_model,
        comment_model=comment_model,
    )


def scores_frame(
    data_dir: str | Path, model: CreatorFraudModel, n_reasons: int = DEFAULT_REASONS
) -> dd.DataFrame:
    data = read_partitioned(data_dir)
    meta = scores_meta(model.labels)
    return _apply(data, _scores_partition, meta, model=model, n_reasons=n_reasons)


def is_part_file(name: str) -> bool:
    """What Dask's ``to_parquet`` writes into its directory."""
    return re.fullmatch(r"part\.\d+\.parquet|_metadata|_common_metadata", name) is not None


def write_partitioned(
    frame: dd.DataFrame,
    out: str | Path,
    client: Client,
    show_progress: bool = True,
    force: bool = False,
) -> Path:
    """Compute ``frame`` on the cluster into a directory of Parquet parts, atomically; a
    non-empty ``out`` that is not such a directory is refused unless ``force``."""
    out = Path(out)
    with atomic_directory(out, force, is_part_file) as tmp:
        task = frame.to_parquet(tmp, write_index=False, compute=False)
        future = client.compute(task)
        if show_progress:
            progress(future)
        future.result()
    return out
