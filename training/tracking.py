"""Training's side of the MLflow store: experiments, and the lock its writers share.

Where the store is and whether it can be used is ``scoring.store``'s. An embedded store is shared
by every process started in its folder. MLflow creates and migrates its schema on first open, and
two processes doing that at once crash in alembic; so the store is opened once under a lock
(:func:`prepare_store`) before any expensive work, and experiments are created and models
registered and aliased under the same lock (:func:`store_lock`). A server store serialises its
own writers and needs no lock here.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import infer_signature

from creator_audit.messages import first_line
from scoring.names import BUNDLE_ARTIFACT, BUNDLE_SUFFIX
from scoring.store import DEFAULT_ARTIFACTS, StoreError, check_store, sqlite_path

CREATOR_EXPERIMENT = "creator-fraud"
ACCOUNT_EXPERIMENT = "account-authenticity"


def ensure_experiment(name: str, workdir: str | os.PathLike[str] | None = None) -> str:
    """Create the experiment on first use; local stores keep artifacts under ./mlartifacts."""
    prepare_store()
    with store_lock():  # two first runs would both create it, and the second fail
        existing = mlflow.get_experiment_by_name(name)
        if existing is not None:
            return existing.experiment_id
        location = None
        if mlflow.get_tracking_uri().startswith("sqlite:"):
            base = Path(workdir or Path.cwd()).resolve()
            location = (base / DEFAULT_ARTIFACTS / name).as_uri()
        return mlflow.create_experiment(name, artifact_location=location)


_prepared: set[str] = set()


def prepare_store() -> None:
    """Check the embedded store and create or migrate its schema, once, under the store lock.

    Fails with a :class:`StoreError` naming the file when it is a folder, not an SQLite
    database, damaged, read-only, or in a folder that cannot be written.
    """
    uri = mlflow.get_tracking_uri()
    db = sqlite_path(uri)
    if db is None or uri in _prepared:
        return
    check_store()
    with store_lock():
        try:
            client = MlflowClient()
            client.search_experiments(max_results=1)
            client.search_registered_models(max_results=1)
        except Exception as err:  # SQLAlchemy and alembic errors name nothing a user can act on
            raise StoreError(f"tracking store {db} cannot be opened: {first_line(err)}") from None
    _prepared.add(uri)


_lock_depth = threading.local()


@contextlib.contextmanager
def store_lock() -> Iterator[None]:
    """Hold the embedded store's lock (a ``flock`` on ``<db>.lock``); re-entrant within a
    thread (a second ``flock`` on a new descriptor would wait for the first), exclusive between
    threads and processes. A server store takes no lock."""
    db = sqlite_path(mlflow.get_registry_uri()) or sqlite_path(mlflow.get_tracking_uri())
    depth = getattr(_lock_depth, "n", 0)
    if db is None:
        yield
        return
    if depth:
        _lock_depth.n = depth + 1
        try:
            yield
        finally:
            _lock_depth.n = depth
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(db.with_name(db.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _lock_depth.n = 1
        try:
            yield
        finally:
            _lock_depth.n = 0
            fcntl.flock(handle, fcntl.LOCK_UN)


def log_bundle_model(
    model: Any,
    model_code: Path,
    example: pd.DataFrame,
    output: pd.DataFrame,
    pip_requirements: list[str] | None = None,
) -> str:
    """Log ``model`` in the active run as MLflow's model from code ``model_code`` with its bundle
    as the artifact (no pickled Python object); returns the logged model's URI."""
    with tempfile.TemporaryDirectory() as tmp:
        bundle = model.save(Path(tmp) / f"model{BUNDLE_SUFFIX}")
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=str(model_code),
            artifacts={BUNDLE_ARTIFACT: str(bundle)},
            signature=infer_signature(example, output),
            input_example=example,
            pip_requirements=pip_requirements,
        )
    return info.model_uri
