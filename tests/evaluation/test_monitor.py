"""``creator-audit monitor``: drift of features and predictions against the model's reference."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from creator_audit.cli import app
from scoring.drift import MIN_CREATORS, PSI_THRESHOLD, DriftReference, Histogram, compare
from scoring.store.loading import load_model

LIKE_FEATURES = {"likes_per_follower_mean", "likes_per_follower_median"}


@pytest.fixture(scope="module")
def champion_bundle(workspace) -> Path:
    return workspace.root / "models" / "creator-fraud-champion.bundle"


@pytest.fixture(scope="module")
def tripled_likes(workspace, tmp_path_factory) -> Path:
    """The holdout with every post's likes multiplied by 3."""
    out = tmp_path_factory.mktemp("tripled") / "data"
    shutil.copytree(workspace.holdout, out)
    posts_file = next(out.glob("posts.*"))
    posts = pd.read_parquet(posts_file)
    posts["likes"] = posts["likes"] * 3
    posts.to_parquet(posts_file, index=False)
    return out


def _monitor(data: Path, model: Path, out: Path) -> dict:
    result = CliRunner().invoke(
        app, ["monitor", "--data", str(data), "--model", str(model), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output  # the verdict is in the file, not the status
    return json.loads((out / "drift.json").read_text())


def test_training_stores_a_reference_with_the_model(champion_bundle) -> None:
    reference = load_model(str(champion_bundle)).drift_reference
    assert reference is not None and reference.n_creators > 0
    assert set(reference.features) >= LIKE_FEATURES
    assert sum(reference.labels.values()) == pytest.approx(1.0)


def test_same_distribution_is_not_flagged(workspace, champion_bundle, tmp_path) -> None:
    drift = _monitor(workspace.holdout, champion_bundle, tmp_path / "same")
    assert drift["drifted"] is False, {k: v for k, v in drift["features"].items() if v["drifted"]}
    assert drift["threshold"] == PSI_THRESHOLD and drift["enough_data"] is True
    assert set(drift["features"]) == set(load_model(str(champion_bundle)).feature_names)
    assert drift["predictions"]["drifted"] is False
    assert drift["model"]["uri"] == str(champion_bundle) and drift["data"]["sha256"]


def test_tripled_likes_are_flagged_on_like_features(champion_bundle, tripled_likes, tmp_path):
    drift = _monitor(tripled_likes, champion_bundle, tmp_path / "tripled")
    assert drift["drifted"] is True
    flagged = {name for name, f in drift["features"].items() if f["drifted"]}
    assert flagged >= LIKE_FEATURES
    assert not any(name.startswith("sample_") for name in flagged)  # followers did not change


def test_drift_page_renders_in_a_browser(champion_bundle, tripled_likes, tmp_path) -> None:
    from tests.browser import render

    _monitor(tripled_likes, champion_bundle, tmp_path / "page")
    page = render(tmp_path / "page" / "drift.html")
    assert page.errors == [] and page.external_requests == []
    assert page.images == page.images_loaded >= 2
    assert "drifted" in page.text and "likes_per_follower_median" in page.text
    (tmp_path / "page" / "screenshot.png").write_bytes(page.screenshot)


def test_a_model_without_a_reference_is_a_clear_error(workspace, champion_bundle, tmp_path):
    model = load_model(str(champion_bundle))
    model.drift_reference = None
    old = model.save(tmp_path / "old.bundle")
    result = CliRunner().invoke(
        app, ["monitor", "--data", str(workspace.holdout), "--model", str(old), "--out", "x"]
    )
    assert result.exit_code == 2
    assert "carries no drift reference" in result.output and "retrain" in result.output


def test_psi_by_hand_and_the_missing_bin() -> None:
    edges = np.array([1.0, 2.0])
    reference = Histogram.of(np.array([0.5, 1.5, 2.5, np.nan]), edges)
    assert reference.shares == [0.25, 0.25, 0.25] and reference.missing == 0.25
    assert reference.psi(reference) == 0.0
    moved = Histogram.of(np.array([2.5, 2.5, 2.5, 2.5]), edges)
    expected = (1 - 0.25) * np.log(1 / 0.25) + 3 * (1e-4 - 0.25) * np.log(1e-4 / 0.25)
    assert reference.psi(moved) == pytest.approx(expected)


def test_too_few_creators_are_never_called_drifted() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(0, 1, (500, 1))
    reference = DriftReference.fit(["x"], values, ["genuine"] * 500, np.zeros(500), ["genuine"])
    few = values[: MIN_CREATORS - 1] + 10
    report = compare(reference, ["x"], few, ["genuine"] * len(few), np.zeros(len(few)))
    assert report.features["x"]["psi"] > PSI_THRESHOLD and not report.drifted
    many = rng.normal(0, 1, (400, 1)) + 10
    assert compare(reference, ["x"], many, ["genuine"] * 400, np.zeros(400)).drifted
