"""Two small creator models (A and B, answering differently) trained on one generated dataset,
with the account and comment models their features were computed with: for the scoring and
serving tests (registered for every folder in ``tests/conftest.py``)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from creator_audit.dataset import Dataset
from creator_audit.schema import LABELS
from creator_audit.simulator import generate
from evaluation.metrics import label_codes
from features import build_features
from scoring.account_model import AccountModel
from scoring.comment_model import CommentModel
from scoring.model import CreatorFraudModel
from scoring.norms import FeatureNorms
from tests.account_models import small_account_model, small_comment_model
from training.fit import fit_booster

N_CREATORS, DATA_SEED = 1_200, 7


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    return generate(N_CREATORS, seed=DATA_SEED)


@pytest.fixture(scope="session")
def account_model() -> AccountModel:
    return small_account_model()


@pytest.fixture(scope="session")
def comment_model() -> CommentModel:
    return small_comment_model()


@pytest.fixture(scope="session")
def feature_table(
    dataset: Dataset, account_model: AccountModel, comment_model: CommentModel
) -> pd.DataFrame:
    return build_features(dataset, account_model, comment_model)


def _train(
    features: pd.DataFrame,
    y: np.ndarray,
    seed: int,
    params: dict[str, Any],
    version: str,
    scorers: tuple[AccountModel, CommentModel],
) -> CreatorFraudModel:
    train, val = train_test_split(np.arange(len(y)), test_size=0.3, stratify=y, random_state=seed)
    x = features.to_numpy(np.float64)
    fitted = fit_booster(
        x[train],
        y[train],
        x[val],
        y[val],
        list(features.columns),
        len(LABELS),
        seed,
        log=lambda _: None,
        params=params,
    )
    return CreatorFraudModel(
        booster_text=fitted.booster.model_to_string(),
        feature_names=list(features.columns),
        labels=list(LABELS),
        calibration=fitted.calibration,
        metadata={"model_version": version, "model_name": "creator-fraud-test"},
        # the ones that judged the samples and read the comments, as training does
        account_model=scorers[0],
        comment_model=scorers[1],
        norms=FeatureNorms.fit(features.iloc[train], y[train] == LABELS.index("genuine")),
    )


@pytest.fixture(scope="session")
def models(
    dataset: Dataset,
    feature_table: pd.DataFrame,
    account_model: AccountModel,
    comment_model: CommentModel,
) -> SimpleNamespace:
    truth = dataset.labels.set_index("creator_id")["label"]
    y = label_codes(truth.loc[feature_table.index].to_numpy(), LABELS)
    scorers = (account_model, comment_model)
    a = _train(feature_table, y, 0, {"num_iterations": 30}, "A", scorers)
    b = _train(feature_table, y, 1, {"num_iterations": 20, "num_leaves": 7}, "B", scorers)
    pa = a.predict_proba(feature_table.iloc[:50])
    pb = b.predict_proba(feature_table.iloc[:50])
    assert not np.allclose(pa, pb), "models A and B must answer differently"
    return SimpleNamespace(a=a, b=b)
