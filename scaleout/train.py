"""``creator-audit train --scheduler …``: features on Dask, LightGBM's own Dask estimator, then
the same measurement, logging, registry gate and bundle as the in-memory training.

Per partition (whole creators, ``scaleout.tables``): features, label, slices and the creator's
part of the split, plus the posts-only copies the in-memory training adds. The split is a seeded
hash of ``creator_id`` (60 / 20 / 20), so it needs no global shuffle and a creator lands in the
same part on any cluster. The training part stays on the workers and ``lightgbm.dask`` trains on
it; validation and test (one row per creator, far smaller than the events) come to this process
for choosing the number of rounds, calibration and measurement.

``lightgbm.dask`` does not support early stopping, so it trains up to ``MAX_DASK_ROUNDS`` while
the booster is cut afterwards at the round with the lowest validation log-loss: the same model
early stopping would have kept, at the cost of the extra rounds. (Its ``eval_set`` is not used:
it reports results only from a worker that happened to hold validation rows.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import lightgbm as lgb
import numpy as np
import pandas as pd
from distributed import Client, progress
from scipy.special import softmax
from sklearn.metrics import log_loss

from creator_audit.dataset import ReadTime
from creator_audit.dataset.validate import dataset_from_frames
from creator_audit.schema import LABELS
from evaluation.evaluate import NO_LABELS, labelled_ids
from evaluation.fingerprint import dataset_fingerprint
from evaluation.metrics import label_codes
from evaluation.slices import creator_slices
from features import FEATURE_COLUMNS, MODEL_COLUMNS, build_features
from scaleout.jobs import INPUT_TABLES, STR, features_frame
from scaleout.tables import PartitionedDataset, partition_frame, read_partitioned
from scoring.account_model import AccountModel
from scoring.calibration import expected_calibration_error
from scoring.comment_model import CommentModel
from scoring.store.location import configure_tracking
from scoring.store.names import CREATOR_MODEL_NAME
from scoring.store.runs import model_run
from scoring.store.tracking import CREATOR_EXPERIMENT, ensure_experiment
from training.augment import posts_only_copies
from training.conclude import (
    HeldOut,
    Provenance,
    RunInputs,
    TrainResult,
    conclude,
    log_run_inputs,
    same_scorers,
)
from training.fit import FittedBooster, calibrate, default_params
from training.split import check_label_counts, id_hashes

Log = Callable[[str], None]
MAX_DASK_ROUNDS = 400
SHARES = (0.6, 0.2)  # train, validation; the rest is test
BASELINE_SAMPLE = 200_000  # training rows the logistic baseline is fitted on (in this process)
SLICE_COLUMNS = ("follower_tier", "engagement_events", "follower_history", "follower_samples")
TRAIN, VALIDATION, TEST = 0, 1, 2
Scorers = tuple[AccountModel | None, CommentModel | None]  # the account and comment models


def split_part(creator_ids: pd.Index, seed: int) -> np.ndarray:
    """0 train, 1 validation, 2 test. Test: the id's hash alone (``training.split.id_hashes``,
    uniform in [0, 1)) under the test share, whatever the seed, so versions are tested on the
    same creators; the rest is train or validation by a seeded hash of the id."""
    test = id_hashes(creator_ids) / np.float64(2.0**64) < 1 - sum(SHARES)
    text = pd.Series(np.asarray(creator_ids), dtype="str") + f"#{seed}"
    u = pd.util.hash_pandas_object(text, index=False).to_numpy() / np.float64(2.0**64)
    return np.where(test, TEST, np.where(u < SHARES[0] / sum(SHARES), TRAIN, VALIDATION))


def _training_partition(
    *parts: Any,
    account_model: AccountModel | None,
    comment_model: CommentModel | None,
    seed: int,
    read_time: ReadTime,
) -> pd.DataFrame:
    raw = {
        name: partition_frame(p) for name, p in zip((*INPUT_TABLES, "labels"), parts, strict=True)
    }
    if raw["labels"] is None or len(raw["labels"]) == 0:
        return training_meta()
    ds = dataset_from_frames(raw, read_time=read_time)
    truth = labelled_ids(ds)
    features = build_features(ds, account_model, comment_model).loc[truth.index]
    table = features.join(creator_slices(ds).loc[truth.index])
    table["label"] = truth.astype(STR)
    table["_split"] = split_part(truth.index, seed)
    table["_copy"] = False
    # The in-memory training's posts-only copies, for training and validation creators.
    copies, _ = posts_only_copies(table[table["_split"] != TEST])
    return pd.concat([table, copies.assign(_copy=True)]).reset_index()


def training_meta() -> pd.DataFrame:
    columns: dict[str, pd.Series] = {"creator_id": pd.Series(dtype=STR)}
    columns.update({c: pd.Series(dtype=np.float64) for c in FEATURE_COLUMNS})
    columns.update({c: pd.Series(dtype=object) for c in SLICE_COLUMNS})
    columns["label"] = pd.Series(dtype=STR)
    columns["_split"] = pd.Series(dtype=np.int64)
    columns["_copy"] = pd.Series(dtype=bool)
    return pd.DataFrame(columns)


def train_on_dask(
    data_dir: str | Path,
    client: Client,
    seed: int = 0,
    models_dir: str | Path = "models",
    log: Log = print,
    params: dict[str, Any] | None = None,
    account_model: AccountModel | None = None,
    comment_model: CommentModel | None = None,
) -> TrainResult:
    """Train on a dataset larger than this machine; logged, registered and gated as ``train``."""
    data = read_partitioned(data_dir)
    check_label_counts(_label_counts(data))  # before the store and minutes on the cluster
    configure_tracking()
    experiment_id = ensure_experiment(CREATOR_EXPERIMENT)  # a store that cannot be used fails now
    frames = [data.tables[name] for name in (*INPUT_TABLES, "labels")]
    table = dd.map_partitions(
        _training_partition, *frames, meta=training_meta(), align_dataframes=False,
        enforce_metadata=False, account_model=account_model, comment_model=comment_model,
        seed=seed, read_time=data.read_time,
    )  # fmt: skip
    log(f"building features on the cluster ({data.npartitions} partitions)")
    table = table.persist()
    progress(table)
    validation, test = _collect(table, log)
    with model_run(CREATOR_MODEL_NAME, experiment_id, log) as run:
        fingerprint = _log_inputs(data_dir, seed, table, test, (account_model, comment_model))
        fitted = _fit(client, table, validation, seed, params, log)
        held_out = HeldOut(
            test[list(MODEL_COLUMNS)], _codes(test["label"]), test[list(SLICE_COLUMNS)]
        )
        return conclude(
            run,
            fitted,
            Provenance(
                seed,
                fingerprint["sha256"],
                account_model,
                comment_model,
                trained_on=_trained_on(table),
            ),
            _baseline_sample(table, seed),
            held_out,
            lambda champion: _champion_features(
                champion, (account_model, comment_model), data_dir, held_out
            ),
            Path(models_dir),
            log,
        )


def _trained_on(table: dd.DataFrame) -> np.ndarray:
    """The id hashes of the train and validation creators, hashed where they are."""
    ids = table[(table["_split"] != TEST) & ~table["_copy"]]["creator_id"]
    hashes = ids.map_partitions(lambda part: pd.Series(id_hashes(part)), meta=("id", "u8"))
    return hashes.compute().to_numpy(np.uint64)


def _label_counts(data: PartitionedDataset) -> pd.Series:
    labels = data.tables.get("labels")
    if labels is None:
        raise ValueError(NO_LABELS)
    return labels["label"].value_counts().compute()


def _collect(table: dd.DataFrame, log: Log) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validation (with its posts-only copies) and test (as the data came), in this process."""
    validation = table[table["_split"] == VALIDATION]
    test = table[(table["_split"] == TEST) & ~table["_copy"]]
    validation, test = (f.compute().set_index("creator_id") for f in (validation, test))
    log(f"split: {len(validation)} validation rows (with copies), {len(test)} test creators")
    return validation, test


