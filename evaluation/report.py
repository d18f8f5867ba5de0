"""Write an evaluation to disk: ``metrics.json``, PNG plots, ``report.md`` and ``report.html``.

Both reports render from the same metrics dictionary that ``metrics.json`` holds, so what an
analyst reads and what a program reads cannot drift apart.
"""

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
from evaluation.evaluate import Evaluation, calibration_bins, compare_evaluations
from evaluation.injection import table as injection_table
from evaluation.report_html import (
    VERDICT_NOTE,
    baseline_rows,
    baselines_text,
    identity_rows,
    interval_text,
    missing_models_of,
    model_name,
    real_genuine_text,
    write_html_report,
)

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
    about: dict[str, Any] | None = None,
) -> Path:
    """metrics.json (the contract's fields plus ``about``: what was judged, checks made beside
    it), the plots, and report.md and report.html that show them."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    metrics = {**evaluation.metrics, **(about or {})}
    if compare is not None:
        found = comparison(evaluation, compare, title, compare_title or "other")
        metrics["comparison"] = {**found, **metrics.get("comparison", {})}
    write_metrics(metrics, out / "metrics.json")
    plot_confusion(evaluation, out / "confusion.png")
    plot_precision_recall(evaluation, out / "precision_recall.png")
    plot_reliability(evaluation, out / "reliability.png")
    text = render_markdown(evaluation, title, metrics.get("comparison"), metrics)
    with atomic_path(out / "report.md") as tmp:
        tmp.write_text(text)
    write_html_report(_jsonable(metrics), title, out, out / "report.html")
    return out


def comparison(a: Evaluation, b: Evaluation, name_a: str, name_b: str) -> dict[str, Any]:
    """Both models side by side on every table, with paired bootstrap intervals on a - b.

    ``rows`` is macro-F1 overall and per slice (each model's figure under its name, the point
    winner, and the interval and verdict); the other keys are :func:`compare_evaluations`.
    """
    found = compare_evaluations(a, b)
    overall = next(r for r in found["overall"] if r["metric"] == "macro_f1")
    per_slice = [r for r in found["slices"] if r["metric"] == "macro_f1"]
    rows = [
        _compare_row({"slice": "overall", "value": "all", "n": len(a.y), **overall}, name_a, name_b)
    ]
    rows += [_compare_row(r, name_a, name_b) for r in per_slice]
    return {"models": [name_a, name_b], "rows": rows, **found}


def _compare_row(found: dict[str, Any], name_a: str, name_b: str) -> dict[str, Any]:
    fa, fb = found["a"], found["b"]
    winner = "tie" if math.isclose(fa, fb, abs_tol=1e-9) else (name_a if fa > fb else name_b)
    keys = ("n", "difference", "low", "high", "verdict")
    return {
        "slice": found["slice"],
        "value": found["value"],
        name_a: fa,
        name_b: fb,
        "winner": winner,
        **{k: found[k] for k in keys},
    }


def render_markdown(
    evaluation: Evaluation, title: str, compare: dict | None, metrics: dict | None = None
) -> str:
    """report.md: the same sections as report.html, with links to the PNG plots."""
    m = metrics or evaluation.metrics
    labels = evaluation.labels
    confusion = pd.DataFrame(
        m["confusion"], index=[f"true {x}" for x in labels], columns=[f"pred {x}" for x in labels]
    )
    parts = [
        f"# Evaluation: {model_name(m.get('model'), title)}",
        _md_table(pd.DataFrame(identity_rows(m, title)).set_index("what")),
        *(f"**{missing.sentence()}**" for missing in missing_models_of(m.get("model"))),
        f"{_fmt(m['n'])} labelled creators. macro-F1 **{m['macro_f1']:.4f}**, accuracy "
        f"{m['accuracy']:.4f}, macro one-vs-rest ROC-AUC {m['roc_auc_ovr']:.4f}, expected "
        f"calibration error {m['ece']:.4f}.",
        *_md_comparison_overview(compare),
        "## Per class",
        _md_table(pd.DataFrame(m["per_class"]).T),
        *_md_against(compare, "per_class"),
        "## Confusion matrix (rows: true label)",
        _md_table(confusion),
        "![confusion](confusion.png)",
        "## Precision-recall per class",
        "![precision-recall](precision_recall.png)",
        "## Calibration",
        "Top-label confidence against observed accuracy, per confidence bin (empty bins left "
        "out); the diagonal of the plot is perfect calibration.",
        _md_table(pd.DataFrame(m.get("calibration", []))),
        "![reliability](reliability.png)",
        "## By slice",
        _md_table(pd.DataFrame(m["slices"])),
        *_md_against(compare, "slices"),
        '## fraud_score cut-offs ("any fraud" against genuine)',
        _md_table(pd.DataFrame(m["thresholds"])),
        *_md_against(compare, "thresholds"),
        *_md_checks(m, compare),
    ]
    ablation = m.get("follower_sample_ablation")
    if ablation:
        parts += [
            "## What the follower samples add",
            f"The {ablation['n']} creators that come with a follower sample, scored with it and "
            "with the samples withheld (their audience-sample features missing).",
            _md_table(pd.DataFrame(ablation["rows"]).T),
        ]
    if m.get("injection"):
        parts += [f"## {injection_table.TITLE}", injection_table.markdown(m["injection"])]
    return "\n\n".join(parts) + "\n"


def _md_comparison_overview(compare: dict | None) -> list[str]:
    if not compare:
        return []
    a, b = compare["models"]
    return [
        "## Comparison",
        f"A = {a}; B = {b}. {VERDICT_NOTE}",
        _md_table(_md_comparison_frame(compare["overall"])),
    ]


def _md_against(compare: dict | None, key: str) -> list[str]:
    if not compare:
        return []
    return ["Against B:", _md_table(_md_comparison_frame(compare[key]))]


def _md_comparison_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Long rows as in metrics.json, with A, B, A − B, the interval and the verdict last."""
    frame = pd.DataFrame(rows)
    frame["95% interval"] = [interval_text(r) for r in rows]
    frame = frame.rename(columns={"a": "A", "b": "B", "difference": "A − B"})
    last = ["A", "B", "A − B", "95% interval", "verdict"]
    first = [c for c in frame.columns if c not in {*last, "low", "high"}]
    return frame[first + last]


