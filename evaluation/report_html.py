"""``report.html``: the evaluation as one self-contained page (plots embedded, no network).

It renders the same metrics dictionary as ``metrics.json`` and embeds the PNG plots that
``evaluation.report`` wrote beside it. The sentences both reports share (what was judged, the
baselines, the real genuine accounts) are here too, so report.md says the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evaluation.html import embedded_png, esc, fmt, missing_models_note, page, table, write_page
from evaluation.injection import table as injection_table
from scoring.missing_models import MissingModel

METRIC_NAMES = {
    "macro_f1": "macro-F1",
    "accuracy": "accuracy",
    "roc_auc_ovr": "ROC-AUC (one-vs-rest)",
    "ece": "calibration error (ECE)",
    "fraud_recall": "fraud recall",
    "genuine_flagged": "genuine flagged",
    "f1": "F1",
    "precision": "precision",
    "recall": "recall",
    "flagged_share": "flagged share",
    "genuine_flagged_share": "genuine flagged",
}
SLICE_NAMES = {
    "follower_tier": "Follower tier",
    "engagement_events": "Engagement events",
    "follower_history": "Follower-count history",
    "follower_samples": "Follower sample",
    "hard_case": "Hard case",
}
SECTIONS = (
    ("judged", "What was judged"),
    ("per-class", "Per class"),
    ("confusion", "Confusion matrix"),
    ("calibration", "Calibration"),
    ("slices", "By slice"),
    ("cutoffs", "fraud_score cut-offs"),
    ("baselines", "Baselines"),
    ("real-genuine", "Real genuine accounts"),
    ("ablation", "What the follower samples add"),
    ("injection", injection_table.TITLE),  # only with evaluate --inject
)
SLICE_COMPARED = ("macro_f1", "fraud_recall", "genuine_flagged")  # accuracy: in metrics.json
VERDICT_NOTE = (
    "Differences are A − B with a 95% paired bootstrap interval; a verdict is for A: better or "
    "worse when the interval excludes 0, else within noise."
)


def write_html_report(metrics: dict[str, Any], title: str, out_dir: Path, path: Path) -> Path:
    """Render ``metrics`` (as written to metrics.json) with the plots found in ``out_dir``."""
    compare = metrics.get("comparison")
    body = [
        *_header(metrics, title),
        _toc(compare is not None, "injection" in metrics),
        _section("judged", [table(identity_rows(metrics, title), headers={"what": ""})]),
        *_comparison_overview(compare),
        _section("per-class", _per_class(metrics, compare)),
        _section("confusion", _confusion(metrics, out_dir)),
        _section("calibration", _calibration(metrics, out_dir)),
        _section("slices", _slices(metrics, compare)),
        _section("cutoffs", _cutoffs(metrics, compare)),
        _section("baselines", _baselines(metrics.get("training_baselines"))),
        _section("real-genuine", _real_genuine(metrics, compare)),
        _section("ablation", _ablation(metrics.get("follower_sample_ablation"))),
        *_injection(metrics.get("injection")),
        _method_note(compare),
    ]
    return write_page(path, page(f"Evaluation: {model_name(metrics.get('model'), title)}", body))


# --- words both reports share -----------------------------------------------------------------


def model_name(model: dict[str, Any] | None, fallback: str) -> str:
    """ "creator-fraud v2 (champion)", or the URI / title when the model is not a registry one."""
    if not model or not model.get("model_name"):
        return fallback
    name = str(model["model_name"])
    if model.get("model_version"):
        name += f" v{model['model_version']}"
    alias = model.get("alias") or ", ".join(model.get("aliases") or [])
    return f"{name} ({alias})" if alias else name


def missing_models_of(model: dict[str, Any] | None) -> list[MissingModel]:
    """The account or comment model the judged model scores without, as metrics.json has them."""
    return [MissingModel(**m) for m in (model or {}).get("missing_models") or []]


def identity_rows(metrics: dict[str, Any], title: str) -> list[dict[str, str]]:
    """What the figures are of: model, run, training data, evaluation data, date."""
    model, data = metrics.get("model") or {}, metrics.get("data") or {}
    rows = [
        ("model", model_name(model, title)),
        ("model URI", model.get("uri")),
        ("version", model.get("model_version")),
        ("alias", model.get("alias") or ", ".join(model.get("aliases") or []) or "none"),
        ("training run", model.get("run_id")),
        ("training data sha256", model.get("training_data_sha256")),
        ("evaluation data", data.get("path")),
        ("evaluation data sha256", data.get("sha256")),
        ("labelled creators", _label_counts(data.get("labels"))),
        ("evaluated at", metrics.get("evaluated_at")),
    ]
    if data.get("same_as_training"):
        rows.append(("warning", "this is the model's training data: the figures are optimistic"))
    compared = (metrics.get("comparison") or {}).get("compared_model")
    if compared:
        rows.append(
            ("compared with (B)", f"{model_name(compared, '?')}, run {compared.get('run_id')}")
        )
    return [{"what": what, "value": str(value)} for what, value in rows if value is not None]


def real_genuine_text(check: dict[str, Any] | None) -> str:
    if not check:
        return "not run"
    if "skipped" in check:
        return f"skipped: {check['skipped']}"
    return (
        f"{fmt(100 * check['flagged_share'], 1)}% of {fmt(check['n'])} real genuine accounts "
        "flagged as fraud"
    )


def baselines_text(baselines: dict[str, Any] | None) -> str:
    if not baselines:
        return "Baselines: not available (no training run given)."
    if "unavailable" in baselines:
        return f"Baselines: not available: {baselines['unavailable']}"
    return (
        f"Measured by the training run {baselines['run_id']} on its own held-out test split, "
        "not on this evaluation's data: how much the model adds over simple rules and a "
        "logistic regression on the same features."
    )


def baseline_rows(baselines: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per baseline (and this model on the same test split, when the run has it)."""
    rows = []
    for name, m in {**baselines.get("models", {}), **baselines.get("this_model", {})}.items():
        row = {"model": name, "macro-F1": m.get("macro_f1"), "accuracy": m.get("accuracy")}
        row["ROC-AUC"] = m.get("roc_auc_ovr")
        for label, figures in (m.get("per_class") or {}).items():
            row[f"F1 {label}"] = figures.get("f1")
        rows.append(row)
    return rows


