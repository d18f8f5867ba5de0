"""Fixtures for tests in several folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

# Fixtures for every folder.
from tests.small_models import (  # noqa: F401
    account_model,
    comment_model,
    dataset,
    feature_table,
    models,
)
from tests.training_workspace import workspace  # noqa: F401


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded MLflow store with its schema and nothing in it, made once per session
    (creating the schema takes seconds): tests copy it, or damage a copy."""
    where = tmp_path_factory.mktemp("store")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(where)
        patch.setenv("MLFLOW_TRACKING_URI", "")
        from scoring.store.location import configure_tracking
        from scoring.store.tracking import prepare_store

        configure_tracking()
        prepare_store()
    return where / "mlflow.db"


@pytest.fixture(scope="session", autouse=True)
def no_users_data_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Where the shared real data is absent, the loaders read the cache of ``creator-audit data
    fetch``: the tests never read the user's (an empty folder of their own instead), nor fetch
    from anywhere a test did not set."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CREATOR_AUDIT_DATA", str(tmp_path_factory.mktemp("no-data-cache")))
        patch.delenv("CREATOR_AUDIT_DATA_MIRROR", raising=False)
        yield
