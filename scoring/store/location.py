"""Where the MLflow store is, and whether it can be used: what loading a model and training both
need. An embedded SQLite store and local artifacts unless told otherwise.

``MLFLOW_TRACKING_URI`` overrides the store (a server, Databricks, another database). Nothing is
configured at import time; commands call :func:`configure_tracking` once. Creating experiments,
registering versions and the store's lock are training's (``scoring/store/tracking.py``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from pathlib import Path

import mlflow

from creator_audit.atomic import OutputError, check_writable_file

DEFAULT_DB = "mlflow.db"
DEFAULT_ARTIFACTS = "mlartifacts"


def configure_tracking(workdir: str | os.PathLike[str] | None = None) -> str:
    """Point MLflow at ``MLFLOW_TRACKING_URI`` or at ``sqlite:///<workdir>/mlflow.db``.

    ``MLFLOW_REGISTRY_URI`` counts only beside an explicit ``MLFLOW_TRACKING_URI``: MLflow exports
    both variables whenever a URI is set, so a child process (a notebook kernel, a worker) would
    otherwise inherit its parent's registry while tracking runs in its own embedded store.
    """
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    registry = os.environ.get("MLFLOW_REGISTRY_URI") if uri else None
    if not uri:
        base = Path(workdir or Path.cwd()).resolve()
        uri = f"sqlite:///{base / DEFAULT_DB}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(registry or uri)
    return uri


class StoreError(ValueError):
    """A tracking store that cannot be used; one line naming it and what is wrong."""


def sqlite_path(uri: str) -> Path | None:
    """The database file of an embedded ``sqlite:///`` store; None for any other store."""
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri.removeprefix("sqlite:///").split("?", 1)[0])


SQLITE_HEADER = b"SQLite format 3\x00"


_passed: set[tuple[str, bool]] = set()  # (store URI, writing) checked in this process


def check_store(writing: bool = True) -> None:
    """Fail with a :class:`StoreError` if the embedded store's file cannot be used (to write to
    when ``writing``, else only to read models from); reads it and creates nothing. A store that
    passed is not checked again in this process: a command loads several models from it."""
    uri = mlflow.get_tracking_uri() if writing else mlflow.get_registry_uri()
    db = sqlite_path(uri)
    if db is None or (uri, writing) in _passed:
        return
    _check_database_file(db, writing)
    if db.exists() and db.stat().st_size:  # a new store is MLflow's to create: check it then
        _passed.add((uri, writing))


def _check_database_file(db: Path, writing: bool) -> None:
    if db.is_dir():
        raise StoreError(f"tracking store {db} is a folder, not an SQLite database")
    if writing:
        try:
            check_writable_file(db)  # SQLite writes a journal beside the database
        except OutputError as err:
            raise StoreError(f"tracking store {db}: {err}") from None
    if not db.exists() or db.stat().st_size == 0:
        return  # a new store: MLflow creates it
    if writing and (not stat.S_IMODE(db.stat().st_mode) & 0o222 or not os.access(db, os.W_OK)):
        raise StoreError(f"tracking store {db} is read-only; training must write to it")
    with open(db, "rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise StoreError(
                f"tracking store {db} is not an SQLite database (damaged, or another file)"
            )
    problem = _integrity_problem(db)
    if problem:
        raise StoreError(f"tracking store {db} is damaged: {problem}")


def _integrity_problem(db: Path) -> str | None:
    """SQLite's own quick check (milliseconds for a store of a few MB), read-only."""
    try:
        with contextlib.closing(
            sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True)
        ) as conn:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    # Damaged schema text can fail to decode before SQLite itself notices anything.
    except (sqlite3.DatabaseError, UnicodeDecodeError) as err:
        return str(err)
    return None if verdict == "ok" else str(verdict)
