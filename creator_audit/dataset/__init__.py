"""Datasets (CONTRACT.md §1): read from disk or built from request columns, validated, written."""

from creator_audit.dataset.as_of import AsOfError, dataset_as_of, parse_as_of
from creator_audit.dataset.columns import dataset_from_columns
from creator_audit.dataset.errors import DatasetError, Problem
from creator_audit.dataset.instafake import default_shared_data_dir, load_instafake_genuine
from creator_audit.dataset.read import read_accounts, read_dataset
from creator_audit.dataset.types import Dataset, ReadTime, epoch_seconds
from creator_audit.dataset.validate import check_references, coerce_table, dataset_from_frames
from creator_audit.dataset.write import write_dataset, write_table

__all__ = [
    "AsOfError",
    "Dataset",
    "DatasetError",
    "Problem",
    "ReadTime",
    "check_references",
    "coerce_table",
    "dataset_as_of",
    "dataset_from_columns",
    "dataset_from_frames",
    "default_shared_data_dir",
    "epoch_seconds",
    "load_instafake_genuine",
    "parse_as_of",
    "read_accounts",
    "read_dataset",
    "write_dataset",
    "write_table",
]