def _md_checks(m: dict[str, Any], compare: dict | None) -> list[str]:
    """The training run's baselines and the real genuine accounts, or why they are missing."""
    baselines = m.get("training_baselines")
    parts = ["## Baselines", baselines_text(baselines)]
    if baselines and "models" in baselines:
        parts.append(_md_table(pd.DataFrame(baseline_rows(baselines))))
    parts += ["## Real genuine accounts", real_genuine_text(m.get("real_genuine")) + "."]
    other = (compare or {}).get("compared_real_genuine")
    if other:
        parts.append(f"Compared model (B): {real_genuine_text(other)}.")
    return parts


def _md_table(frame: pd.DataFrame) -> str:
    cells = []
    show_index = not isinstance(frame.index, pd.RangeIndex)
    cols = ([""] if show_index else []) + [str(c) for c in frame.columns]
    header = "| " + " | ".join(cols) + " |"
    sep = "|" + "|".join(["---"] * len(cols)) + "|"
    # itertuples keeps each column's type (iterrows makes a row of ints and floats all floats).
    for idx, *row in frame.astype(object).itertuples(name=None):
        values = ([str(idx)] if show_index else []) + [_fmt(v) for v in row]
        cells.append("| " + " | ".join(values) + " |")
    return "\n".join([header, sep, *cells])


def _fmt(value: Any) -> str:
    """Counts as integers (2,200), other figures to 4 decimals, missing as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        if float(value).is_integer() and abs(value) >= 1:
            return f"{int(value):,}"
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
    ax.set_title("Confusion matrix (counts; shade: share of the true class)")
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
    ax.set_title("Precision-recall per class (one vs rest)")
    _save(fig, path)


def plot_reliability(evaluation: Evaluation, path: Path) -> None:
    """The calibration bins of the metrics (the report's table), each point labelled with n."""
    bins = evaluation.metrics.get("calibration") or calibration_bins(evaluation.proba, evaluation.y)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey")
    x = [b["mean_confidence"] for b in bins]
    y = [b["accuracy"] for b in bins]
    ax.plot(x, y, marker="o")
    for b, xi, yi in zip(bins, x, y, strict=True):
        ax.annotate(f"{b['n']:,}", (xi, yi), textcoords="offset points", xytext=(4, -12), size=8)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("confidence (top label)")
    ax.set_ylabel("accuracy")
    ax.set_title("Reliability (points: creators per bin)")
    _save(fig, path)


def plot_feature_importance(importance: pd.Series, path: Path, top: int = 25) -> None:
    """Horizontal bars of the ``top`` features by total gain."""
    shown = importance.sort_values(ascending=False).head(top)[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(shown) + 1))
    ax.barh(shown.index, shown.to_numpy())
    ax.set_xlabel("total gain")
    ax.set_title(f"Feature importance (top {len(shown)} by total gain)")
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
