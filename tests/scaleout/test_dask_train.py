"""Training on Dask with lightgbm.dask: logged, registered, gated and exported like ``train``."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from creator_audit.dataset import DatasetError
from creator_audit.simulator import generate_to_dir
from evaluation.fingerprint import files_sha256
from scaleout.cluster import connect
from scaleout.train import TEST, TRAIN, VALIDATION, split_part, train_on_dask
from scoring.model import CreatorFraudModel
from tests.account_models import small_account_model


def test_split_is_seeded_stable_and_near_its_shares() -> None:
    ids = pd.Index([f"c{i}" for i in range(20_000)])
    parts = split_part(ids, seed=4)
    np.testing.assert_array_equal(parts, split_part(ids, seed=4))  # same on any cluster
    other_seed = split_part(ids, seed=5)
    assert not np.array_equal(parts, other_seed)
    np.testing.assert_array_equal(parts == TEST, other_seed == TEST)  # tested on the same
    shares = np.bincount(parts, minlength=3) / len(ids)
    np.testing.assert_allclose(shares, [0.6, 0.2, 0.2], atol=0.02)
    assert set(np.unique(parts)) == {TRAIN, VALIDATION, TEST}


def test_train_on_dask_registers_a_working_model(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    data = generate_to_dir(tmp_path / "data", 2_400, seed=6, part_creators=800)
    accounts = small_account_model()
    with connect("local", worker_memory="1.5GiB", workers=2) as client:
        result = train_on_dask(
            data, client, seed=0, log=lambda _: None, params={"num_iterations": 80},
            account_model=accounts,
        )  # fmt: skip
    # A real model: far better than chance on its own held-out creators and than the rules.
    assert result.test.metrics["macro_f1"] > 0.6
    assert result.test.metrics["macro_f1"] > result.baselines["rules"]["macro_f1"]
    assert result.decision.version == "1"
    bundle = CreatorFraudModel.load(tmp_path / "models" / "creator-fraud-v1.bundle")
    assert bundle.account_model is not None
    assert bundle.account_model.booster_text == accounts.booster_text
    assert 1 <= bundle.metadata["best_iteration"] <= 80
    run = mlflow.get_run(result.run_id)
    assert run.data.params["engine"] == "dask"
    assert run.data.params["data_sha256"] == files_sha256(data)  # as the in-memory run logs it
    assert bundle.metadata["data_sha256"] == files_sha256(data)
    assert "test_macro_f1" in run.data.metrics and "logistic_macro_f1" in run.data.metrics
    n = sum(int(run.data.params[k]) for k in ("n_train", "n_validation", "n_test"))
    assert n == 2_400
    (data / "creators").rename(tmp_path / "elsewhere")
    with pytest.raises(DatasetError, match="creators"):  # before any work on a cluster
        train_on_dask(data, client=None, log=lambda _: None)


def test_validation_losses_follow_the_rounds() -> None:
    import lightgbm as lgb
    from sklearn.metrics import log_loss

    from scaleout.train import validation_losses

    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 5))
    y = (x[:, 0] > 0).astype(int) + 2 * (x[:, 1] > 0.5)
    params = {"objective": "multiclass", "num_class": 4, "verbosity": -1, "seed": 1}
    booster = lgb.train(params, lgb.Dataset(x[:400], y[:400]), num_boost_round=30)
    losses = validation_losses(booster, x[400:], y[400:])
    assert len(losses) == 30
    for rounds in (1, 12, 30):
        full = booster.predict(x[400:], num_iteration=rounds)
        assert losses[rounds - 1] == pytest.approx(log_loss(y[400:], full, labels=range(4)))
    assert losses[-1] < losses[0]
