"""One small, real training workspace shared by the training, evaluation and behaviour tests
(registered for every folder in ``tests/conftest.py``).

Three real trainings on a generated dataset against the default embedded MLflow store (SQLite in
the working directory): a first model, the same again (same seed), and a deliberately weak one.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from creator_audit.simulator import generate_to_dir
from tests.account_models import small_account_model, small_comment_model
from training.train import train

TRAIN_CREATORS, HOLDOUT_CREATORS = 3000, 800
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _quiet(_: str) -> None:
    pass


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("pipeline")
    data, holdout = root / "data", root / "holdout"
    generate_to_dir(data, TRAIN_CREATORS, seed=3)
    generate_to_dir(holdout, HOLDOUT_CREATORS, seed=4)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.setenv("CREATOR_AUDIT_SHARED_DATA", str(SHARED_DATA))
        scorers = {"account_model": small_account_model(), "comment_model": small_comment_model()}
        first = train(data, seed=0, log=_quiet, **scorers)
        second = train(data, seed=0, log=_quiet, **scorers)
        weak = train(
            data, seed=0, log=_quiet, params={"num_iterations": 1, "num_leaves": 2}, **scorers
        )
        yield SimpleNamespace(
            root=Path(root),
            data=data,
            holdout=holdout,
            first=first,
            second=second,
            weak=weak,
            accounts=scorers["account_model"],
            comments=scorers["comment_model"],
        )
