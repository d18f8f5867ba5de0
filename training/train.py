"""``creator-audit train``: features → split → LightGBM → calibrate → evaluate → MLflow → registry.

One run logs parameters, metrics (ours and the baselines'), the evaluation report with its plots,
feature importance, the feature list, the data fingerprint and the model with its signature; then
the model is registered and the gate decides whether it becomes ``champion``. From the fitted
booster on, this and the Dask training share ``training.conclude``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from creator_audit.dataset import Dataset, read_dataset
from creator_audit.progress import stage
from creator_audit.schema import LABELS
from evaluation.evaluate import labelled_ids
from evaluation.fingerprint import dataset_fingerprint
from evaluation.metrics import label_codes
from evaluation.slices import creator_slices
from features import MODEL_COLUMNS, build_features
from scoring.account_model import AccountModel
from scoring.comment_model import CommentModel
from scoring.model import CreatorFraudModel
from scoring.store.location import configure_tracking
from scoring.store.names import CREATOR_MODEL_NAME
from scoring.store.runs import model_run
from scoring.store.tracking import CREATOR_EXPERIMENT, ensure_experiment
from training.augment import with_posts_only_copies
from training.conclude import (
    HeldOut,
    Log,
    Provenance,
    RunInputs,
    TrainResult,
    conclude,
    log_run_inputs,
    same_scorers,
    scorer_name,
)
from training.fit import fit_booster
from training.split import Split, id_hashes, split_creators


@dataclass
class Prepared:
    """The labelled feature table and its split: everything a fit needs."""

    features: pd.DataFrame
    y: np.ndarray
    slices: pd.DataFrame
    split: Split

    def part(self, ids: pd.Index) -> tuple[pd.DataFrame, np.ndarray]:
        rows = self.features.index.get_indexer(ids)
        return self.features.iloc[rows], self.y[rows]


def prepare(
    ds: Dataset,
    truth: pd.Series,
    split: Split,
    account_model: AccountModel | None = None,
    comment_model: CommentModel | None = None,
) -> Prepared:
    """The features of the labelled creators ``truth`` (their label by creator_id), split."""
    features = build_features(ds, account_model, comment_model).loc[truth.index]
    y = label_codes(truth.to_numpy(), LABELS)
    return Prepared(features, y, creator_slices(ds).loc[truth.index], split)


def train(
    data_dir: str | Path,
    seed: int = 0,
    models_dir: str | Path = "models",
    log: Log = print,
    params: dict[str, Any] | None = None,
    account_model: AccountModel | None = None,
    comment_model: CommentModel | None = None,
) -> TrainResult:
    """Train, evaluate, log, register and gate. ``params`` override LightGBM's defaults.

    ``account_model`` judges the follower samples and ``comment_model`` the comment texts; the
    trained model carries both, so scoring computes the same features. Without one, its features
    are missing.
    """
    with stage(f"read {data_dir}", log):
        ds = read_dataset(data_dir)
    truth = labelled_ids(ds)
    split = split_creators(truth, seed)  # bad data and labels fail before anything is written
    configure_tracking()
    experiment_id = ensure_experiment(CREATOR_EXPERIMENT)  # and a store that cannot be used
    scorers = f"account model: {scorer_name(account_model)}, comments: {scorer_name(comment_model)}"
    with stage(f"features of {len(ds.creators):,} creators ({scorers})", log):
        prepared = prepare(ds, truth, split, account_model, comment_model)
    x_train, y_train = with_posts_only_copies(*prepared.part(prepared.split.train))
    # Validation gets the same posts-only copies, so early stopping and calibration judge the
    # model on both regimes; the test split stays exactly as the data came.
    x_val, y_val = with_posts_only_copies(*prepared.part(prepared.split.validation))
    every_test_feature, y_test = prepared.part(prepared.split.test)  # a champion may need all
    inputs = list(MODEL_COLUMNS)
    x_train, x_val, x_test = x_train[inputs], x_val[inputs], every_test_feature[inputs]
    log(
        f"split: {len(prepared.split.train)} train (+{len(y_train) - len(prepared.split.train)}"
        f" posts-only copies), {len(prepared.split.validation)} validation (+copies), "
        f"{len(y_test)} test"
    )
    with model_run(CREATOR_MODEL_NAME, experiment_id, log) as run:
        fingerprint = dataset_fingerprint(data_dir, truth.value_counts().to_dict())
        sizes = (len(split.train), len(split.validation), len(split.test))
        columns = inputs
        log_run_inputs(
            RunInputs(
                data_dir,
                seed,
                "in-memory",
                fingerprint,
                sizes,
                columns,
                account_model,
                comment_model,
            )
        )
        with stage("LightGBM (early stopping on validation) and calibration", log):
            fitted = fit_booster(
                x_train.to_numpy(np.float64),
                y_train,
                x_val.to_numpy(np.float64),
                y_val,
                inputs,
                len(LABELS),
                seed,
                log=log,
                params=params,
            )
        test = HeldOut(x_test, y_test, prepared.slices.loc[prepared.split.test])
        return conclude(
            run,
            fitted,
            Provenance(
                seed,
                fingerprint["sha256"],
                account_model,
                comment_model,
                trained_on=id_hashes(prepared.split.trained_on),
            ),
            (x_train, y_train),
            test,
            lambda champion: _test_features_for(
                champion, account_model, comment_model, ds, every_test_feature
            ),
            Path(models_dir),
            log,
        )


def _test_features_for(
    champion: CreatorFraudModel,
    account_model: AccountModel | None,
    comment_model: CommentModel | None,
    ds: Dataset,
    x_test: pd.DataFrame,
) -> pd.DataFrame:
    """The test creators' features as the champion computes them: with its own account and
    comment models, which may not be this run's (else it would be judged on features it never
    saw)."""
    if same_scorers(champion, account_model, comment_model):
        return x_test
    features = build_features(ds, champion.account_model, champion.comment_model)
    return features.loc[x_test.index]
