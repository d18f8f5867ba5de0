"""``creator-audit evaluate``: a model (and optionally a second) on a labelled dataset.

Writes ``metrics.json`` and ``report.md`` with plots to ``--out`` and logs the same as an MLflow
evaluation run, tagged with and linked from the model version it evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import mlflow
from mlflow import MlflowClient

from creator_audit.dataset import read_dataset
from features import build_features
from scoring.loading import load_model
from scoring.model import CreatorFraudModel
from scoring.store import configure_tracking
from training.evaluate import Evaluation, evaluate_model, follower_sample_ablation
from training.metrics import flat_metrics
from training.report import write_report
from training.tracking import ensure_experiment

EVALUATION_EXPERIMENT = "creator-fraud-evaluation"


def evaluate_offline(
    data_dir: str | Path,
    model_uri: str,
    out_dir: str | Path,
    compare_uri: str | None = None,
    log: Callable[[str], None] = print,
) -> str:
    """Evaluate, write the report, log the run; return a one-paragraph summary."""
    configure_tracking()
    ensure_experiment(EVALUATION_EXPERIMENT)  # a store that cannot be used fails now
    ds = read_dataset(data_dir)
    model = load_model(model_uri)
    other = load_model(compare_uri) if compare_uri else None
    log(f"building features for {len(ds.creators)} creators")
    features = build_features(ds, model.account_model)
    evaluation = evaluate_model(model, ds, features)
    evaluation.metrics["follower_sample_ablation"] = follower_sample_ablation(model, ds, evaluation)
    # Each model sees its own account model's view of the follower samples.
    compared = evaluate_model(other, ds) if other is not None else None
    write_report(evaluation, out_dir, model_uri, compare=compared, compare_title=compare_uri)
    run_id = _log_evaluation(model, model_uri, evaluation, compared, compare_uri, data_dir, out_dir)
    return _summary(model_uri, evaluation, compare_uri, compared, out_dir, run_id)


def _log_evaluation(
    model: CreatorFraudModel,
    model_uri: str,
    evaluation: Evaluation,
    compared: Evaluation | None,
    compare_uri: str | None,
    data_dir: str | Path,
    out_dir: str | Path,
) -> str:
    experiment_id = ensure_experiment(EVALUATION_EXPERIMENT)
    name = model.metadata.get("model_name")
    version = model.metadata.get("model_version")
    tags = {"model_uri": model_uri, "data_dir": str(data_dir)}
    if name and version:
        tags.update(model_name=str(name), model_version=str(version))
    if model.metadata.get("run_id"):
        tags["training_run_id"] = str(model.metadata["run_id"])
    with mlflow.start_run(experiment_id=experiment_id, tags=tags) as run:
        mlflow.log_metrics(flat_metrics(evaluation.metrics))
        ablation = evaluation.metrics.get("follower_sample_ablation") or {"rows": {}}
        for variant, row in ablation["rows"].items():
            key = variant.replace(" ", "_")  # "with samples" -> with_samples_macro_f1
            mlflow.log_metrics({f"{key}_macro_f1": row["macro_f1"]})
        if compared is not None:
            mlflow.log_metrics(flat_metrics(compared.metrics, "compare_"))
            mlflow.set_tag("compare_uri", str(compare_uri))
        mlflow.log_artifacts(str(out_dir), "evaluation")
    if name and version:
        MlflowClient().set_model_version_tag(
            str(name), str(version), "last_evaluation_run_id", run.info.run_id
        )
    return run.info.run_id


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
    lines.append(f"report: {Path(out_dir) / 'report.md'}; MLflow evaluation run {run_id}")
    return "\n".join(lines)
