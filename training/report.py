"""Write an evaluation to disk: ``metrics.json`` plus ``report.md`` with PNG plots."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on servers and CI
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve

from creator_audit.atomic import atomic_path
from training.evaluate import Evaluation

PLOTS = ("confusion.png", "precision_recall.png", "reliability.png")


def write_metrics(metrics: dict[str, Any], path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_jsonable(metrics), indent=2, allow_nan=False))


def write_report(
    evaluation: Evaluation,
    out_dir: str | Path,
    title: str,
    compare: Evaluation | None = None,
    compare_title: str | None = None,
) -> Path:
    """metrics.json (the contract's fields), the plots, and report.md that embeds them."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    metrics = dict(evaluation.metrics)
    if compare is not None:
        metrics["comparison"] = comparison(evaluation, compare, title, compare_title or "other")
    write_metrics(metrics, out / "metrics.json")
    plot_confusion(evaluation, out / "confusion.png")
    plot_precision_recall(evaluation, out / "precision_recall.png")
    plot_reliability(evaluation, out / "reliability.png")
    text = render_markdown(evaluation, title, metrics.get("comparison"))
    with atomic_path(out / "report.md") as tmp:
        tmp.write_text(text)
    return out


def comparison(a: Evaluation, b: Evaluation, name_a: str, name_b: str) -> dict[str, Any]:
    """Both models side by side: overall and per slice, with the winner by macro-F1."""
    rows = [_compare_row("overall", "all", a.metrics, b.metrics, name_a, name_b)]
    b_slices = {(s["slice"], s["value"]): s for s in b.metrics["slices"]}
    for s in a.metrics["slices"]:
        other = b_slices.get((s["slice"], s["value"]))
        if other is not None:
            rows.append(_compare_row(s["slice"], s["value"], s, other, name_a, name_b))
    return {"models": [name_a, name_b], "rows": rows}


def _compare_row(
    slice_name: str, value: str, a: dict, b: dict, name_a: str, name_b: str
) -> dict[str, Any]:
    fa, fb = float(a["macro_f1"]), float(b["macro_f1"])
    winner = "tie" if math.isclose(fa, fb, abs_tol=1e-9) else (name_a if fa > fb else name_b)
    return {"slice": slice_name, "value": value, name_a: fa, name_b: fb, "winner": winner}


def render_markdown(evaluation: Evaluation, title: str, compare: dict | None) -> str:
    m = evaluation.metrics
    per_class = pd.DataFrame(m["per_class"]).T
    confusion = pd.DataFrame(
        m["confusion"],
        index=[f"true {x}" for x in evaluation.labels],
        columns=[f"pred {x}" for x in evaluation.labels],
    )
    parts = [
        f"# Evaluation: {title}",
        f"{m['n']} labelled creators. macro-F1 **{m['macro_f1']:.4f}**, accuracy "
        f"{m['accuracy']:.4f}, macro one-vs-rest ROC-AUC {m['roc_auc_ovr']:.4f}, expected "
        f"calibration error {m['ece']:.4f}.",
        "## Per class",
        _md_table(per_class),
        "## Confusion matrix (rows: true label)",
        _md_table(confusion),
        "![confusion](confusion.png)",
        "## Precision-recall per class",
        "![precision-recall](precision_recall.png)",
        "## Calibration",
        "Top-label confidence against observed accuracy; the diagonal is perfect calibration.",
        "![reliability](reliability.png)",
        "## By slice",
        _md_table(pd.DataFrame(m["slices"])),
        '## fraud_score cut-offs ("any fraud" against genuine)',
        _md_table(pd.DataFrame(m["thresholds"])),
    ]
    if compare:
        parts += ["## Comparison", _md_table(pd.DataFrame(compare["rows"]))]
    ablation = m.get("follower_sample_ablation")
    if ablation:
        parts += [
            "## What the follower samples add",
            f"The {ablation['n']} creators that come with a follower sample, scored with it and "
            "with the samples withheld (their audience-sample features missing).",
            _md_table(pd.DataFrame(ablation["rows"]).T),
        ]
    return "\n\n".join(parts) + "\n"


def _md_table(frame: pd.DataFrame) -> str:
    cells = []
    show_index = not isinstance(frame.index, pd.RangeIndex)
    cols = ([""] if show_index else []) + [str(c) for c in frame.columns]
    header = "| " + " | ".join(cols) + " |"
    sep = "|" + "|".join(["---"] * len(cols)) + "|"
    for idx, row in frame.iterrows():
        values = ([str(idx)] if show_index else []) + [_fmt(v) for v in row]
        cells.append("| " + " | ".join(values) + " |")
    return "\n".join([header, sep, *cells])


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float | np.floating):
        return f"{value:.4f}"
    return str(value)


def plot_confusion(evaluation: Evaluation, path: Path) -> None:
    matrix = np.asarray(evaluation.metrics["confusion"], dtype=float)
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    labels = evaluation.labels
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            color = "white" if share[i, j] > 0.5 else "black"
            ax.text(j, i, f"{int(matrix[i, j])}", ha="center", va="center", color=color)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    _save(fig, path)


def plot_precision_recall(evaluation: Evaluation, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 5))
    for k, label in enumerate(evaluation.labels):
        truth = evaluation.y == k
        if truth.any():
            precision, recall, _ = precision_recall_curve(truth, evaluation.proba[:, k])
            ax.plot(recall, precision, label=label)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left")
    _save(fig, path)


def plot_reliability(evaluation: Evaluation, path: Path, bins: int = 10) -> None:
    confidence = evaluation.proba.max(axis=1)
    correct = evaluation.proba.argmax(axis=1) == evaluation.y
    which = np.clip((confidence * bins).astype(int), 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    accuracy = np.bincount(which, weights=correct, minlength=bins) / np.maximum(count, 1)
    mean_conf = np.bincount(which, weights=confidence, minlength=bins) / np.maximum(count, 1)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey")
    used = count > 0
    ax.plot(mean_conf[used], accuracy[used], marker="o")
    ax.set_xlabel("confidence (top label)")
    ax.set_ylabel("accuracy")
    _save(fig, path)


def plot_feature_importance(importance: pd.Series, path: Path, top: int = 25) -> None:
    """Horizontal bars of the ``top`` features by total gain."""
    shown = importance.sort_values(ascending=False).head(top)[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(shown) + 1))
    ax.barh(shown.index, shown.to_numpy())
    ax.set_xlabel("total gain")
    ax.tick_params(axis="y", labelsize=8)
    _save(fig, path)


def _save(fig: Any, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def _jsonable(value: Any) -> Any:
    """JSON with null for NaN (allow_nan=False keeps metrics.json standard JSON)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    return value
