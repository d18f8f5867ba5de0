"""Offline evaluation of a model on a labelled dataset: metrics, slices, thresholds, a report.

Used by ``creator-audit evaluate`` and at the end of ``creator-audit train`` (on the test split).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.metrics import f1_score

from creator_audit.dataset import Dataset
from creator_audit.dataset.read import check_dataset_directory, find_table
from evaluation.metrics import classification_metrics, label_codes
from evaluation.slices import creator_slices
from evaluation.thresholds import CUTOFFS, threshold_table
from features import build_features
from scoring.calibration import ECE_BINS
from scoring.model import CreatorFraudModel
from scoring.norms import TIERS
from scoring.scores import GENUINE, fraud_score


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


NO_LABELS = "the dataset has no labels table: training and evaluation need labelled creators"


def require_labels_table(data_dir: str | Path) -> None:
    """Fail at once, before the dataset is read, when it has no labels table at all."""
    if find_table(check_dataset_directory(data_dir), "labels") is None:
        raise ValueError(NO_LABELS)


def labelled_ids(ds: Dataset) -> pd.Series:
    """The labels table as a Series indexed by creator_id, in creators order."""
    if ds.labels is None or len(ds.labels) == 0:
        raise ValueError(NO_LABELS)
    labels = ds.labels.set_index("creator_id")["label"]
    order = ds.creators["creator_id"]
    return labels.reindex(order[order.isin(labels.index)])


def evaluate_model(
    model: CreatorFraudModel, ds: Dataset, features: pd.DataFrame | None = None
) -> Evaluation:
    """Predict every labelled creator of ``ds`` and measure; ``features`` may be precomputed."""
    truth = labelled_ids(ds)
    table = (
        build_features(ds, model.account_model, model.comment_model)
        if features is None
        else features
    )
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
    metrics["calibration"] = calibration_bins(proba, y)
    return evaluation


def calibration_bins(proba: np.ndarray, y: np.ndarray, bins: int = 10) -> list[dict[str, Any]]:
    """Top-label confidence against accuracy in equal-width bins (the empty ones left out), so a
    reader sees how many creators each point of the reliability plot stands for."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in np.unique(which):
        inside = which == b
        rows.append(
            {
                "low": float(edges[b]),
                "high": float(edges[b + 1]),
                "n": int(inside.sum()),
                "mean_confidence": float(confidence[inside].mean()),
                "accuracy": float(correct[inside].mean()),
            }
        )
    return rows


