"""Fixtures for tests in several folders."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded MLflow store with its schema and nothing in it, made once per session
    (creating the schema takes seconds): tests copy it, or damage a copy."""
    where = tmp_path_factory.mktemp("store")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(where)
        patch.setenv("MLFLOW_TRACKING_URI", "")
        from scoring.store import configure_tracking
        from training.tracking import prepare_store

        configure_tracking()
        prepare_store()
    return where / "mlflow.db"