def _codes(labels: pd.Series) -> np.ndarray:
    return label_codes(labels.to_numpy(), LABELS)


def _fit(
    client: Client,
    table: dd.DataFrame,
    validation: pd.DataFrame,
    seed: int,
    params: dict[str, Any] | None,
    log: Log,
) -> FittedBooster:
    settings = {**default_params(len(LABELS), seed), **(params or {})}
    settings.pop("class_weight_power", None)  # the data's class mix, as the in-memory default
    settings.pop("num_class", None)  # the estimator sets it from the labels
    settings["num_threads"] = 1  # one per worker process
    rounds = int(settings.pop("num_iterations", MAX_DASK_ROUNDS))
    train = table[table["_split"] == TRAIN]
    estimator = lgb.DaskLGBMClassifier(client=client, n_estimators=rounds, **settings)
    log(f"training lightgbm.dask: {rounds} rounds, then cut at the best on validation")
    estimator.fit(
        train[list(MODEL_COLUMNS)],
        train["label"].map({label: i for i, label in enumerate(LABELS)}, meta=("label", "i8")),
    )
    x_val = validation[list(MODEL_COLUMNS)].to_numpy(np.float64)
    y = _codes(validation["label"])
    losses = validation_losses(estimator.booster_, x_val, y)
    best = int(np.argmin(losses)) + 1
    booster = lgb.Booster(model_str=estimator.booster_.model_to_string(num_iteration=best))
    raw = np.asarray(booster.predict(x_val, raw_score=True)).reshape(len(y), len(LABELS))
    calibration, improved = calibrate(raw, y)
    ece_raw = expected_calibration_error(softmax(raw, axis=1), y)
    ece_cal = expected_calibration_error(softmax(calibration.apply(raw), axis=1), y)
    log(f"best round {best} of {len(losses)} (validation log-loss {losses[best - 1]:.4f})")
    settings.update(n_estimators=rounds, scheduler=str(client.scheduler.address))
    return FittedBooster(booster, best, calibration, ece_raw, ece_cal, improved, settings)


