"""The routes of CONTRACT.md §4 answer as documented: liveness, readiness, model info, one score
with every §3 field, and Prometheus metrics that move when a creator is scored."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import math
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from creator_audit.schema import LABELS
from scoring.scores import score_rows
from serving.dependencies import serving_model
from tests.serving.conftest import MakeClient

SCORE_FIELDS = {
    "creator_id",
    "label",
    "probabilities",
    "fraud_score",
    "reasons",
    "model_version",
    "coverage",
    "snapshot_at",
    "snapshot_source",
    "excluded_posts",
}


def scrape(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(metrics: dict, name: str, **labels: str) -> float:
    return metrics.get((name, frozenset(labels.items())), 0.0)


def test_healthz_answers(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_200_with_a_model(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["model_version"] == "A"


@pytest.mark.parametrize("broken", ["missing", "garbage"])
def test_without_a_loadable_model_readyz_and_scoring_are_503(
    make_client: MakeClient, tmp_path: Path, small_body: dict[str, Any], broken: str
) -> None:
    path = tmp_path / f"{broken}.bundle"
    if broken == "garbage":
        path.write_bytes(b"this is not a model bundle\x00\x01")
    client = make_client(model_uri=path)
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "failed"
    assert f"new model from {path} not loaded (" in ready.json()["detail"]
    assert "\n" not in ready.json()["detail"]
    assert client.post("/v1/score", json=small_body).status_code == 503
    assert client.post("/v1/score/batch", json={"items": [small_body]}).status_code == 503
    assert client.get("/v1/model").status_code == 503


def test_model_info_names_version_features_and_labels(
    client: TestClient, models: SimpleNamespace, bundles: SimpleNamespace
) -> None:
    response = client.get("/v1/model")
    assert response.status_code == 200
    info = response.json()
    assert info["version"] == "A"
    assert info["name"] == "creator-fraud-test"
    assert info["features"] == models.a.feature_names
    assert info["labels"] == list(LABELS)
    assert info["uri"] == "model-a.bundle"  # the bundle's name: the server's paths stay its own
    assert str(bundles.a.parent) not in response.text
    assert info["missing_models"] == []  # model A carries both


def test_model_info_names_the_missing_models_and_how_to_get_them(
    make_client: MakeClient, models: SimpleNamespace, tmp_path: Path
) -> None:
    bare = dataclasses.replace(models.a, account_model=None, comment_model=None)
    client = make_client(model_uri=bare.save(tmp_path / "bare.bundle"))
    missing = client.get("/v1/model").json()["missing_models"]
    assert [m["model"] for m in missing] == ["account-authenticity", "comment-authenticity"]
    assert "sample_fake_share" in missing[0]["cannot_see"]
    assert "comment_spam_share" in missing[1]["cannot_see"]
    assert missing[0]["how_to_get"].startswith("creator-audit data fetch, then creator-audit acc")
    assert "creator-audit comments train" in missing[1]["how_to_get"]


def test_score_carries_every_contract_field(
    client: TestClient, small_body: dict[str, Any], feature_table: pd.DataFrame
) -> None:
    response = client.post("/v1/score", json=small_body)
    assert response.status_code == 200, response.text
    score = response.json()
    assert set(score) == SCORE_FIELDS
    creator_id = small_body["creator"]["creator_id"]
    assert score["creator_id"] == creator_id
    assert score["model_version"] == "A"
    probabilities = score["probabilities"]
    assert list(probabilities) == list(LABELS)
    assert all(0.0 <= p <= 1.0 for p in probabilities.values())
    assert math.isclose(sum(probabilities.values()), 1.0, abs_tol=1e-9)
    assert score["label"] == max(probabilities, key=probabilities.__getitem__)
    assert isinstance(score["fraud_score"], int)
    assert score["fraud_score"] == math.floor(100 * (1 - probabilities["genuine"]) + 0.5)
    reasons = score["reasons"]
    assert 0 < len(reasons) <= 5
    for reason in reasons:
        assert set(reason) == {"feature", "value", "contribution", "note", "text"}
        assert reason["text"].endswith(("points to fraud.", "points to a genuine account."))
        assert reason["feature"] in feature_table.columns
        expected = feature_table.loc[creator_id, reason["feature"]]
        if pd.isna(expected):
            assert reason["value"] is None
        else:
            assert reason["value"] == pytest.approx(expected, rel=1e-12, abs=1e-12)
        assert reason["contribution"] != 0.0
    strengths = [abs(r["contribution"]) for r in reasons]
    assert strengths == sorted(strengths, reverse=True)


@pytest.mark.parametrize("n", [0, 2])
def test_reasons_setting_caps_the_reasons(
    make_client: MakeClient, small_body: dict[str, Any], n: int
) -> None:
    score = make_client(reasons=n).post("/v1/score", json=small_body).json()
    assert len(score["reasons"]) == n


def test_a_request_may_ask_for_fewer_or_no_reasons(
    client: TestClient, small_body: dict[str, Any]
) -> None:
    full = client.post("/v1/score", json=small_body).json()
    none = client.post("/v1/score?reasons=0", json=small_body).json()
    two = client.post("/v1/score?reasons=2", json=small_body).json()
    assert none["reasons"] == [] and two["reasons"] == full["reasons"][:2]
    assert none["probabilities"] == full["probabilities"] == two["probabilities"]
    batch = client.post("/v1/score/batch?reasons=1", json={"items": [small_body] * 2}).json()
    assert [s["reasons"] for s in batch["scores"]] == [full["reasons"][:1]] * 2
    refused = client.post("/v1/score?reasons=-1", json=small_body)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["query", "reasons"]


def test_metrics_count_requests_latency_labels_and_fraud_scores(
    client: TestClient, small_body: dict[str, Any]
) -> None:
    before = scrape(client)
    response = client.post("/v1/score", json=small_body)
    assert response.status_code == 200
    score = response.json()
    bad = client.post("/v1/score", json={"creator": {}})
    assert bad.status_code == 422
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    route = {"route": "/v1/score"}
    assert delta("creator_audit_requests_total", method="POST", status="200", **route) == 1
    assert delta("creator_audit_requests_total", method="POST", status="422", **route) == 1
    assert delta("creator_audit_request_errors_total", status="422", **route) == 1
    assert delta("creator_audit_request_errors_total", status="200", **route) == 0
    assert delta("creator_audit_request_seconds_count", **route) == 2
    assert delta("creator_audit_request_seconds_sum", **route) > 0
    assert delta("creator_audit_request_seconds_bucket", le="+Inf", **route) == 2
    assert delta("creator_audit_predicted_label_total", label=score["label"]) == 1
    for other in set(LABELS) - {score["label"]}:
        assert delta("creator_audit_predicted_label_total", label=other) == 0
    assert delta("creator_audit_fraud_score_count") == 1
    assert delta("creator_audit_fraud_score_sum") == score["fraud_score"]
    assert value(after, "creator_audit_model_loaded", version="A") == 1
    # A batch counts every scored item once, under the batch route.
    client.post("/v1/score/batch", json={"items": [small_body, small_body]})
    batch = scrape(client)
    scored = "creator_audit_fraud_score_count"
    assert value(batch, scored) - value(after, scored) == 2
    batch_route = {"route": "/v1/score/batch", "method": "POST", "status": "200"}
    assert value(batch, "creator_audit_requests_total", **batch_route) == 1


class _LoadingHolder:
    """A worker's model holder whose first load ends after ``seconds`` (None: never)."""

    def __init__(self, seconds: float | None, fails: bool = False) -> None:
        self.current = None
        self.first_load_pending = not fails
        if seconds is not None:
            threading.Timer(seconds, self._loaded).start()

    def _loaded(self) -> None:
        self.current = "the model"
        self.first_load_pending = False


