"""``creator-audit monitor``: have the creators moved away from what the model was trained on?

Scores a dataset (labels not needed) through the one feature and scoring path, compares every
feature and the predictions with the model's drift reference (``scoring.drift``), and writes
``drift.json`` (the verdict and every figure) and ``drift.html`` (the same, to look at). The
verdict is in the files; the command succeeds either way, so a scheduler can run it daily and an
alert can read ``drifted``.

Evidently (the field's well-kept drift library) was weighed and not used: it would add some
40 packages to a service that needs one statistic, computed from a reference stored in the model
bundle so it swaps with the model, and evaluated in the API's request path in microseconds.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from creator_audit.atomic import atomic_path
from creator_audit.dataset import read_dataset
from creator_audit.dataset.columnar import columnar
from evaluation.fingerprint import files_sha256
from evaluation.html import esc, figure, note, page, table, write_page
from features import feature_matrix
from scoring.drift import PSI_THRESHOLD, DriftReport, compare
from scoring.model import CreatorFraudModel
from scoring.scores import score_rows
from scoring.store.loading import load_model

TOP_FEATURES = 20


class NoReferenceError(ValueError):
    """The model was trained before drift references existed."""


def monitor(
    data_dir: str | Path, model_uri: str, out_dir: str | Path, log: Callable[[str], None] = print
) -> DriftReport:
    """Write ``drift.json`` and ``drift.html`` for ``data_dir`` against ``model_uri``'s
    reference; return the report."""
    model = load_model(model_uri)
    if model.drift_reference is None:
        raise NoReferenceError(
            f"{model_uri} carries no drift reference (trained before monitoring existed); "
            "retrain it with creator-audit train"
        )
    ds = read_dataset(data_dir)
    log(f"scoring {len(ds.creators):,} creators")
    report = drift_of(model, ds)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    about = _about(model, model_uri, data_dir)
    with atomic_path(out / "drift.json") as tmp:
        tmp.write_text(json.dumps({**report.as_dict(), **about}, indent=2))
    write_page(out / "drift.html", render_html(report, about))
    return report


def drift_of(model: CreatorFraudModel, ds: Any) -> DriftReport:
    matrix = feature_matrix(columnar(ds), model.account_model, model.comment_model)
    values = model.matrix(matrix)
    scores = score_rows(model, matrix.creator_ids.to_pylist(), values, n_reasons=0, threads=0)
    assert model.drift_reference is not None
    return compare(
        model.drift_reference,
        model.feature_names,
        values,
        [s.label for s in scores],
        np.array([s.fraud_score for s in scores], dtype=np.float64),
    )


def _about(model: CreatorFraudModel, model_uri: str, data_dir: str | Path) -> dict[str, Any]:
    meta = model.metadata
    return {
        "model": {
            "uri": model_uri,
            "name": meta.get("model_name"),
            "version": meta.get("model_version"),
            "run_id": meta.get("run_id"),
            "reference_creators": model.drift_reference.n_creators
            if model.drift_reference
            else None,
        },
        "data": {"path": str(data_dir), "sha256": files_sha256(data_dir)},
        "checked_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def render_html(report: DriftReport, about: dict[str, Any]) -> str:
    model, data = about["model"], about["data"]
    verdict = "drifted" if report.drifted else "no drift"
    css = "fraud" if report.drifted else "genuine"
    ranked = sorted(report.features.items(), key=lambda kv: -kv[1]["psi"])
    drifted = [name for name, f in ranked if f["drifted"]]
    body = [
        f"<h1>Drift: {esc(model['name'] or 'model')} v{esc(model['version'])}</h1>",
        f'<p class="verdict {css}">{verdict}</p>',
        note(
            f"{report.n_creators:,} creators from {data['path']} against the "
            f"{model['reference_creators']:,} training creators of {model['uri']}, "
            f"{about['checked_at']}. A feature or the predictions drift when their population "
            f"stability index (PSI) exceeds {PSI_THRESHOLD}."
        ),
    ]
    if not report.enough_data:
        body.append(note("Too few creators to judge: nothing is called drifted.", "fraud"))
    body += [
        "<h2>Predictions</h2>",
        _predictions_table(report),
        _predictions_figure(report),
        "<h2>Features</h2>",
        note(f"{len(drifted)} of {len(ranked)} features drifted: {', '.join(drifted) or 'none'}."),
        _psi_figure(ranked),
        table(
            [{"feature": name, **f} for name, f in ranked],
            ["feature", "psi", "drifted", "missing_reference", "missing_now"],
            {
                "psi": "PSI",
                "missing_reference": "missing (training)",
                "missing_now": "missing (now)",
            },
        ),
    ]
    return page(f"Drift – {model['name']} v{model['version']}", body)


def _predictions_table(report: DriftReport) -> str:
    p = report.predictions
    rows = [
        {"what": "predicted labels", "psi": p["label_psi"]},
        {"what": "fraud_score bands", "psi": p["fraud_score_psi"]},
    ]
    return table(rows, ["what", "psi"], {"what": "", "psi": "PSI"})


def _predictions_figure(report: DriftReport) -> str:
    p = report.predictions
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    labels = list(p["label_shares_reference"])
    x = np.arange(len(labels))
    left.bar(x - 0.2, [p["label_shares_reference"][k] for k in labels], 0.4, label="training")
    left.bar(x + 0.2, [p["label_shares_now"][k] for k in labels], 0.4, label="now")
    left.set_xticks(x, labels, rotation=20, ha="right")
    left.set_ylabel("share of creators")
    left.set_title("Predicted labels")
    left.legend()
    bands = [f"{10 * i}-{10 * i + 9}" for i in range(len(p["fraud_score_bands_now"]))]
    x = np.arange(len(bands))
    right.bar(x - 0.2, p["fraud_score_bands_reference"], 0.4, label="training (held out)")
    right.bar(x + 0.2, p["fraud_score_bands_now"], 0.4, label="now")
    right.set_xticks(x, bands, rotation=45)
    right.set_xlabel("fraud_score")
    right.set_title("fraud_score bands")
    right.legend()
    return figure(fig, "predicted labels and fraud_score bands, training against now")


def _psi_figure(ranked: list[tuple[str, dict[str, Any]]]) -> str:
    top = ranked[:TOP_FEATURES][::-1]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(top) + 1.2))
    colors = ["#b42318" if f["drifted"] else "#4e79a7" for _, f in top]
    ax.barh([name for name, _ in top], [f["psi"] for _, f in top], color=colors)
    ax.axvline(PSI_THRESHOLD, color="grey", linestyle="--", label=f"threshold {PSI_THRESHOLD}")
    ax.set_xlabel("PSI")
    ax.set_title(f"The {len(top)} features that moved most")
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(loc="lower right")
    return figure(fig, "PSI per feature")
