"""Creators from the exports people hold: an instaloader download or Graph API responses.

Each importer maps its source's fields to the contract tables (CONTRACT.md §1; the mapping is
documented in its module), and the tables go through the validation every dataset goes through.
Anything wrong is one ``SourceError`` (a ValueError) naming the file and the field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from creator_audit.dataset import Dataset
from creator_audit.importers.graph_api import import_graph_api
from creator_audit.importers.instaloader import import_instaloader
from creator_audit.importers.source import SourceError
from creator_audit.importers.tables import ImportedTables

__all__ = ["Imported", "SourceError", "from_graph_api", "from_instaloader"]


@dataclass(frozen=True)
class Imported:
    """A validated dataset, and what the user should know about how it was made."""

    dataset: Dataset
    notes: list[str]


def from_instaloader(folders: Sequence[Path]) -> Imported:
    """One creator per instaloader profile folder (``creator_audit.importers.instaloader``)."""
    return _imported(import_instaloader, folders)


def from_graph_api(files: Sequence[Path]) -> Imported:
    """One creator per account in the saved responses (``creator_audit.importers.graph_api``)."""
    return _imported(import_graph_api, files)


def _imported(
    add: Callable[[Sequence[Path], ImportedTables], None], paths: Sequence[Path]
) -> Imported:
    tables = ImportedTables()
    add(paths, tables)
    return Imported(tables.dataset(), tables.notes)
