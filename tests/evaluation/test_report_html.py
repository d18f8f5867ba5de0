"""`creator-audit evaluate`'s report: report.html names what it judged, has the hard-case slice,
the baselines and the real-data check, and `--compare` gives paired bootstrap verdicts.

The bootstrap is checked on synthetic predictions (fast, exact expectations); the report on the
shared training workspace (tests/training_workspace.py), evaluated once for the whole module.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix, f1_score, roc_auc_score

from creator_audit.dataset import read_dataset
from creator_audit.schema import LABELS
from evaluation.evaluate import (
    Ranking,
    compare_evaluations,
    evaluate_predictions,
    macro_f1_from_confusion,
)
from evaluation.fingerprint import files_sha256
from evaluation.offline_evaluation import (
    evaluate_offline,
    model_identity,
    real_genuine,
    training_baselines,
)
from evaluation.report import _fmt
from evaluation.report_html import _header
from evaluation.slices import creator_slices
from scoring.missing_models import ACCOUNT, COMMENT
from scoring.store.location import configure_tracking
from scoring.store.names import CHAMPION, CREATOR_MODEL_NAME
from tests.browser import render
from tests.training_workspace import SHARED_DATA

REAL_GENUINE = SHARED_DATA / "instafake" / "nonautomated-genuine-part-a.json"
SECTIONS = (
    "What was judged",
    "Comparison",
    "Per class",
    "Confusion matrix",
    "Calibration",
    "By slice",
    "Hard case",
    "fraud_score cut-offs",
    "Baselines",
    "Real genuine accounts",
)


# --- the bootstrap, on synthetic predictions ---------------------------------------------------


def _predictions(rng: np.random.Generator, y: np.ndarray, signal: float) -> np.ndarray:
    """Class probabilities that put ``signal`` more logit on the true class."""
    logits = rng.normal(0.0, 1.0, (len(y), len(LABELS)))
    logits[np.arange(len(y)), y] += signal
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def synthetic() -> dict:
    rng = np.random.default_rng(7)
    n = 1500
    y = rng.choice(len(LABELS), n, p=[0.55, 0.15, 0.15, 0.15])
    slices = pd.DataFrame(
        {
            "follower_tier": rng.choice(["under 10K", "10K-100K", "over 100K"], n),
            "hard_case": np.where(y == 0, rng.choice(["none", "viral"], n), "partial"),
        }
    )
    strong = evaluate_predictions(list(LABELS), y, _predictions(rng, y, 3.0), slices)
    weak = evaluate_predictions(list(LABELS), y, _predictions(rng, y, 0.8), slices)
    return {"y": y, "strong": strong, "weak": weak}


def _all_rows(found: dict) -> list[dict]:
    return [r for key in ("overall", "per_class", "slices", "thresholds") for r in found[key]]


def test_macro_f1_from_confusion_counts_equals_sklearn() -> None:
    rng = np.random.default_rng(1)
    for absent in (None, 2):  # every class present; one class never true nor predicted
        y = rng.integers(0, 4, 500)
        pred = np.where(rng.random(500) < 0.7, y, rng.integers(0, 4, 500))
        if absent is not None:
            y, pred = np.where(y == absent, 0, y), np.where(pred == absent, 1, pred)
        counts = confusion_matrix(y, pred, labels=range(4))
        expected = f1_score(y, pred, labels=range(4), average="macro", zero_division=0)
        assert macro_f1_from_confusion(counts) == pytest.approx(expected, abs=1e-12)
        present = np.unique(y)
        expected = f1_score(y, pred, labels=present, average="macro", zero_division=0)
        assert macro_f1_from_confusion(counts, present) == pytest.approx(expected, abs=1e-12)


def test_point_estimates_from_weighted_counts_equal_the_metrics(synthetic) -> None:
    """Row 0 of the bootstrap (weight 1 each) is the data itself: the same figures as
    classification_metrics and slice_metrics compute with sklearn."""
    strong, weak = synthetic["strong"], synthetic["weak"]
    found = compare_evaluations(strong, weak, replicates=50)
    overall = {r["metric"]: r for r in found["overall"]}
    for metric in ("macro_f1", "accuracy", "roc_auc_ovr", "ece"):
        assert overall[metric]["a"] == pytest.approx(strong.metrics[metric], abs=1e-12)
        assert overall[metric]["b"] == pytest.approx(weak.metrics[metric], abs=1e-12)
    by_slice = {(s["slice"], s["value"]): s for s in strong.metrics["slices"]}
    for row in found["slices"]:
        expected = by_slice[(row["slice"], row["value"])][row["metric"]]
        assert row["a"] == pytest.approx(expected, abs=1e-12)
    cutoffs = {t["fraud_score_cutoff"]: t for t in strong.metrics["thresholds"]}
    for row in found["thresholds"]:
        assert row["a"] == pytest.approx(cutoffs[row["fraud_score_cutoff"]][row["metric"]])


def test_weighted_auc_equals_sklearn_with_weights_and_ties() -> None:
    rng = np.random.default_rng(3)
    score = np.round(rng.random(400), 1)  # many ties
    positive = rng.random(400) < score
    weights = rng.poisson(1.0, (3, 400)).astype(float)
    got = Ranking.of(score, positive).auc(weights)
    for row, w in zip(got, weights, strict=True):
        assert row == pytest.approx(roc_auc_score(positive, score, sample_weight=w), abs=1e-12)


def test_identical_models_are_within_noise_everywhere(synthetic) -> None:
    found = compare_evaluations(synthetic["strong"], synthetic["strong"], replicates=200)
    rows = _all_rows(found)
    assert rows
    for row in rows:
        assert row["verdict"] in ("within noise", None), row
        if row["low"] is not None:
            assert row["low"] <= 0 <= row["high"], row


def test_a_clearly_better_model_is_better_overall_and_the_weaker_worse(synthetic) -> None:
    strong, weak = synthetic["strong"], synthetic["weak"]
    better = {r["metric"]: r for r in compare_evaluations(strong, weak, replicates=200)["overall"]}
    worse = {r["metric"]: r for r in compare_evaluations(weak, strong, replicates=200)["overall"]}
    for metric in ("macro_f1", "accuracy", "roc_auc_ovr"):
        assert better[metric]["verdict"] == "better"
        assert better[metric]["low"] > 0
        assert worse[metric]["verdict"] == "worse"
    assert better["genuine_flagged"]["verdict"] == "better"  # lower is better there


def test_bootstrap_is_seeded_and_pairs_the_resamples(synthetic) -> None:
    strong, weak = synthetic["strong"], synthetic["weak"]
    assert compare_evaluations(strong, weak, replicates=100) == compare_evaluations(
        strong, weak, replicates=100
    )
    # Paired: a model against a copy with one changed prediction differs by little, while
    # independent resamples would spread the difference of two equal models widely.
    proba = strong.proba.copy()
    proba[0] = proba[0][::-1]
    nudged = evaluate_predictions(strong.labels, strong.y, proba, strong.slices)
    overall = compare_evaluations(strong, nudged, replicates=200)["overall"][0]
    assert overall["high"] - overall["low"] < 0.01


def test_evaluations_of_different_creators_are_not_compared(synthetic) -> None:
    strong = synthetic["strong"]
    other = replace(strong, y=np.roll(strong.y, 1))
    with pytest.raises(ValueError, match="not of the same labelled creators"):
        compare_evaluations(strong, other)


def test_markdown_numbers_print_counts_as_integers() -> None:
    assert _fmt(2200.0) == "2,200"
    assert _fmt(2200) == "2,200"
    assert _fmt(np.int64(600)) == "600"
    assert _fmt(0.91234567) == "0.9123"
    assert _fmt(float("nan")) == "–"


def test_the_report_warns_of_the_models_the_judged_model_scores_without() -> None:
    bare = SimpleNamespace(
        metadata={},
        feature_names=["likes_cv", "sample_fake_share", "comment_spam_share"],
        account_model=None,
        comment_model=object(),
    )
    identity = model_identity(bare, "models/bare.bundle")
    assert identity["missing_models"] == [ACCOUNT.as_dict()]  # what metrics.json records
    figures = {"n": 10, "macro_f1": 0.5, "accuracy": 0.5, "roc_auc_ovr": 0.5}
    header = "".join(_header({**figures, "model": identity}, "bare"))
    assert f'<p class="warning">{ACCOUNT.sentence()}</p>' in header
    assert COMMENT.sentence() not in header
    assert "warning" not in "".join(_header(figures, "no model identity"))


# --- the slices ------------------------------------------------------------------------------


def test_hard_case_slice_comes_from_the_labels(workspace) -> None:
    ds = read_dataset(workspace.holdout)
    slices = creator_slices(ds)
    labels = ds.labels.set_index("creator_id")["hard_case"]
    assert (slices.loc[labels.index, "hard_case"] == labels).all()
    dropped = ds.labels["creator_id"].iloc[:10]
    partly = creator_slices(replace(ds, labels=ds.labels.iloc[10:]))
    assert (partly.loc[dropped, "hard_case"] == "unlabelled").all()
    without = replace(ds, labels=ds.labels.drop(columns="hard_case"))
    assert "hard_case" not in creator_slices(without)


# --- the report, on the workspace's models ---------------------------------------------------


@pytest.fixture(scope="module")
def report(workspace, tmp_path_factory) -> dict:
    """The champion evaluated on the holdout against the weak model, once for this module."""
    out = tmp_path_factory.mktemp("report")
    weak_uri = f"models:/{CREATOR_MODEL_NAME}/{workspace.weak.decision.version}"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(workspace.root)
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        evaluate_offline(
            workspace.holdout,
            f"models:/{CREATOR_MODEL_NAME}@{CHAMPION}",
            out,
            compare_uri=weak_uri,
            log=lambda _: None,
        )
    return {
        "out": out,
        "metrics": json.loads((out / "metrics.json").read_text()),
        "html": (out / "report.html").read_text(),
        "md": (out / "report.md").read_text(),
        "workspace": workspace,
    }


def test_report_html_is_one_self_contained_file(report) -> None:
    html = report["html"]
    assert (
        html.count('src="data:image/png;base64,') == 3
    )  # confusion, precision-recall, reliability
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)  # nothing fetched
    assert "<link" not in html and "<script" not in html


def test_report_names_model_version_run_and_data(report) -> None:
    ws, m = report["workspace"], report["metrics"]
    model, data = m["model"], m["data"]
    assert model["model_name"] == CREATOR_MODEL_NAME
    assert model["model_version"] == ws.second.decision.version
    assert model["alias"] == CHAMPION
    assert model["run_id"] == ws.second.run_id
    assert model["training_data_sha256"] == files_sha256(ws.data)
    assert data["sha256"] == files_sha256(ws.holdout)
    assert data["path"] == str(ws.holdout)
    assert data["same_as_training"] is False
    assert model["missing_models"] == []  # the workspace's models carry both
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", m["evaluated_at"])
    for text in (report["html"], report["md"]):
        for value in (ws.second.run_id, model["training_data_sha256"], data["sha256"]):
            assert value in text
        assert f"{CREATOR_MODEL_NAME} v{ws.second.decision.version} ({CHAMPION})" in text


def test_metrics_json_keeps_the_contract_and_has_hard_cases_and_calibration(report) -> None:
    m = report["metrics"]
    for key in ("macro_f1", "accuracy", "roc_auc_ovr", "per_class", "confusion", "n"):
        assert key in m
    hard = {s["value"]: s for s in m["slices"] if s["slice"] == "hard_case"}
    assert {"none", "partial", "viral"} <= set(hard)
    assert "unlabelled" not in hard
    assert sum(s["n"] for s in hard.values()) == m["n"]
    bins = m["calibration"]
    assert sum(b["n"] for b in bins) == m["n"]
    assert all(b["low"] <= b["mean_confidence"] <= b["high"] for b in bins)


def test_comparison_has_intervals_and_verdicts_on_every_table(report) -> None:
    ws, found = report["workspace"], report["metrics"]["comparison"]
    weak_uri = f"models:/{CREATOR_MODEL_NAME}/{ws.weak.decision.version}"
    assert found["models"] == [f"models:/{CREATOR_MODEL_NAME}@{CHAMPION}", weak_uri]
    first = found["rows"][0]  # the existing keys stay
    assert first["slice"] == "overall" and first["winner"] != weak_uri
    assert first["verdict"] == "better"  # the champion against a one-tree model
    assert {r["slice"] for r in found["rows"]} >= {"overall", "hard_case", "follower_tier"}
    for key in ("overall", "per_class", "slices", "thresholds"):
        assert found[key], key
        for row in found[key]:
            if row["low"] is not None:
                assert row["low"] <= row["difference"] <= row["high"], row
    assert found["compared_model"]["model_version"] == ws.weak.decision.version
    assert "A against B" in report["html"] and "Against B:" in report["md"]


def test_report_sets_the_training_baselines_beside_the_model(report) -> None:
    baselines = report["metrics"]["training_baselines"]
    assert set(baselines["models"]) == {"rules", "logistic"}
    assert baselines["run_id"] == report["workspace"].second.run_id
    assert "this model (same split)" in baselines["this_model"]
    assert "logistic" in report["html"] and "on its own held-out test split" in report["html"]


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_GENUINE.exists(), reason="real data folder absent")
def test_report_gives_the_real_genuine_flagged_share(report) -> None:
    check = report["metrics"]["real_genuine"]
    assert check["n"] == 350
    assert 0 <= check["flagged_share"] <= 1
    assert sum(check["predicted"].values()) == 350
    assert "of 350 real genuine accounts flagged as fraud" in report["html"]


def test_missing_baselines_and_real_data_are_said_not_hidden(workspace, monkeypatch) -> None:
    monkeypatch.chdir(workspace.root)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    configure_tracking()
    assert "no training run" in training_baselines(None)["unavailable"]
    assert (
        "cannot read runs:/0123456789abcdef"
        in (training_baselines("0123456789abcdef")["unavailable"])
    )
    monkeypatch.setenv("CREATOR_AUDIT_SHARED_DATA", str(workspace.root / "nowhere"))
    assert "not at" in real_genuine(workspace.first.model)["skipped"]


def test_report_md_prints_counts_without_decimals(report) -> None:
    assert not re.search(r"[1-9]\d*\.0000\b", report["md"])
    support = report["metrics"]["per_class"]["genuine"]["support"]
    assert f"| {support:,} |" in report["md"]


def test_report_renders_in_a_browser(report, tmp_path: Path) -> None:
    shown = render(report["out"] / "report.html")
    (tmp_path / "report.png").write_bytes(shown.screenshot)
    assert shown.images == shown.images_loaded > 0
    assert shown.errors == []
    assert shown.external_requests == []
    version = report["workspace"].second.decision.version
    assert f"{CREATOR_MODEL_NAME} v{version}" in shown.text
    for heading in SECTIONS:
        assert heading in shown.text, heading
    assert len(shown.screenshot) > 10_000
