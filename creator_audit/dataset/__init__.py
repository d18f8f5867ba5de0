"""Datasets on disk (CONTRACT.md §1): read, validate, write."""

from creator_audit.dataset.types import Dataset, epoch_seconds
from creator_audit.dataset.write import write_dataset, write_table

__all__ = ["Dataset", "epoch_seconds", "write_dataset", "write_table"]
