"""Shared fixtures of the serving tests: a small generated dataset, two small real models (A and B)
saved as bundles, a request builder (dataset creator → POST /v1/score body) and an app factory.

The models are trained without MLflow: ``fit_booster`` on ``build_features`` of the generated
dataset with a stratified split, a few dozen rounds each, so the whole session costs seconds.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from creator_audit.dataset import Dataset
from creator_audit.schema import LABELS
from serving.app import create_app
from serving.client_bodies import request_body
from serving.schemas import LIST_ROW_MODELS
from serving.settings import ServiceSettings

N_SAMPLE = 20  # creators sent through the API in the comparison tests
MAX_SAMPLE_ENGAGEMENTS = 4_000  # keeps request bodies (and the tests) small


@pytest.fixture(scope="session")
def bundles(models: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("bundles")
    return SimpleNamespace(
        a=models.a.save(root / "model-a.bundle"), b=models.b.save(root / "model-b.bundle")
    )


# --- requests --------------------------------------------------------------------------------


def subset(ds: Dataset, creator_ids: list[str]) -> Dataset:
    """The rows of ``ds`` that belong to ``creator_ids`` (creators in the given order)."""
    creators = ds.creators.set_index("creator_id", drop=False).loc[creator_ids]
    posts = ds.posts[ds.posts["creator_id"].isin(creator_ids)].reset_index(drop=True)

    def owned(frame: pd.DataFrame | None, key: str, values: Any) -> pd.DataFrame | None:
        return None if frame is None else frame[frame[key].isin(values)].reset_index(drop=True)

    return Dataset(
        creators=creators.reset_index(drop=True),
        posts=posts,
        engagements=owned(ds.engagements, "post_id", posts["post_id"]),
        follower_counts=owned(ds.follower_counts, "creator_id", creator_ids),
        follower_samples=owned(ds.follower_samples, "creator_id", creator_ids),
        labels=owned(ds.labels, "creator_id", creator_ids),
    )


def _pick_sample(ds: Dataset) -> list[str]:
    """``N_SAMPLE`` creators: every label, with and without each optional table, one without posts,
    none with more than ``MAX_SAMPLE_ENGAGEMENTS`` engagement rows."""
    posts_per = ds.posts.groupby("creator_id").size()
    post_owner = ds.posts.set_index("post_id")["creator_id"]
    events_per = ds.engagements["post_id"].map(post_owner).value_counts()
    info = pd.DataFrame(index=pd.Index(ds.creators["creator_id"]))
    info["posts"] = posts_per.reindex(info.index, fill_value=0)
    info["events"] = events_per.reindex(info.index, fill_value=0)
    info["counts"] = info.index.isin(ds.follower_counts["creator_id"])
    info["samples"] = info.index.isin(ds.follower_samples["creator_id"])
    info["label"] = ds.labels.set_index("creator_id")["label"].reindex(info.index)
    info = info[info["events"] <= MAX_SAMPLE_ENGAGEMENTS].sort_index()
    chosen: list[str] = list(info.index[info["posts"] == 0][:1])
    chosen += list(info.index[(info["posts"] > 0) & (info["events"] == 0)][:2])
    chosen += list(info.index[(info["events"] > 0) & ~info["counts"]][:1])
    chosen += list(info.index[(info["events"] > 0) & ~info["samples"]][:1])
    for label in LABELS:
        rest = info[(info["label"] == label) & (info["events"] > 0) & ~info.index.isin(chosen)]
        chosen += list(
            rest.index[: (N_SAMPLE - len(chosen)) // (len(LABELS) - LABELS.index(label))]
        )
    return chosen[:N_SAMPLE]


@pytest.fixture(scope="session")
def sample(dataset: Dataset) -> SimpleNamespace:
    """A few creators of the dataset, their sub-dataset and their request bodies (timestamps as
    ints for even positions, as ISO strings for odd ones)."""
    ids = _pick_sample(dataset)
    sub = subset(dataset, ids)
    bodies = {cid: request_body(sub, cid, iso=i % 2 == 1) for i, cid in enumerate(ids)}
    return SimpleNamespace(ids=ids, dataset=sub, bodies=bodies)


@pytest.fixture(scope="session")
def small_body(sample: SimpleNamespace) -> dict[str, Any]:
    """A valid body with every table, small enough to mutate and send many times."""
    complete = [b for b in sample.bodies.values() if all(b.get(f) for f in LIST_ROW_MODELS)]
    return min(complete, key=lambda b: len(json.dumps(b)))


# --- the app ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No CREATOR_AUDIT_* variable or .env file of the machine leaks into the settings, and the
    lifespan's MLflow configuration points into a temporary directory."""
    import os

    for name in list(os.environ):
        if name.startswith("CREATOR_AUDIT_") or name.startswith("MLFLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(bundles: SimpleNamespace) -> Iterator[MakeClient]:
    """``make_client(model_uri=None, **settings)``: a started app (lifespan run) under TestClient.

    Server exceptions are not re-raised, so a 5xx shows up as a status code the test can assert.
    """
    with contextlib.ExitStack() as stack:

        def make(model_uri: str | Path | None = None, **overrides: Any) -> TestClient:
            settings = ServiceSettings(
                model_uri=str(model_uri if model_uri is not None else bundles.a),
                poll_seconds=0,
                **overrides,
            )
            app = create_app(settings)
            client = stack.enter_context(TestClient(app, raise_server_exceptions=False))
            return wait_loaded(client)

        yield make


def wait_loaded(client: TestClient, timeout: float = 60) -> TestClient:
    """``client`` once its app's start-up loads are over (the lifespan does not wait for them):
    ready, or refusing because a load failed."""
    deadline = time.monotonic() + timeout
    while client.get("/readyz").json().get("status") == "loading":
        assert time.monotonic() < deadline, f"models still loading after {timeout} s"
        time.sleep(0.01)
    return client


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client()


def benchmark_module(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` imported (a script, not a package): the tests that run a benchmark
    or share its helpers."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
