"""Replacing the model under load: no request fails, every answer comes whole from model A or
model B (never a mix), and a broken bundle leaves the old model serving, also in a worker that
starts afterwards."""

from __future__ import annotations

import dataclasses
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.creator_scoring import score_requests
from serving.holder import ModelHolder
from serving.last_good import LastGoodModel
from serving.schemas import ScoreRequest
from tests.pickled_bundles import evil_payload, write_pickled_bundle
from tests.serving.conftest import MakeClient

ADMIN = "hot-swap-admin-key"
N_REQUESTS, SWAP_AFTER, AFTER_SWAP = 200, 50, 40
N_BODIES = 6


def replace_file(source: Path, target: Path) -> None:
    """Atomic replacement, as a deploy would do it: a full copy beside, then os.replace."""
    tmp = target.with_name(target.name + ".tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def reload(client: TestClient, force: bool = False) -> dict[str, Any]:
    response = client.post(
        "/v1/admin/reload", params={"force": str(force).lower()}, headers={"X-API-Key": ADMIN}
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def live(bundles: SimpleNamespace, tmp_path: Path) -> Path:
    path = tmp_path / "live" / "model.bundle"
    path.parent.mkdir()
    shutil.copyfile(bundles.a, path)
    return path


@pytest.fixture(scope="module")
def swap_bodies(sample: SimpleNamespace) -> list[dict[str, Any]]:
    """Sample bodies cut to a few posts (and their engagements), so 200 requests stay quick."""
    out = []
    for body in [b for b in sample.bodies.values() if b["posts"]][:N_BODIES]:
        cut = dict(body, posts=body["posts"][:12])
        kept = {p["post_id"] for p in cut["posts"]}
        events = [e for e in body.get("engagements", ()) if e["post_id"] in kept][:200]
        cut.pop("engagements", None)
        if events:
            cut["engagements"] = events
        out.append(cut)
    return out


@pytest.fixture(scope="module")
def answers(models: SimpleNamespace, swap_bodies: list[dict]) -> dict[str, list[dict]]:
    """What each model answers for each body, computed without the service."""
    out = {}
    for version, model in (("A", models.a), ("B", models.b)):
        requests = [ScoreRequest.model_validate(b) for b in swap_bodies]
        out[version] = [score_requests(model, [r], n_reasons=5)[0].as_dict() for r in requests]
    # Different models must give different answers, or "no mixed answers" proves nothing.
    for a, b in zip(out["A"], out["B"], strict=True):
        assert a["probabilities"] != b["probabilities"]
    return out


def test_swap_under_load_never_fails_or_mixes_models(
    make_client: MakeClient,
    live: Path,
    bundles: SimpleNamespace,
    swap_bodies: list[dict],
    answers: dict[str, list[dict]],
) -> None:
    client = make_client(model_uri=live, admin_key=ADMIN)
    assert client.get("/v1/model").json()["version"] == "A"
    done_before_swap = threading.Semaphore(0)
    swapped = threading.Event()
    results: list[tuple[int, int, Any]] = []
    lock = threading.Lock()

    def fire(i: int) -> None:
        if i >= N_REQUESTS - AFTER_SWAP:
            # The last requests start only once the reload has answered: they must all be B.
            assert swapped.wait(timeout=60)
        which = i % len(swap_bodies)
        response = client.post("/v1/score", json=swap_bodies[which])
        body = response.json() if response.status_code == 200 else response.text
        with lock:
            results.append((i, response.status_code, body))
        done_before_swap.release()

    def swap() -> dict[str, Any]:
        for _ in range(SWAP_AFTER):
            assert done_before_swap.acquire(timeout=60)
        replace_file(bundles.b, live)
        try:
            return reload(client)
        finally:
            swapped.set()

    with ThreadPoolExecutor(max_workers=8) as pool, ThreadPoolExecutor(max_workers=1) as admin:
        reloaded = admin.submit(swap)
        futures = [pool.submit(fire, i) for i in range(N_REQUESTS)]
        for future in futures:
            future.result()
        outcome = reloaded.result()

    assert outcome["swapped"] is True and outcome["version"] == "B"
    assert len(results) == N_REQUESTS
    failed = [(i, status) for i, status, _ in results if status != 200]
    assert failed == []
    versions = {"A": 0, "B": 0}
    for i, _, score in results:
        version = score["model_version"]
        assert version in versions
        versions[version] += 1
        expected = answers[version][i % len(swap_bodies)]
        assert score == expected, f"request {i} answered a mix of models"
        if i >= N_REQUESTS - AFTER_SWAP:
            assert version == "B"
    assert versions["A"] >= SWAP_AFTER and versions["B"] >= AFTER_SWAP
    info = client.get("/v1/model").json()
    assert info["version"] == "B"
    assert client.get("/readyz").json()["model_version"] == "B"


def test_broken_bundle_leaves_the_old_model_serving(
    make_client: MakeClient,
    live: Path,
    bundles: SimpleNamespace,
    swap_bodies: list[dict],
    answers: dict[str, list[dict]],
) -> None:
    client = make_client(model_uri=live, admin_key=ADMIN)
    assert reload(client) == {"swapped": False, "version": "A", "message": "model unchanged"}

    garbage = live.with_name("garbage.bin")
    garbage.write_bytes(os.urandom(2048))
    replace_file(garbage, live)
    for force in (False, True):
        outcome = reload(client, force=force)
        assert outcome["swapped"] is False
        assert outcome["version"] == "A"
        assert "not loaded" in outcome["message"]
        assert client.get("/v1/model").json()["version"] == "A"
        assert client.get("/readyz").status_code == 200
        response = client.post("/v1/score", json=swap_bodies[0])
        assert response.status_code == 200
        assert response.json() == answers["A"][0]
    metrics = client.get("/metrics").text
    assert 'creator_audit_model_reloads_total{outcome="failed"} 2.0' in metrics
    assert 'creator_audit_model_loaded{version="A"} 1.0' in metrics

    # A valid bundle put back afterwards is picked up.
    replace_file(bundles.b, live)
    assert reload(client) == {
        "swapped": True,
        "version": "B",
        "message": "serving version B (was A)",
    }
    assert client.post("/v1/score", json=swap_bodies[0]).json() == answers["B"][0]
    metrics = client.get("/metrics").text
    assert 'creator_audit_model_loaded{version="B"} 1.0' in metrics
    assert 'version="A"' not in metrics


def test_bundle_removed_keeps_the_model_serving(
    make_client: MakeClient, live: Path, swap_bodies: list[dict], answers: dict[str, list[dict]]
) -> None:
    client = make_client(model_uri=live, admin_key=ADMIN)
    live.unlink()
    outcome = reload(client)
    assert outcome["swapped"] is False and outcome["version"] == "A"
    assert client.post("/v1/score", json=swap_bodies[1]).json() == answers["A"][1]


def test_away_from_any_store_readyz_says_where_it_looked_and_creates_nothing(
    make_client: MakeClient, tmp_path: Path
) -> None:
    client = make_client("models:/creator-fraud@champion")
    ready = client.get("/readyz")
    assert ready.status_code == 503
    detail = ready.json()["detail"]
    assert f"no tracking store at {tmp_path / 'mlflow.db'}" in detail
    assert "MLFLOW_TRACKING_URI" in detail and "--model" in detail
    assert not (tmp_path / "mlflow.db").exists()


# --- a model file that would run code when unpickled ------------------------------------------

REFUSED = "is a pickled model bundle from an older creator-audit; pickles can run code"


@pytest.fixture
def evil(tmp_path: Path) -> SimpleNamespace:
    """A pickled bundle with a valid header whose payload creates ``marker`` when unpickled."""
    marker = tmp_path / "ran"
    path = write_pickled_bundle(tmp_path / "evil.joblib", evil_payload(marker), "creator-fraud")
    return SimpleNamespace(path=path, marker=marker)


def test_a_server_started_on_a_pickled_bundle_stays_not_ready_and_runs_nothing(
    make_client: MakeClient, evil: SimpleNamespace
) -> None:
    client = make_client(model_uri=evil.path)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert f"{evil.path} {REFUSED}" in ready.json()["detail"]
    assert f"creator-audit model convert --trust {evil.path}" in ready.json()["detail"]
    assert not evil.marker.exists()


def test_a_pickled_bundle_swapped_in_is_refused_by_reload_and_by_the_poll(
    make_client: MakeClient,
    live: Path,
    evil: SimpleNamespace,
    swap_bodies: list[dict],
    answers: dict[str, list[dict]],
) -> None:
    client = make_client(model_uri=live, admin_key=ADMIN)
    polled = ModelHolder(str(live))  # what the poll calls: a reload when the file changed
    assert polled.reload().swapped
    replace_file(evil.path, live)
    for outcome in (reload(client, force=True), vars(polled.reload())):
        assert outcome["version"] == "A" and REFUSED in outcome["message"]
    assert polled.current is not None and polled.current.version == "A"
    assert client.post("/v1/score", json=swap_bodies[0]).json() == answers["A"][0]
    assert not evil.marker.exists()


# --- a worker started later (serving.last_good) ----------------------------------------------


def test_a_worker_started_after_a_refused_reload_serves_the_last_good_model(
    live: Path, bundles: SimpleNamespace, tmp_path: Path
) -> None:
    """Two holders on one folder are two workers of one supervisor: the first refuses a damaged
    file and keeps model A; one started afterwards (after a crash) must serve A too, not fail
    on the file and answer 503 until someone repairs it."""
    shared = LastGoodModel(tmp_path / "supervisor")
    running = ModelHolder(str(live), last_good=shared)
    assert running.reload(force=True).version == "A"
    garbage = live.with_name("garbage.bin")
    garbage.write_bytes(os.urandom(2048))
    replace_file(garbage, live)
    assert running.reload().outcome == "failed"

    started_later = ModelHolder(str(live), last_good=shared)
    first = started_later.reload(force=True)
    assert (first.outcome, first.version) == ("swapped", "A")
    assert started_later.not_ready() is None
    assert started_later.reload().outcome == "failed"  # the file is still damaged: A stays

    replace_file(bundles.b, live)  # repaired: both move on, and so does the record
    assert running.reload().version == started_later.reload().version == "B"
    assert ModelHolder(str(live), last_good=shared).reload(force=True).version == "B"
    assert len(list(shared.folder.glob("bundle-*"))) == 1  # A's copy is gone


def test_a_worker_started_later_serves_what_the_others_serve(
    live: Path, bundles: SimpleNamespace, tmp_path: Path
) -> None:
    """A file replaced but not reloaded yet: a new worker starts on the model the others serve,
    and takes the new one with them, at the next poll or reload."""
    shared = LastGoodModel(tmp_path / "supervisor")
    assert ModelHolder(str(live), last_good=shared).reload(force=True).version == "A"
    replace_file(bundles.b, live)
    started_later = ModelHolder(str(live), last_good=shared)
    assert started_later.reload(force=True).version == "A"
    assert started_later.reload().version == "B"


def test_a_lost_copy_of_the_last_good_model_falls_back_to_the_source(
    live: Path, tmp_path: Path
) -> None:
    shared = LastGoodModel(tmp_path / "supervisor")
    assert ModelHolder(str(live), last_good=shared).reload(force=True).version == "A"
    for copy in shared.folder.glob("bundle-*"):
        copy.unlink()
    assert ModelHolder(str(live), last_good=shared).reload(force=True).version == "A"


def test_the_last_good_registry_model_is_its_version_reached_through_its_alias(
    models: SimpleNamespace, tmp_path: Path
) -> None:
    """For an alias the record names the version it pointed at (the alias may have moved on to
    one that does not load), and what loading that version cannot restore: the alias."""
    alias_uri = "models:/creator-fraud@champion"
    shared = LastGoodModel(tmp_path / "supervisor")
    identity = {"model_name": "creator-fraud", "model_version": "3", "alias": "champion"}
    shared.remember(alias_uri, alias_uri, "creator-fraud/3", {**identity, "uri": alias_uri})
    loaded_from: list[str] = []

    def load(uri: str) -> Any:
        loaded_from.append(uri)
        return dataclasses.replace(models.a, metadata={"model_version": "3"})

    started_later = ModelHolder(alias_uri, loader=load, last_good=shared)
    assert started_later.reload(force=True).swapped
    assert loaded_from == ["models:/creator-fraud/3"]
    current = started_later.current
    assert current is not None and current.source_stamp == "creator-fraud/3"
    assert current.model.metadata == {"model_version": "3", "alias": "champion", "uri": alias_uri}