def interval_text(row: dict[str, Any]) -> str:
    if row.get("low") is None:
        return "–"
    return f"[{row['low']:+.3f}, {row['high']:+.3f}]"


# --- sections ------------------------------------------------------------------------------


def _header(metrics: dict[str, Any], title: str) -> list[str]:
    data = metrics.get("data") or {}
    where = f" on {data['path']}" if data.get("path") else ""
    when = f", {metrics['evaluated_at']}" if metrics.get("evaluated_at") else ""
    figures = [
        {
            "labelled creators": metrics["n"],
            "macro-F1": metrics["macro_f1"],
            "accuracy": metrics["accuracy"],
            "ROC-AUC": metrics["roc_auc_ovr"],
            "ECE": metrics.get("ece"),
            "real genuine flagged": (metrics.get("real_genuine") or {}).get("flagged_share"),
        }
    ]
    return [
        f"<h1>Evaluation: {esc(model_name(metrics.get('model'), title))}</h1>",
        f'<p class="muted">{esc(title)}{esc(where)}{esc(when)}</p>',
        table(figures),
        missing_models_note(missing_models_of(metrics.get("model"))),
    ]


def _toc(compared: bool, injected: bool = False) -> str:
    entries = [entry for entry in SECTIONS if injected or entry[0] != "injection"]
    if compared:  # the overview follows what was judged
        entries.insert(1, ("comparison", "Comparison"))
    links = " · ".join(f'<a href="#{key}">{esc(name)}</a>' for key, name in entries)
    return f'<nav class="toc">{links}</nav>'


def _section(key: str, parts: Sequence[str]) -> str:
    name = dict(SECTIONS)[key]
    return f'<section id="{key}"><h2>{esc(name)}</h2>' + "".join(parts) + "</section>"


def _per_class(metrics: dict[str, Any], compare: dict | None) -> list[str]:
    rows = [{"class": label, **figures} for label, figures in metrics["per_class"].items()]
    parts = [table(rows, ["class", "precision", "recall", "f1", "support"], {"f1": "F1"})]
    if compare:
        parts += _against(compare["per_class"], ["class", "support"], "f1")
    return parts