def validation_losses(booster: lgb.Booster, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Validation log-loss after each round, from one round's raw scores at a time (the sum of
    all of them is the full prediction, so this costs about one prediction)."""
    k = len(LABELS)
    raw = np.zeros((len(y), k))
    losses = []
    for i in range(booster.current_iteration()):
        step = booster.predict(x, start_iteration=i, num_iteration=1, raw_score=True)
        raw += np.asarray(step).reshape(len(y), k)
        losses.append(log_loss(y, softmax(raw, axis=1), labels=range(k)))
    return np.asarray(losses)


def _baseline_sample(table: dd.DataFrame, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Training rows for the logistic baseline, sampled so they fit in this process."""
    train = table[table["_split"] == TRAIN]
    n = int(train.shape[0].compute())
    sample = (
        train if n <= BASELINE_SAMPLE else train.sample(frac=BASELINE_SAMPLE / n, random_state=seed)
    )
    local = sample.compute()
    return local[list(MODEL_COLUMNS)], _codes(local["label"])


def _champion_features(
    champion: Any, scorers: Scorers, data_dir: str | Path, held_out: HeldOut
) -> pd.DataFrame:
    """The test creators' features with the champion's own account and comment models."""
    if same_scorers(champion, *scorers):
        return held_out.x
    features = features_frame(data_dir, champion.account_model, champion.comment_model).compute()
    return features.set_index("creator_id").loc[held_out.x.index, list(FEATURE_COLUMNS)]


def _log_inputs(
    data_dir: str | Path,
    seed: int,
    table: dd.DataFrame,
    test: pd.DataFrame,
    scorers: Scorers,
) -> dict[str, Any]:
    counts = table[~table["_copy"]].groupby(["_split", "label"]).size().compute()
    labels = counts.groupby(level="label").sum()
    fingerprint = dataset_fingerprint(data_dir, {str(k): int(v) for k, v in labels.items()})
    sizes = (int(counts.loc[TRAIN].sum()), int(counts.loc[VALIDATION].sum()), len(test))
    log_run_inputs(
        RunInputs(data_dir, seed, "dask", fingerprint, sizes, list(MODEL_COLUMNS), *scorers)
    )
    return fingerprint
