"""The evaluation figures of CONTRACT.md §2 (``metrics.json``), from labels and probabilities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    roc_auc_score,
)

from scoring.calibration import expected_calibration_error


def label_codes(y: Sequence[str] | np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """Map label strings to their index in ``labels``; an unknown label is an error."""
    lookup = {label: i for i, label in enumerate(labels)}
    try:
        return np.array([lookup[v] for v in y], dtype=np.int64)
    except KeyError as err:
        raise ValueError(f"label {err.args[0]!r} is not one of {', '.join(labels)}") from None


def classification_metrics(
    y_true: np.ndarray, proba: np.ndarray, labels: Sequence[str]
) -> dict[str, Any]:
    """macro_f1, accuracy, roc_auc_ovr (macro), per_class, confusion, n, ece, for codes ``y_true``.

    ``roc_auc_ovr`` is NaN when a class is absent from ``y_true`` (it is undefined there).
    """
    k = len(labels)
    y_pred = proba.argmax(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=range(k), zero_division=0
    )
    present = np.unique(y_true)
    auc = (
        float(roc_auc_score(y_true, proba, multi_class="ovr", average="macro", labels=range(k)))
        if len(present) == k
        else float("nan")
    )
    return {
        "macro_f1": float(f1_score(y_true, y_pred, labels=range(k), average="macro")),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "roc_auc_ovr": auc,
        "ece": expected_calibration_error(proba, y_true),
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion": confusion_matrix(y_true, y_pred, labels=range(k)).tolist(),
        "labels": list(labels),
        "n": len(y_true),
    }


def flat_metrics(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """The scalar figures of :func:`classification_metrics`, flat, for ``mlflow.log_metrics``."""
    scalars = ("macro_f1", "accuracy", "roc_auc_ovr", "ece")
    out = {f"{prefix}{k}": float(metrics[k]) for k in scalars}
    for label, row in metrics["per_class"].items():
        for name in ("precision", "recall", "f1"):
            out[f"{prefix}{label}_{name}"] = float(row[name])
    return {k: v for k, v in out.items() if np.isfinite(v)}