def _confusion(metrics: dict[str, Any], out_dir: Path) -> list[str]:
    labels = metrics["labels"]
    rows = [
        {"true \\ predicted": label, **dict(zip(labels, counts, strict=True))}
        for label, counts in zip(labels, metrics["confusion"], strict=True)
    ]
    return [
        table(rows),
        "<p class='muted'>Rows: the true label; columns: the model's label. The plot shades "
        "each row by its share of the true class.</p>",
        '<div class="grid">',
        _plot(out_dir, "confusion.png", "confusion matrix"),
        _plot(out_dir, "precision_recall.png", "precision-recall curves per class"),
        "</div>",
    ]


def _calibration(metrics: dict[str, Any], out_dir: Path) -> list[str]:
    bins = [
        {
            "confidence": f"{b['low']:.1f}–{b['high']:.1f}",
            "n": b["n"],
            "mean confidence": b["mean_confidence"],
            "accuracy": b["accuracy"],
            "gap": b["accuracy"] - b["mean_confidence"],
        }
        for b in metrics.get("calibration", [])
    ]
    note = (
        f"Top-label confidence against how often that label is right. Expected calibration "
        f"error {fmt(metrics.get('ece'))} (15 equal bins); empty bins are left out."
    )
    return [
        f"<p>{esc(note)}</p>",
        '<div class="grid">',
        f"<div>{table(bins)}</div>",
        _plot(out_dir, "reliability.png", "reliability plot"),
        "</div>",
    ]


def _slices(metrics: dict[str, Any], compare: dict | None) -> list[str]:
    parts = [
        "<p>The same figures for groups of creators: by size, by the data that came with them "
        "and, where the labels carry it, by the simulator's deliberately hard cases (most hold "
        "one class, so there accuracy is that class's recall). Macro-F1 averages over the "
        "classes present in the slice.</p>"
    ]
    columns = ["value", "n", "macro_f1", "accuracy", "fraud_recall", "genuine_flagged"]
    headers = {c: METRIC_NAMES.get(c, c) for c in columns}
    for name in dict.fromkeys(s["slice"] for s in metrics["slices"]):
        rows = [s for s in metrics["slices"] if s["slice"] == name]
        parts += [f"<h3>{esc(SLICE_NAMES.get(name, name))}</h3>", table(rows, columns, headers)]
        if compare:
            found = [r for r in compare["slices"] if r["slice"] == name]
            parts += _against(found, ["value", "n"], "macro_f1", SLICE_COMPARED)
    return parts


def _cutoffs(metrics: dict[str, Any], compare: dict | None) -> list[str]:
    columns = ["fraud_score_cutoff", "flagged_share", "precision", "recall"]
    headers = {
        "fraud_score_cutoff": "fraud_score ≥",
        "flagged_share": "flagged share",
        "genuine_flagged_share": "genuine flagged",
    }
    parts = [
        "<p>Creators with a fraud_score at or above the cut-off are flagged; precision and "
        "recall are of “any fraud” against genuine.</p>",
        table(metrics["thresholds"], [*columns, "genuine_flagged_share"], headers),
    ]
    if compare:
        shown = ("precision", "recall", "genuine_flagged_share")  # flagged share: A and B
        parts += _against(compare["thresholds"], ["fraud_score_cutoff"], "flagged_share", shown)
    return parts


def _baselines(baselines: dict[str, Any] | None) -> list[str]:
    parts = [f"<p>{esc(baselines_text(baselines))}</p>"]
    if baselines and "models" in baselines:
        parts.append(table(baseline_rows(baselines)))
    return parts


def _real_genuine(metrics: dict[str, Any], compare: dict | None) -> list[str]:
    check = metrics.get("real_genuine")
    parts = [
        "<p>Real Instagram accounts known to be genuine (InstaFake); a model that flags many "
        f"of them is wrong whatever its synthetic figures. {esc(real_genuine_text(check))}.</p>"
    ]
    if check and "predicted" in check:
        parts.append(
            table([{"predicted": k, "accounts": v} for k, v in check["predicted"].items()])
        )
    other = (compare or {}).get("compared_real_genuine")
    if other:
        parts.append(f"<p>Compared model (B): {esc(real_genuine_text(other))}.</p>")
    return parts