def slice_metrics(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Per slice value: n, macro-F1, accuracy, fraud recall and genuine flagged share.

    Macro-F1 averages over the classes present in the slice: a hard-case slice holds one class,
    and the F1 of 0 for classes that are not there would say nothing about the model."""
    pred = evaluation.proba.argmax(axis=1)
    g = evaluation.labels.index(GENUINE)
    rows = []
    for column in evaluation.slices.columns:
        values = evaluation.slices[column].to_numpy()
        for value in slice_values(column, values):
            mask = values == value
            y, p = evaluation.y[mask], pred[mask]
            fraud, genuine = y != g, y == g
            rows.append(
                {
                    "slice": column,
                    "value": str(value),
                    "n": int(mask.sum()),
                    "macro_f1": float(
                        f1_score(y, p, labels=np.unique(y), average="macro", zero_division=0)
                    ),
                    "accuracy": float((y == p).mean()),
                    "fraud_recall": float((p[fraud] != g).mean()) if fraud.any() else None,
                    "genuine_flagged": float((p[genuine] != g).mean()) if genuine.any() else None,
                }
            )
    return rows


def slice_values(column: str, values: np.ndarray) -> list[Any]:
    """A slice's values in reading order: follower tiers by size, anything else sorted."""
    present = set(values)
    if column == "follower_tier":
        return [name for _, _, name in TIERS if name in present]
    return sorted(present)


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


# --- Two models on the same creators: differences with paired bootstrap intervals -------------
#
# Every figure is computed from weighted counts (confusion matrices, cut-off 2x2 tables, ECE bin
# gaps), so one sparse product per block of resamples gives them all; row 0 of every count is the
# data itself (weight 1 each), so the point estimates and the intervals share one definition.

REPLICATES = 1000
BOOTSTRAP_SEED = 20_251  # fixed: the same data and models give the same report
BLOCK_ELEMENTS = 2_000_000  # resample weights held at once (replicates x creators)
LOWER_IS_BETTER = {"ece", "genuine_flagged", "genuine_flagged_share"}
NOT_JUDGED = {"flagged_share"}  # how many are flagged is a choice, not a quality
OVERALL = ("macro_f1", "accuracy", "roc_auc_ovr", "ece", "fraud_recall", "genuine_flagged")
PER_CLASS = ("f1", "precision", "recall")
PER_SLICE = ("macro_f1", "accuracy", "fraud_recall", "genuine_flagged")
PER_CUTOFF = ("flagged_share", "precision", "recall", "genuine_flagged_share")

Tallies = dict[tuple, tuple[np.ndarray, int, np.ndarray | None]]  # cells (-1: none), size, values


def compare_evaluations(
    a: Evaluation, b: Evaluation, replicates: int = REPLICATES, seed: int = BOOTSTRAP_SEED
) -> dict[str, Any]:
    """``a`` against ``b`` on the same creators: overall, per class, per slice and per cut-off,
    each figure for both, the difference a - b, its 95% interval and a verdict for ``a``."""
    if a.labels != b.labels or not np.array_equal(a.y, b.y):
        raise ValueError("the two evaluations are not of the same labelled creators")
    rankings = {
        (side, j): Ranking.of(e.proba[:, j], a.y == j)
        for side, e in (("a", a), ("b", b))
        for j in range(len(a.labels))
    }
    counts, aucs = paired_replicates(_comparison_tallies(a, b), rankings, replicates, seed)
    g = a.labels.index(GENUINE)
    k = len(a.labels)
    overall = {
        side: {
            **_overall_figures(counts[("confusion", side, "all", "")].reshape(-1, k, k), g),
            "roc_auc_ovr": np.mean([aucs[(side, j)] for j in range(k)], axis=0),
            "ece": _ece(counts[("ece", side)], counts[("confusion", side, "all", "")]),
        }
        for side in ("a", "b")
    }
    return {
        "method": {
            "resampling": "paired Poisson(1) bootstrap over creators, the same resample for both",
            "replicates": replicates,
            "seed": seed,
            "interval": "95% percentile interval of the difference a - b",
            "verdict": "better/worse when the interval excludes 0, else within noise",
        },
        "overall": [
            _difference({"metric": m}, overall["a"][m], overall["b"][m], m) for m in OVERALL
        ],
        "per_class": _per_class_differences(counts, a.labels),
        "slices": _slice_differences(counts, a, g),
        "thresholds": _cutoff_differences(counts),
    }


def paired_replicates(
    tallies: Tallies, rankings: dict[tuple, Ranking], replicates: int, seed: int
) -> tuple[dict[tuple, np.ndarray], dict[tuple, np.ndarray]]:
    """Each tally's weighted counts, shape (1 + replicates, size), and each ranking's ROC-AUC,
    shape (1 + replicates,): row 0 unweighted, then one row per bootstrap resample of the
    creators, the same resample for all (one pass over the weights: drawing them is the cost)."""
    n = len(next(iter(tallies.values()))[0])
    matrix, spans = _indicator_matrix(tallies, n)
    blocks, aucs = [], {key: [] for key in rankings}
    for weights in _resample_weights(n, replicates, seed):
        blocks.append(np.asarray((matrix.T @ weights.T).T))
        for key, ranking in rankings.items():
            aucs[key].append(ranking.auc(weights))
    counts = np.vstack(blocks)
    return (
        {key: counts[:, lo:hi] for key, (lo, hi) in spans.items()},
        {key: np.concatenate(parts) for key, parts in aucs.items()},
    )


def macro_f1_from_confusion(confusion: np.ndarray, classes: np.ndarray | None = None) -> np.ndarray:
    """Macro-F1 of (..., k, k) confusion counts [true, predicted], as sklearn's ``f1_score``
    with ``average="macro"``, ``zero_division=0`` and ``labels=classes`` (default: all k)."""
    f1 = _per_class_from_confusion(confusion)["f1"]
    return (f1 if classes is None else f1[..., classes]).mean(axis=-1)


def _resample_weights(n: int, replicates: int, seed: int) -> Iterator[np.ndarray]:
    """Row of ones, then the resamples in blocks of bounded memory; the same seed, the same
    weights, whichever figure asks."""
    yield np.ones((1, n))
    rng = np.random.default_rng(seed)
    block = max(1, BLOCK_ELEMENTS // max(n, 1))
    for start in range(0, replicates, block):
        yield rng.poisson(1.0, size=(min(block, replicates - start), n)).astype(np.float64)


def _indicator_matrix(tallies: Tallies, n: int) -> tuple[Any, dict[tuple, tuple[int, int]]]:
    """Sparse (n, total cells): creator i adds its weight (times its value) to its cell."""
    rows, cols, vals, spans, offset = [], [], [], {}, 0
    for key, (cells, size, values) in tallies.items():
        counted = cells >= 0
        rows.append(np.flatnonzero(counted))
        cols.append(cells[counted] + offset)
        vals.append(np.ones(counted.sum()) if values is None else values[counted])
        spans[key] = (offset, offset + size)
        offset += size
    matrix = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, offset)
    )
    return matrix, spans


