"""The MLflow store's experiments and runs, and the lock its writers share.

Where the store is and whether it can be used is ``scoring.store.location``'s. An embedded store
is shared by every process started in its folder. MLflow creates and migrates its schema on first
open, and two processes doing that at once crash in alembic; so the store is opened once under a
lock (:func:`prepare_store`) before any expensive work, and experiments are created and models
registered and aliased under the same lock (:func:`store_lock`). A server store serialises its
own writers and needs no lock here.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature

from creator_audit.dataset.real_data import RealFile
from creator_audit.messages import first_line
from scoring.store.location import DEFAULT_ARTIFACTS, StoreError, check_store, sqlite_path
from scoring.store.names import BUNDLE_ARTIFACT, BUNDLE_SUFFIX

CREATOR_EXPERIMENT = "creator-fraud"
ACCOUNT_EXPERIMENT = "account-authenticity"
TRAINING_CREATORS = "data/training_creators.npy"
REAL_FILES = "data/real_files.json"
# Which process runs a run, so a later run can tell one that died from one still going.
HOST_TAG, PROCESS_TAG = "creator_audit.host", "creator_audit.process"


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


def log_training_creators(hashes: np.ndarray) -> None:
    """Record, in the active run, which creators its model learned from: the sorted
    ``training.split.id_hashes`` of their ids (the ids themselves are not kept). The gate reads
    it back when this version is the champion, to judge it only on creators it never saw."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(TRAINING_CREATORS).name
        np.save(path, np.unique(np.asarray(hashes, dtype=np.uint64)), allow_pickle=False)
        mlflow.log_artifact(str(path), str(Path(TRAINING_CREATORS).parent))


def log_real_files(files: Iterable[RealFile], log: Callable[[str], None] = print) -> None:
    """Record, in the active run, which real data files it read: ``data/real_files.json`` (path,
    SHA-256, size, and the part kept of a published original) and a ``real_file/<name>`` param
    with each SHA-256, so a figure can be traced to the bytes it came from; one line each to
    ``log``."""
    records = [file.record() for file in files]
    mlflow.log_dict({"files": records}, REAL_FILES)
    mlflow.log_params({f"real_file/{r['name']}": r["sha256"] for r in records})
    for r in records:
        log(f"real data: {r['path']} (sha256 {r['sha256'][:12]}..., kept: {r['kept']})")


def training_creators(run_id: str | None) -> np.ndarray | None:
    """The creator hashes run ``run_id`` recorded, or None when it recorded none (runs from
    before the record existed)."""
    if run_id is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=TRAINING_CREATORS, dst_path=tmp
            )
            return np.load(path, allow_pickle=False)
        except (MlflowException, OSError, ValueError):  # absent or unreadable: no record
            return None


@contextlib.contextmanager
def tracked_run(
    experiment_id: str, tags: dict[str, str] | None = None, log: Callable[[str], None] = print
) -> Iterator[mlflow.ActiveRun]:
    """``mlflow.start_run`` in ``experiment_id``, tagged with the process that runs it. First the
    runs of the experiment that a process on this machine left RUNNING when it was killed are
    marked FAILED: MLflow never learns of a SIGKILL, and they would stay RUNNING for good."""
    for run_id in fail_abandoned_runs(experiment_id):
        log(f"run {run_id} was left RUNNING by a process that no longer runs: marked FAILED")
    ours = {HOST_TAG: socket.gethostname(), PROCESS_TAG: process_identity(os.getpid()) or ""}
    with mlflow.start_run(experiment_id=experiment_id, tags={**(tags or {}), **ours}) as run:
        yield run


def fail_abandoned_runs(experiment_id: str) -> list[str]:
    """Mark FAILED the RUNNING runs started on this machine by a process that has ended; runs
    of other machines, and of processes still running, are left alone."""
    client = MlflowClient()
    running = client.search_runs([experiment_id], "attributes.status = 'RUNNING'")
    failed = []
    for run in running:
        tags = run.data.tags
        started_by = tags.get(PROCESS_TAG)
        if tags.get(HOST_TAG) != socket.gethostname() or not started_by:
            continue
        if process_identity(int(started_by.split(":")[0])) == started_by:
            continue  # that very process is still running
        client.set_terminated(run.info.run_id, status="FAILED")
        failed.append(run.info.run_id)
    return failed


def process_identity(pid: int) -> str | None:
    """``pid:start-time`` of a running process (its start time tells it from a later process
    that reuses the pid), or None when no such process runs."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return f"{pid}:{int(fields[19])}"  # field 22 of stat(5), counted after the command's ")"
