"""The tail both training engines share, from the fitted booster on (in-memory ``train.py`` and
Dask ``scaleout/train.py``): log the run's inputs, bundle the model, measure it on the held-out
creators beside the baselines, log, register, gate and export.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

import creator_audit
from creator_audit.progress import stage
from creator_audit.schema import LABELS
from evaluation.evaluate import Evaluation, evaluate_predictions
from evaluation.metrics import classification_metrics, flat_metrics
from evaluation.real_genuine_check import RealGenuineCheck, check_real_genuine, real_genuine_file
from evaluation.report import plot_feature_importance, write_report
from scoring.account_model import AccountModel
from scoring.comment_model import CommentModel
from scoring.drift import DriftReference
from scoring.model import CreatorFraudModel
from scoring.norms import FeatureNorms
from scoring.pyfunc import CREATOR_MODEL_CODE
from scoring.scores import GENUINE, fraud_score
from scoring.store.names import CREATOR_MODEL_NAME
from scoring.store.registry import Comparison, GateDecision, RealData, register_and_gate
from scoring.store.runs import ModelRun
from scoring.store.tracking import log_real_files, log_training_creators, training_creators
from training.augment import AUGMENTATION
from training.baselines import logistic_baseline, rules_predict
from training.fit import FittedBooster
from training.split import id_hashes

Log = Callable[[str], None]
# Fewer of the candidate's test creators unseen by the champion than this: the two are compared
# on all of them instead (which favours the champion), and the gate's message says so.
MIN_UNSEEN_CREATORS = 50


@dataclass(frozen=True)
class RunInputs:
    """What a run was trained on, logged the same way by both engines."""

    data_dir: str | Path
    seed: int
    engine: str  # "in-memory" or "dask"
    fingerprint: dict[str, Any]  # evaluation.fingerprint.dataset_fingerprint
    split_sizes: tuple[int, int, int]  # creators in train, validation, test
    feature_names: list[str]
    account_model: AccountModel | None
    comment_model: CommentModel | None = None


def log_run_inputs(inputs: RunInputs) -> None:
    n_train, n_validation, n_test = inputs.split_sizes
    mlflow.log_params(
        {
            "seed": inputs.seed,
            "data_dir": str(inputs.data_dir),
            "data_sha256": inputs.fingerprint["sha256"],
            "engine": inputs.engine,
            "n_features": len(inputs.feature_names),
            "n_train": n_train,
            "n_validation": n_validation,
            "n_test": n_test,
            "augmentation": AUGMENTATION,
            "account_model": scorer_name(inputs.account_model),
            "comment_model": scorer_name(inputs.comment_model),
            "project_version": creator_audit.__version__,
        }
    )
    mlflow.log_dict(inputs.fingerprint, "data/fingerprint.json")
    mlflow.log_dict({"features": list(inputs.feature_names)}, "model_input/features.json")


@dataclass
class TrainResult:
    run_id: str
    model: CreatorFraudModel
    test: Evaluation
    baselines: dict[str, dict[str, Any]]
    decision: GateDecision
    bundle_path: Path


@dataclass
class HeldOut:
    """The held-out creators: features, label codes and slices (only ever measured)."""

    x: pd.DataFrame
    y: np.ndarray
    slices: pd.DataFrame


@dataclass
class Provenance:
    seed: int
    data_sha256: str
    account_model: AccountModel | None
    comment_model: CommentModel | None = None
    # ``training.split.id_hashes`` of the creators the model learned from (train + validation);
    # None: not known, and then not recorded (the gate treats such a champion as unknown)
    trained_on: np.ndarray | None = None


def conclude(
    run: ModelRun,
    fitted: FittedBooster,
    provenance: Provenance,
    baseline_train: tuple[pd.DataFrame, np.ndarray],
    test: HeldOut,
    champion_features: Callable[[CreatorFraudModel], pd.DataFrame],
    models_dir: Path,
    log: Log,
) -> TrainResult:
    """Inside the active run: bundle, measure on test against the baselines, log, register, gate,
    export. The in-memory and the Dask training share it from the fitted booster on."""
    run_id = run.run_id
    feature_names = list(test.x.columns)
    model = _bundle(fitted, feature_names, provenance.seed, run_id, provenance.data_sha256)
    model.account_model = provenance.account_model
    model.comment_model = provenance.comment_model
    x_train, y_train = baseline_train
    model.norms = FeatureNorms.fit(x_train, y_train == LABELS.index(GENUINE))
    test_proba = model.predict_proba(test.x)
    model.drift_reference = _drift_reference(model, x_train, test_proba)
    test_eval = evaluate_predictions(list(LABELS), test.y, test_proba, test.slices)
    log(f"test macro-F1 {test_eval.metrics['macro_f1']:.4f}")
    with stage("baselines (rules, logistic regression)", log):
        baselines = _baselines(*baseline_train, test.x, test.y, provenance.seed)
    with stage("run report and feature importance", log):
        _log_results(fitted, model, test_eval, baselines)
    with stage("real genuine accounts", log):
        real = _log_real_genuine_check(model, log)
    with stage("log the model", log):
        model_uri = _log_model(run, model, test.x)
        if provenance.trained_on is not None:
            log_training_creators(provenance.trained_on)
    with stage("register and gate", log):
        decision = _gate(
            model, model_uri, run_id, test_eval, baselines, champion_features, test, real
        )
    run.record(decision)
    bundle_path = run.export(models_dir)
    log(f"bundle: {bundle_path}")
    return TrainResult(run_id, model, test_eval, baselines, decision, bundle_path)


def _gate(
    model: CreatorFraudModel,
    model_uri: str,
    run_id: str,
    test_eval: Evaluation,
    baselines: dict[str, dict[str, Any]],
    champion_features: Callable[[CreatorFraudModel], pd.DataFrame],
    test: HeldOut,
    real: RealGenuineCheck | None,
) -> GateDecision:
    return register_and_gate(
        CREATOR_MODEL_NAME,
        model_uri,
        run_id,
        test_eval.metrics["macro_f1"],
        lambda champion, champion_run: compare_on_unseen(
            model, champion, champion_features(champion), test, training_creators(champion_run)
        ),
        baseline_f1=max(b["macro_f1"] for b in baselines.values()),
        real=None if real is None else RealData(real.flagged, _real_flags(real)),
    )


def compare_on_unseen(
    candidate: CreatorFraudModel,
    champion: CreatorFraudModel,
    champion_x: pd.DataFrame,
    test: HeldOut,
    champion_trained_on: np.ndarray | None,
) -> Comparison:
    """Both models' macro-F1 on the candidate's test creators that the champion did not train on
    either. Where that cannot be known (no record) or too few remain, on all of them, and the
    message says that this favours the champion."""
    n = len(test.y)
    if champion_trained_on is None:
        unseen = np.ones(n, dtype=bool)
        on = (
            f"on all {n} test creators; the champion keeps no record of the creators it "
            "trained on and may have learned from some of them (this favours it)"
        )
    else:
        unseen = ~np.isin(id_hashes(test.x.index), champion_trained_on)
        k = int(unseen.sum())
        on = f"on {k} test creators neither was trained on" + (
            f" (the champion trained on the other {n - k})" if k < n else ""
        )
        if k < MIN_UNSEEN_CREATORS:
            unseen[:] = True
            on = (
                f"on all {n} test creators: only {k} are unseen by the champion (fewer than "
                f"{MIN_UNSEEN_CREATORS}) and it trained on the other {n - k} (this favours it)"
            )
    return Comparison(
        _macro_f1(candidate, test.x[unseen], test.y[unseen]),
        _macro_f1(champion, champion_x[unseen], test.y[unseen]),
        on,
    )


def _bundle(
    fitted: FittedBooster, feature_names: list[str], seed: int, run_id: str, data_sha256: str
) -> CreatorFraudModel:
    import lightgbm
    import sklearn

    return CreatorFraudModel(
        booster_text=fitted.booster.model_to_string(),
        feature_names=feature_names,
        labels=list(LABELS),
        calibration=fitted.calibration,
        metadata={
            "model_name": CREATOR_MODEL_NAME,
            "run_id": run_id,
            "seed": seed,
            "best_iteration": fitted.best_iteration,
            "project_version": creator_audit.__version__,
            "lightgbm_version": lightgbm.__version__,
            "sklearn_version": sklearn.__version__,
            "data_sha256": data_sha256,
        },
    )


def _drift_reference(
    model: CreatorFraudModel, x_train: pd.DataFrame, test_proba: np.ndarray
) -> DriftReference:
    """Training creators' features (a posts-only copy's repeated id counts once) and the
    held-out predictions, as ``monitor`` and the API compare new creators with them."""
    first = x_train.loc[~x_train.index.duplicated(keep="first")]
    predicted = [model.labels[k] for k in test_proba.argmax(axis=1)]
    scores = fraud_score(test_proba[:, model.labels.index(GENUINE)])
    return DriftReference.fit(
        model.feature_names, model.matrix(first), predicted, scores, list(model.labels)
    )


def scorer_name(scorer: AccountModel | CommentModel | None) -> str:
    """An account or comment model as a run names it: name and version, else its run."""
    if scorer is None:
        return "none"
    meta = scorer.metadata
    name = meta.get("model_name", type(scorer).__name__)
    version = meta.get("model_version")
    return f"{name} v{version}" if version else f"{name} (run {meta.get('run_id', '?')})"


def _baselines(
    x_train: pd.DataFrame, y_train: np.ndarray, x_test: pd.DataFrame, y_test: np.ndarray, seed: int
) -> dict[str, dict[str, Any]]:
    rules = classification_metrics(y_test, rules_predict(x_test, list(LABELS)), list(LABELS))
    # One BLAS thread: lbfgs on a few thousand rows x ~120 columns makes ~1,500 tiny matrix
    # products, and two threads passing each one between them took 15 s instead of 1.3 s.
    with threadpool_limits(limits=1, user_api="blas"):
        logistic = logistic_baseline(seed).fit(x_train.to_numpy(np.float64), y_train)
        proba = logistic.predict_proba(x_test.to_numpy(np.float64))
    return {
        "rules": rules,
        "logistic": classification_metrics(y_test, proba, list(LABELS)),
    }


def same_scorers(
    a: CreatorFraudModel, account: AccountModel | None, comment: CommentModel | None
) -> bool:
    """Whether creator model ``a`` computes its features with these account and comment models
    (else its features must be computed again to judge it)."""
    return _same_account_model(a.account_model, account) and _same_comment_model(
        a.comment_model, comment
    )


def _same_account_model(a: AccountModel | None, b: AccountModel | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.booster_text == b.booster_text and a.threshold == b.threshold


def _same_comment_model(a: CommentModel | None, b: CommentModel | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a.coef, a.intercept, a.threshold, a.vocabularies) == (
        b.coef,
        b.intercept,
        b.threshold,
        b.vocabularies,
    )


def _macro_f1(model: CreatorFraudModel, x: pd.DataFrame, y: np.ndarray) -> float:
    """A model's macro-F1 on these creators; -inf if it needs features the table lacks."""
    missing = [c for c in model.feature_names if c not in x.columns]
    if missing:
        return float("-inf")
    return classification_metrics(y, model.predict_proba(x), model.labels)["macro_f1"]