def _comparison_tallies(a: Evaluation, b: Evaluation) -> Tallies:
    """What each figure counts, for both models: confusion cells overall and per slice value,
    the 2x2 (fraud?, flagged?) cell per cut-off, and the ECE bin with confidence - correct."""
    k, tallies = len(a.labels), {}
    is_fraud = a.y != a.labels.index(GENUINE)
    for side, e in (("a", a), ("b", b)):
        cells = a.y * k + e.proba.argmax(axis=1)
        tallies[("confusion", side, "all", "")] = (cells, k * k, None)
        for column in a.slices.columns:
            values = a.slices[column].to_numpy()
            for value in slice_values(column, values):
                masked = np.where(values == value, cells, -1)
                tallies[("confusion", side, column, str(value))] = (masked, k * k, None)
        for cutoff in CUTOFFS:
            cut = is_fraud.astype(np.int64) * 2 + (e.fraud_scores >= cutoff)
            tallies[("cutoff", side, cutoff)] = (cut, 4, None)
        confidence = e.proba.max(axis=1)
        correct = (e.proba.argmax(axis=1) == a.y).astype(np.float64)
        edges = np.linspace(0.0, 1.0, ECE_BINS + 1)
        bins = np.clip(np.digitize(confidence, edges[1:-1]), 0, ECE_BINS - 1)
        tallies[("ece", side)] = (bins, ECE_BINS, confidence - correct)
    return tallies


def _per_class_from_confusion(confusion: np.ndarray) -> dict[str, np.ndarray]:
    tp = np.diagonal(confusion, axis1=-2, axis2=-1)
    true, pred = confusion.sum(axis=-1), confusion.sum(axis=-2)
    return {
        "precision": _ratio(tp, pred, empty=0.0),
        "recall": _ratio(tp, true, empty=0.0),
        "f1": _ratio(2 * tp, true + pred, empty=0.0),
    }


def _overall_figures(
    confusion: np.ndarray, genuine: int, classes: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    total = confusion.sum(axis=(-2, -1))
    true, pred = confusion.sum(axis=-1), confusion.sum(axis=-2)
    genuine_kept = confusion[..., genuine, genuine]
    fraud = total - true[..., genuine]
    return {
        "macro_f1": macro_f1_from_confusion(confusion, classes),
        "accuracy": _ratio(np.trace(confusion, axis1=-2, axis2=-1), total),
        "fraud_recall": _ratio(fraud - (pred[..., genuine] - genuine_kept), fraud),
        "genuine_flagged": _ratio(true[..., genuine] - genuine_kept, true[..., genuine]),
    }


def _cutoff_figures(cells: np.ndarray) -> dict[str, np.ndarray]:
    kept_genuine, flagged_genuine, missed_fraud, caught_fraud = cells.T
    flagged = flagged_genuine + caught_fraud
    return {
        "flagged_share": _ratio(flagged, cells.sum(axis=1)),
        "precision": _ratio(caught_fraud, flagged),
        "recall": _ratio(caught_fraud, caught_fraud + missed_fraud),
        "genuine_flagged_share": _ratio(flagged_genuine, flagged_genuine + kept_genuine),
    }


def _ece(gaps: np.ndarray, confusion: np.ndarray) -> np.ndarray:
    return _ratio(np.abs(gaps).sum(axis=1), confusion.sum(axis=1))


def _ratio(num: np.ndarray, den: np.ndarray, empty: float = np.nan) -> np.ndarray:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, empty)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _per_class_differences(counts: dict[tuple, np.ndarray], labels: list[str]) -> list[dict]:
    k = len(labels)
    figures = {
        side: _per_class_from_confusion(counts[("confusion", side, "all", "")].reshape(-1, k, k))
        for side in ("a", "b")
    }
    support = counts[("confusion", "a", "all", "")][0].reshape(k, k).sum(axis=1)
    return [
        _difference(
            {"class": label, "support": int(support[i]), "metric": m},
            figures["a"][m][:, i],
            figures["b"][m][:, i],
            m,
        )
        for i, label in enumerate(labels)
        for m in PER_CLASS
    ]