def _ablation(ablation: dict[str, Any] | None) -> list[str]:
    if not ablation:
        return ['<p class="muted">No creator came with a follower sample.</p>']
    rows = [{"variant": name, **figures} for name, figures in ablation["rows"].items()]
    headers = {k: METRIC_NAMES.get(k, k.replace("_", " ")) for k in rows[0]}
    note = (
        f"The {fmt(ablation['n'])} creators that come with a follower sample, scored with it "
        "and with the samples withheld (their audience-sample features missing)."
    )
    return [f"<p>{esc(note)}</p>", table(rows, headers=headers)]


def _injection(injection: dict[str, Any] | None) -> list[str]:
    return [_section("injection", injection_table.html(injection))] if injection else []


# --- the comparison --------------------------------------------------------------------------


def _comparison_overview(compare: dict | None) -> list[str]:
    if not compare:
        return []
    a, b = compare["models"]
    rows = [
        {
            "metric": METRIC_NAMES.get(r["metric"], r["metric"]),
            "A": r["a"],
            "B": r["b"],
            "A − B": r["difference"],
            "95% interval": interval_text(r),
            "verdict": r["verdict"],
        }
        for r in compare["overall"]
    ]
    return [
        '<section id="comparison"><h2>Comparison</h2>',
        f"<p><b>A</b> = {esc(a)}; <b>B</b> = {esc(b)}. {esc(VERDICT_NOTE)} Every table below "
        "has the same comparison for its rows.</p>",
        table(rows, classes={"verdict": "verdict"}),
        "</section>",
    ]


def _against(
    found: list[dict], keys: list[str], headline: str, shown: Sequence[str] | None = None
) -> list[str]:
    """Long comparison rows (one per table row and figure) as one row per table row: the
    headline figure for A and B, then per ``shown`` figure "A − B [interval] verdict", coloured
    by the verdict."""
    wide: dict[tuple, dict[str, Any]] = {}
    classes: dict[str, str] = {}
    for r in found:
        row = wide.setdefault(tuple(r[k] for k in keys), {k: r[k] for k in keys})
        name = METRIC_NAMES.get(r["metric"], r["metric"])
        if r["metric"] == headline:
            row[f"{name} A"], row[f"{name} B"] = r["a"], r["b"]
        if shown is not None and r["metric"] not in shown:
            continue
        row[f"{name}: A − B"] = difference_text(r)
        row[f"_verdict {name}"] = r["verdict"]  # not shown: the class of the cell before
        classes[f"{name}: A − B"] = f"_verdict {name}"
    rows = list(wide.values())
    columns = [c for c in (rows[0] if rows else {}) if not c.startswith("_")]
    headers = {"fraud_score_cutoff": "fraud_score ≥"}
    return [
        '<div class="compare"><p class="caption">A against B</p>',
        table(rows, columns, headers, classes),
        "</div>",
    ]


def difference_text(row: dict[str, Any]) -> str:
    """ "+0.004 [-0.003, +0.010] within noise": the difference, its interval, the verdict."""
    if row.get("difference") is None:
        return "–"
    return f"{row['difference']:+.3f} {interval_text(row)} {row.get('verdict') or ''}".strip()


def _method_note(compare: dict | None) -> str:
    if not compare:
        return ""
    m = compare["method"]
    return (
        f'<p class="muted">Comparison method: {esc(m["resampling"])}, {fmt(m["replicates"])} '
        f"replicates, seed {m['seed']}; {esc(m['interval'])}. Creators in a slice are "
        "resampled with the same weights as everywhere else; a slice's macro-F1 averages over "
        "the classes present in it.</p>"
    )


def _plot(out_dir: Path, name: str, alt: str) -> str:
    path = out_dir / name
    if not path.exists():
        return f'<p class="muted">{esc(alt)}: no plot</p>'
    return embedded_png(path.read_bytes(), alt)


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.3f}"


def _label_counts(labels: dict[str, int] | None) -> str | None:
    if not labels:
        return None
    total = sum(labels.values())
    return f"{fmt(total)}: " + ", ".join(f"{k} {fmt(v)}" for k, v in labels.items())