def _log_results(
    fitted: FittedBooster,
    model: CreatorFraudModel,
    test_eval: Evaluation,
    baselines: dict[str, dict[str, Any]],
) -> None:
    mlflow.log_params({f"lgbm_{k}": v for k, v in fitted.params.items()})
    mlflow.log_params({"best_iteration": fitted.best_iteration, "calibrated": fitted.calibrated})
    metrics = {
        "validation_ece_raw": fitted.validation_ece_raw,
        "validation_ece_calibrated": fitted.validation_ece_calibrated,
        **flat_metrics(test_eval.metrics, "test_"),
    }
    for name, baseline in baselines.items():
        metrics.update(flat_metrics(baseline, f"{name}_"))
    mlflow.log_metrics(metrics)
    mlflow.log_dict(
        {
            name: {k: m[k] for k in ("macro_f1", "accuracy", "roc_auc_ovr", "per_class")}
            for name, m in baselines.items()
        },
        "baselines/metrics.json",
    )
    with tempfile.TemporaryDirectory() as tmp:
        write_report(test_eval, tmp, "held-out test split")
        mlflow.log_artifacts(tmp, "evaluation")
        importance = feature_importance(model)
        importance.to_csv(Path(tmp) / "feature_importance.csv")
        plot_feature_importance(importance["gain"], Path(tmp) / "feature_importance.png")
        for name in ("feature_importance.csv", "feature_importance.png"):
            mlflow.log_artifact(str(Path(tmp) / name), "model_input")