def _service(holder: _LoadingHolder, wait: float) -> SimpleNamespace:
    return SimpleNamespace(holder=holder, settings=SimpleNamespace(warmup_wait_seconds=wait))


def test_a_worker_still_loading_holds_a_request_until_its_model_is_in() -> None:
    """Another worker may have answered /readyz already: this one waits for its own load."""
    started = time.monotonic()
    assert asyncio.run(serving_model(_service(_LoadingHolder(0.3), wait=5))) == "the model"
    assert time.monotonic() - started < 4


@pytest.mark.parametrize(("holder", "most"), [("slow", 2.0), ("failed", 0.5)])
def test_no_model_within_the_warm_up_wait_or_a_failed_load_is_503(holder: str, most: float) -> None:
    fake = _LoadingHolder(None) if holder == "slow" else _LoadingHolder(None, fails=True)
    started = time.monotonic()
    with pytest.raises(HTTPException) as refused:
        asyncio.run(serving_model(_service(fake, wait=0.3)))
    assert refused.value.status_code == 503
    assert time.monotonic() - started < most
    if holder == "slow":
        assert time.monotonic() - started >= 0.3


def _with_reference(model: Any, features: pd.DataFrame) -> Any:
    """A copy of ``model`` whose drift reference is ``features`` and its predictions on them."""
    from scoring.drift import DriftReference

    watched = copy.copy(model)
    scores = score_rows(watched, features.index, watched.matrix(features), n_reasons=0)
    watched.drift_reference = DriftReference.fit(
        watched.feature_names,
        watched.matrix(features),
        [s.label for s in scores],
        np.array([s.fraud_score for s in scores], dtype=np.float64),
        watched.labels,
    )
    return watched