def _slice_differences(
    counts: dict[tuple, np.ndarray], a: Evaluation, genuine: int
) -> list[dict[str, Any]]:
    k, rows = len(a.labels), []
    for key in counts:
        if key[0] != "confusion" or key[1] != "a" or key[2] == "all":
            continue
        _, _, column, value = key
        a_counts = counts[key].reshape(-1, k, k)
        present = np.flatnonzero(a_counts[0].sum(axis=1))  # as slice_metrics: classes in it
        fa = _overall_figures(a_counts, genuine, present)
        b_counts = counts[("confusion", "b", column, value)].reshape(-1, k, k)
        fb = _overall_figures(b_counts, genuine, present)
        n = int(counts[key][0].sum())
        for m in PER_SLICE:
            entity = {"slice": column, "value": value, "n": n, "metric": m}
            rows.append(_difference(entity, fa[m], fb[m], m))
    return rows


def _cutoff_differences(counts: dict[tuple, np.ndarray]) -> list[dict[str, Any]]:
    rows = []
    for cutoff in CUTOFFS:
        fa = _cutoff_figures(counts[("cutoff", "a", cutoff)])
        fb = _cutoff_figures(counts[("cutoff", "b", cutoff)])
        for m in PER_CUTOFF:
            rows.append(_difference({"fraud_score_cutoff": cutoff, "metric": m}, fa[m], fb[m], m))
    return rows


def _difference(
    entity: dict[str, Any], a: np.ndarray, b: np.ndarray, metric: str
) -> dict[str, Any]:
    """Row 0 is the point estimate, the rest the resamples; NaN (an empty resample) is left out."""
    diff = a - b
    resampled = diff[1:][np.isfinite(diff[1:])]
    low, high = (
        (float(np.percentile(resampled, 2.5)), float(np.percentile(resampled, 97.5)))
        if len(resampled) and np.isfinite(diff[0])
        else (None, None)
    )
    return {
        **entity,
        "a": _finite(a[0]),
        "b": _finite(b[0]),
        "difference": _finite(diff[0]),
        "low": low,
        "high": high,
        "verdict": verdict(low, high, metric),
    }


def verdict(low: float | None, high: float | None, metric: str) -> str | None:
    """Better or worse for ``a`` when the interval of a - b excludes 0, else "within noise";
    for a figure that is not a quality (the flagged share), "higher"/"lower"."""
    if low is None or high is None:
        return None
    if low <= 0 <= high:
        return "within noise"
    up = low > 0
    if metric in NOT_JUDGED:
        return "higher" if up else "lower"
    return "better" if up != (metric in LOWER_IS_BETTER) else "worse"


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


@dataclass(frozen=True)
class Ranking:
    """One-vs-rest ROC-AUC of one score under any creator weights: the creators in score order
    and where each run of tied scores starts (None: no ties, the fast path)."""

    order: np.ndarray
    positive: np.ndarray  # in score order
    tie_starts: np.ndarray | None

    @classmethod
    def of(cls, score: np.ndarray, positive: np.ndarray) -> Ranking:
        order = np.argsort(score, kind="stable")
        ranked = score[order]
        starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
        return cls(order, positive[order], None if len(starts) == len(score) else starts)

    def auc(self, weights: np.ndarray) -> np.ndarray:
        """Per row of ``weights`` (R, n): the weighted share of (positive, negative) pairs the
        score ranks right, ties counting half; NaN without positives or negatives."""
        w = weights[:, self.order]
        pos = np.where(self.positive, w, 0.0)
        neg = w - pos
        if self.tie_starts is not None:
            pos = np.add.reduceat(pos, self.tie_starts, axis=1)
            neg = np.add.reduceat(neg, self.tie_starts, axis=1)
        below = np.cumsum(neg, axis=1) - neg
        pairs = pos.sum(axis=1) * neg.sum(axis=1)
        return _ratio((pos * (below + 0.5 * neg)).sum(axis=1), pairs)
