"""``creator-audit evaluate``: a model (and optionally a second) on a labelled dataset.

Writes ``metrics.json``, ``report.md`` and a self-contained ``report.html`` with plots to
``--out`` and logs the same as an MLflow evaluation run, tagged with and linked from the model
version it evaluated. The report names what it judged (model version, training run and data,
the evaluation data's fingerprint) and sets the figures beside the training run's baselines and
the real genuine accounts check.

With an injection seed it also injects each kind of fraud into the real genuine creators at graded
strengths (``evaluation.injection``) and reports how many the model flags, beside the same
creators untouched: in the report and metrics.json, in ``injection.md`` / ``injection.json`` and
in the run's metrics. :func:`evaluate_injected` does that alone, without labelled data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from creator_audit.dataset import Dataset, read_dataset
from creator_audit.messages import first_line
from creator_audit.progress import stage
from creator_audit.schema import LABELS
from evaluation.evaluate import (
    Evaluation,
    evaluate_model,
    follower_sample_ablation,
    labelled_ids,
    require_labels_table,
)
from evaluation.fingerprint import dataset_fingerprint
from evaluation.injection.detection import InjectionReport, detect_injected, injection_base
from evaluation.injection.table import write_injection
from evaluation.metrics import flat_metrics
from evaluation.real_genuine_check import check_real_genuine, real_genuine_file
from evaluation.report import write_report
from evaluation.report_html import model_name
from features import build_features
from scoring.missing_models import missing_models
from scoring.model import CreatorFraudModel
from scoring.store.loading import load_model
from scoring.store.location import configure_tracking
from scoring.store.tracking import ensure_experiment, log_real_files, tracked_run

EVALUATION_EXPERIMENT = "creator-fraud-evaluation"


def evaluate_offline(
    data_dir: str | Path,
    model_uri: str,
    out_dir: str | Path,
    compare_uri: str | None = None,
    log: Callable[[str], None] = print,
    inject_seed: int | None = None,
) -> str:
    """Evaluate, write the report, log the run; return a one-paragraph summary. With
    ``inject_seed``, the injection table too (the real genuine creators must be at hand)."""
    configure_tracking()
    require_labels_table(data_dir)
    real = injection_base() if inject_seed is not None else None  # absent: say so at once
    with stage(f"read {data_dir}", log):
        ds = read_dataset(data_dir)
    labelled_ids(ds)  # no labels: say so before minutes of features
    model = load_model(model_uri)
    other = load_model(compare_uri) if compare_uri else None
    # Only now is the store needed: a command that fails on its input creates none.
    ensure_experiment(EVALUATION_EXPERIMENT)
    with stage(f"features of {len(ds.creators):,} creators", log):
        features = build_features(ds, model.account_model, model.comment_model)
    with stage("evaluate", log):
        evaluation = evaluate_model(model, ds, features)
    with stage("without the follower samples (ablation)", log):
        ablation = follower_sample_ablation(model, ds, evaluation)
        evaluation.metrics["follower_sample_ablation"] = ablation
    compared = None
    if other is not None:
        with stage(f"evaluate {compare_uri}", log):
            # Each model sees its own account model's view of the follower samples.
            compared = evaluate_model(other, ds)
    with stage("real genuine accounts and the training run's baselines", log):
        about = _about(model, model_uri, other, compare_uri, data_dir, ds)
    injection = None
    if real is not None:
        injection = detect_injected(model, real[0], inject_seed, log, real[1])
        about["injection"] = injection.as_dict()
        write_injection(injection.as_dict(), out_dir, model_name_of(model, model_uri))
    with stage("report", log):
        write_report(
            evaluation,
            out_dir,
            model_uri,
            compare=compared,
            compare_title=compare_uri,
            about=about,
        )
    run_id = _log_evaluation(
        model, model_uri, evaluation, compared, compare_uri, data_dir, out_dir, injection
    )
    summary = _summary(model_uri, evaluation, compare_uri, compared, out_dir, run_id)
    if injection is not None:
        summary += f"\ninjected fraud on real creators: {Path(out_dir) / 'injection.md'}"
    return summary


def evaluate_injected(
    model_uri: str, out_dir: str | Path, seed: int = 0, log: Callable[[str], None] = print
) -> str:
    """The injection table alone: no labelled data. Writes ``injection.md`` and
    ``injection.json`` to ``out_dir``, logs an evaluation run; returns the table and where."""
    configure_tracking()
    base, file = injection_base()
    model = load_model(model_uri)
    ensure_experiment(EVALUATION_EXPERIMENT)
    injection = detect_injected(model, base, seed, log, file)
    text = write_injection(injection.as_dict(), out_dir, model_name_of(model, model_uri))
    run_id = _tracked_evaluation(
        model,
        model_uri,
        {"evaluation": "injection"},
        out_dir,
        lambda: _log_injection(injection),
        version_tag="last_injection_run_id",
    )
    return f"{text}\nwritten to {Path(out_dir) / 'injection.md'}; MLflow evaluation run {run_id}"


def model_name_of(model: CreatorFraudModel, uri: str) -> str:
    """ "creator-fraud v3 (champion)", or the URI when the model is not a registry one."""
    named = {key: model.metadata.get(key) for key in ("model_name", "model_version", "alias")}
    return model_name(named, uri)


def _about(
    model: CreatorFraudModel,
    model_uri: str,
    other: CreatorFraudModel | None,
    compare_uri: str | None,
    data_dir: str | Path,
    ds: Dataset,
) -> dict[str, Any]:
    """What was judged, on what, when; the real-data check and the training baselines."""
    about = {
        "model": model_identity(model, model_uri),
        "data": data_identity(data_dir, ds, model),
        "evaluated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "real_genuine": real_genuine(model),
        "training_baselines": training_baselines(model.metadata.get("run_id"), model.labels),
    }
    if other is not None:
        about["comparison"] = {
            "compared_model": model_identity(other, str(compare_uri)),
            "compared_real_genuine": real_genuine(other),
        }
    return about


def model_identity(model: CreatorFraudModel, uri: str) -> dict[str, Any]:
    """Which model: registry name, version, alias (or the version's current aliases), training
    run, the fingerprint of the data it was trained on and the account or comment model it
    scores without."""
    meta = model.metadata
    identity = {
        "uri": uri,
        "model_name": meta.get("model_name"),
        "model_version": _text(meta.get("model_version")),
        "alias": meta.get("alias"),
        "run_id": meta.get("run_id"),
        "training_data_sha256": meta.get("data_sha256"),
        "missing_models": [m.as_dict() for m in missing_models(model)],
    }
    if identity["model_name"] and identity["model_version"] and not identity["alias"]:
        identity["aliases"] = _registry_aliases(identity["model_name"], identity["model_version"])
    return identity


def data_identity(data_dir: str | Path, ds: Dataset, model: CreatorFraudModel) -> dict[str, Any]:
    """Which data: its path and fingerprint as training logs it, and whether it is the model's
    own training data (then every figure is optimistic)."""
    fingerprint = dataset_fingerprint(data_dir, labelled_ids(ds).value_counts().to_dict())
    return {
        "path": str(data_dir),
        "sha256": fingerprint["sha256"],
        "labels": fingerprint["labels"],
        "n_creators": len(ds.creators),
        "same_as_training": fingerprint["sha256"] == model.metadata.get("data_sha256"),
    }


def real_genuine(model: CreatorFraudModel) -> dict[str, Any]:
    """The share of real genuine accounts flagged, or why the check was skipped."""
    try:
        file = real_genuine_file()
    except FileNotFoundError as err:
        return {"skipped": f"the real genuine accounts are not at hand: {err}"}
    check = check_real_genuine(model, file)
    return {
        "n": check.n,
        "flagged_share": check.flagged_share,
        "predicted": check.predicted,
        "file": file.record(),
    }


def training_baselines(run_id: str | None, labels: Sequence[str] = LABELS) -> dict[str, Any]:
    """The rules and logistic baselines the training run logged (measured on its test split),
    with this model's figures from the same split; or why they are not available."""
    if not run_id:
        return {"unavailable": "the model records no training run"}
    source = f"runs:/{run_id}/baselines/metrics.json"
    try:
        models = mlflow.artifacts.load_dict(source)
    except Exception as err:  # any store or artifact failure: the report says so and goes on
        return {"unavailable": f"cannot read {source}: {first_line(err)}", "run_id": run_id}
    return {
        "run_id": run_id,
        "source": source,
        "models": models,
        "this_model": _test_split_figures(run_id, labels),
    }


def _test_split_figures(run_id: str, labels: Sequence[str]) -> dict[str, Any]:
    """This model's test-split figures as the training run logged them (empty if unreadable)."""
    try:
        logged = MlflowClient().get_run(run_id).data.metrics
    except Exception:  # the baselines alone still say something
        return {}
    if "test_macro_f1" not in logged:
        return {}
    figures: dict[str, Any] = {
        k: logged.get(f"test_{k}") for k in ("macro_f1", "accuracy", "roc_auc_ovr")
    }
    figures["per_class"] = {label: {"f1": logged.get(f"test_{label}_f1")} for label in labels}
    return {"this model (same split)": figures}


def _registry_aliases(name: str, version: str) -> list[str]:
    try:
        return list(MlflowClient().get_model_version(name, version).aliases)
    except Exception:  # a bundle whose store is gone: no aliases to show
        return []


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _log_evaluation(
    model: CreatorFraudModel,
    model_uri: str,
    evaluation: Evaluation,
    compared: Evaluation | None,
    compare_uri: str | None,
    data_dir: str | Path,
    out_dir: str | Path,
    injection: InjectionReport | None = None,
) -> str:
    def figures() -> None:
        mlflow.log_metrics(flat_metrics(evaluation.metrics))
        ablation = evaluation.metrics.get("follower_sample_ablation") or {"rows": {}}
        for variant, row in ablation["rows"].items():
            key = variant.replace(" ", "_")  # "with samples" -> with_samples_macro_f1
            mlflow.log_metrics({f"{key}_macro_f1": row["macro_f1"]})
        if compared is not None:
            mlflow.log_metrics(flat_metrics(compared.metrics, "compare_"))
            mlflow.set_tag("compare_uri", str(compare_uri))
        if injection is not None:
            _log_injection(injection)

    tags = {"data_dir": str(data_dir)}
    return _tracked_evaluation(model, model_uri, tags, out_dir, figures)


def _tracked_evaluation(
    model: CreatorFraudModel,
    model_uri: str,
    tags: dict[str, str],
    out_dir: str | Path,
    log_figures: Callable[[], None],
    version_tag: str = "last_evaluation_run_id",
) -> str:
    """An evaluation run tagged with the model it judged, holding ``log_figures``' figures and
    ``out_dir``'s files; the model version is tagged with it (``version_tag``)."""
    experiment_id = ensure_experiment(EVALUATION_EXPERIMENT)
    name = model.metadata.get("model_name")
    version = model.metadata.get("model_version")
    tags = {"model_uri": model_uri, **tags}
    if name and version:
        tags.update(model_name=str(name), model_version=str(version))
    if model.metadata.get("run_id"):
        tags["training_run_id"] = str(model.metadata["run_id"])
    with tracked_run(experiment_id, tags) as run:
        log_figures()
        mlflow.log_artifacts(str(out_dir), "evaluation")
    if name and version:
        _tag_model_version(str(name), str(version), version_tag, run.info.run_id)
    return run.info.run_id


def _tag_model_version(name: str, version: str, tag: str, run_id: str) -> None:
    """Link the model version to the run, when it is one of this store's: a bundle exported from
    another store names a version this one does not have."""
    client = MlflowClient()
    try:
        client.get_model_version(name, version)
    except MlflowException:
        return
    client.set_model_version_tag(name, version, tag, run_id)


def _log_injection(injection: InjectionReport) -> None:
    """The injection's figures (``injection/<kind>/<strength>/detected`` ...), its seed and the
    real file its creators came from."""
    mlflow.log_metrics(injection.metrics())
    mlflow.log_param("injection_seed", injection.seed)
    if injection.source is not None:
        log_real_files([injection.source], log=lambda _: None)


def _summary(
    model_uri: str,
    evaluation: Evaluation,
    compare_uri: str | None,
    compared: Evaluation | None,
    out_dir: str | Path,
    run_id: str,
) -> str:
    m = evaluation.metrics
    lines = [
        f"{model_uri}: macro-F1 {m['macro_f1']:.4f}, accuracy {m['accuracy']:.4f}, "
        f"ROC-AUC {m['roc_auc_ovr']:.4f} on {m['n']} creators"
    ]
    if compared is not None:
        c = compared.metrics
        lines.append(f"{compare_uri}: macro-F1 {c['macro_f1']:.4f}, ROC-AUC {c['roc_auc_ovr']:.4f}")
    out = Path(out_dir)
    lines.append(f"report: {out / 'report.html'} (and report.md); MLflow evaluation run {run_id}")
    return "\n".join(lines)
