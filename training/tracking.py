"""MLflow configuration: an embedded SQLite store and local artifacts unless told otherwise.

``MLFLOW_TRACKING_URI`` overrides the store (a server, Databricks, another database). Nothing is
configured at import time; commands call :func:`configure_tracking` once.
"""

from __future__ import annotations

import os
from pathlib import Path

import mlflow

DEFAULT_DB = "mlflow.db"
DEFAULT_ARTIFACTS = "mlartifacts"
CREATOR_EXPERIMENT = "creator-fraud"
CREATOR_MODEL_NAME = "creator-fraud"
ACCOUNT_EXPERIMENT = "account-authenticity"
ACCOUNT_MODEL_NAME = "account-authenticity"
CHAMPION = "champion"
CHALLENGER = "challenger"


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


def ensure_experiment(name: str, workdir: str | os.PathLike[str] | None = None) -> str:
    """Create the experiment on first use; local stores keep artifacts under ./mlartifacts."""
    existing = mlflow.get_experiment_by_name(name)
    if existing is not None:
        return existing.experiment_id
    location = None
    if mlflow.get_tracking_uri().startswith("sqlite:"):
        base = Path(workdir or Path.cwd()).resolve()
        location = (base / DEFAULT_ARTIFACTS / name).as_uri()
    return mlflow.create_experiment(name, artifact_location=location)