def test_drift_gauges_describe_the_recent_window(
    make_client: MakeClient,
    models: SimpleNamespace,
    feature_table: pd.DataFrame,
    sample: SimpleNamespace,
    tmp_path: Path,
) -> None:
    """After enough creators the API exports each feature's PSI against the model's reference:
    the figures ``creator-audit monitor`` computes for the same creators."""
    from scoring.drift import compare

    model = _with_reference(models.a, feature_table)
    client = make_client(model.save(tmp_path / "watched.bundle"), drift_window=50)
    ids = [c for c in sample.ids if sample.bodies[c]["posts"]]
    sent = (ids * 20)[:100]
    for start in range(0, len(sent), 10):  # in batches small enough for the body limit
        batch = {"items": [sample.bodies[c] for c in sent[start : start + 10]]}
        assert client.post("/v1/score/batch", json=batch).status_code == 200
    metrics = scrape(client)
    assert value(metrics, "creator_audit_drift_window_creators") == 50
    window = feature_table.loc[sent[-50:]]  # the window keeps the latest creators
    scores = score_rows(model, window.index, model.matrix(window), n_reasons=0)
    offline = compare(
        model.drift_reference,
        model.feature_names,
        model.matrix(window),
        [s.label for s in scores],
        np.array([s.fraud_score for s in scores], dtype=np.float64),
    )
    for feature in ("likes_per_follower_mean", "sample_fake_share", "posting_gap_cv"):
        psi = value(metrics, "creator_audit_feature_psi", feature=feature)
        assert psi == pytest.approx(offline.features[feature]["psi"], abs=1e-4), feature
    assert value(metrics, "creator_audit_prediction_psi", what="fraud_score") == pytest.approx(
        offline.predictions["fraud_score_psi"], abs=1e-4
    )
    assert value(metrics, "creator_audit_drifted") == float(offline.drifted)


def test_a_model_without_a_reference_exports_no_drift(client: TestClient, small_body) -> None:
    for _ in range(12):
        answer = client.post("/v1/score/batch", json={"items": [small_body] * 10})
        assert answer.status_code == 200
    metrics = scrape(client)
    assert value(metrics, "creator_audit_drift_window_creators") == 0
    assert not any(name == "creator_audit_feature_psi" for name, _ in metrics)
