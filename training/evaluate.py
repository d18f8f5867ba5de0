"""Offline evaluation of a model on a labelled dataset: metrics, slices, thresholds, a report.

Used by ``creator-audit evaluate`` and at the end of ``creator-audit train`` (on the test split).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from creator_audit.dataset import Dataset
from features import build_features
from scoring.model import CreatorFraudModel
from scoring.scores import GENUINE, fraud_score
from training.metrics import classification_metrics, label_codes
from training.slices import creator_slices
from training.thresholds import threshold_table


@dataclass
class Evaluation:
    """A model's predictions on labelled creators, with everything the report needs."""

    labels: list[str]
    y: np.ndarray  # label codes
    proba: np.ndarray
    slices: pd.DataFrame  # indexed like y
    metrics: dict[str, Any]

    @property
    def fraud_scores(self) -> np.ndarray:
        return fraud_score(self.proba[:, self.labels.index(GENUINE)])


def labelled_ids(ds: Dataset) -> pd.Series:
    """The labels table as a Series indexed by creator_id, in creators order."""
    if ds.labels is None or len(ds.labels) == 0:
        raise ValueError(
            "the dataset has no labels table: training and evaluation need labelled creators"
        )
    labels = ds.labels.set_index("creator_id")["label"]
    order = ds.creators["creator_id"]
    return labels.reindex(order[order.isin(labels.index)])


def evaluate_model(
    model: CreatorFraudModel, ds: Dataset, features: pd.DataFrame | None = None
) -> Evaluation:
    """Predict every labelled creator of ``ds`` and measure; ``features`` may be precomputed."""
    truth = labelled_ids(ds)
    table = build_features(ds, model.account_model) if features is None else features
    return evaluate_predictions(
        model.labels,
        label_codes(truth.to_numpy(), model.labels),
        model.predict_proba(table.loc[truth.index]),
        creator_slices(ds).loc[truth.index],
    )


def evaluate_predictions(
    labels: list[str], y: np.ndarray, proba: np.ndarray, slices: pd.DataFrame
) -> Evaluation:
    metrics = classification_metrics(y, proba, labels)
    evaluation = Evaluation(list(labels), y, proba, slices, metrics)
    is_fraud = y != labels.index(GENUINE)
    metrics["thresholds"] = threshold_table(is_fraud, evaluation.fraud_scores).to_dict("records")
    metrics["slices"] = slice_metrics(evaluation)
    return evaluation


def slice_metrics(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Per slice value: n, macro-F1, accuracy, fraud recall and genuine flagged share."""
    k = len(evaluation.labels)
    pred = evaluation.proba.argmax(axis=1)
    g = evaluation.labels.index(GENUINE)
    rows = []
    for column in evaluation.slices.columns:
        values = evaluation.slices[column].to_numpy()
        for value in sorted(set(values)):
            mask = values == value
            y, p = evaluation.y[mask], pred[mask]
            fraud, genuine = y != g, y == g
            rows.append(
                {
                    "slice": column,
                    "value": str(value),
                    "n": int(mask.sum()),
                    "macro_f1": float(
                        f1_score(y, p, labels=range(k), average="macro", zero_division=0)
                    ),
                    "accuracy": float((y == p).mean()),
                    "fraud_recall": float((p[fraud] != g).mean()) if fraud.any() else None,
                    "genuine_flagged": float((p[genuine] != g).mean()) if genuine.any() else None,
                }
            )
    return rows


def follower_sample_ablation(
    model: CreatorFraudModel, ds: Dataset, evaluation: Evaluation
) -> dict[str, Any] | None:
    """What the follower samples add: on the labelled creators that have one, the model's metrics
    with the samples and with the samples table withheld (the features it feeds go missing,
    exactly as for a creator sent without one). None when no creator has a sample."""
    has_sample = evaluation.slices["follower_samples"].to_numpy() == "with"
    if ds.follower_samples is None or not has_sample.any():
        return None
    without = evaluate_model(model, replace(ds, follower_samples=None))
    y = evaluation.y[has_sample]
    rows = {}
    for name, proba in (("with", evaluation.proba), ("without", without.proba)):
        m = classification_metrics(y, proba[has_sample], evaluation.labels)
        rows[f"{name} samples"] = {
            "macro_f1": m["macro_f1"],
            "roc_auc_ovr": m["roc_auc_ovr"],
            **{f"recall_{label}": m["per_class"][label]["recall"] for label in evaluation.labels},
        }
    return {"n": int(has_sample.sum()), "rows": rows}