def _log_real_genuine_check(model: CreatorFraudModel, log: Log) -> RealGenuineCheck | None:
    """The share of real genuine accounts flagged, and the file read, when the real data folder
    (the shared folder, else the fetch cache) has them."""
    try:
        file = real_genuine_file()
    except FileNotFoundError as err:
        log(f"real genuine accounts not found: {err}: check skipped")
        return None
    check = check_real_genuine(model, file)
    log(check.message)
    mlflow.log_metric("real_genuine_flagged_share", check.flagged_share)
    log_real_files([file], log)
    return check


def _real_flags(candidate: RealGenuineCheck) -> Callable[[CreatorFraudModel], np.ndarray]:
    """Which real genuine accounts the champion flags, in the file the candidate was checked
    on: the gate compares them account by account."""
    return lambda champion: check_real_genuine(champion, candidate.file).flagged


def feature_importance(model: CreatorFraudModel) -> pd.DataFrame:
    booster = model.booster
    return pd.DataFrame(
        {
            "gain": booster.feature_importance("gain"),
            "split": booster.feature_importance("split"),
        },
        index=pd.Index(model.feature_names, name="feature"),
    ).sort_values("gain", ascending=False)


def _log_model(run: ModelRun, model: CreatorFraudModel, x_example: pd.DataFrame) -> str:
    example = x_example.head(3).reset_index(drop=True)
    output = pd.DataFrame(
        model.predict_proba(example), columns=[f"p_{label}" for label in model.labels]
    )
    return run.log_model(model, CREATOR_MODEL_CODE, example, output, _requirements())


def _requirements() -> list[str]:
    from importlib.metadata import version

    names = ("lightgbm", "pandas", "numpy", "scipy", "scikit-learn", "joblib", "mlflow")
    return [f"{name}=={version(name)}" for name in names]
