"""Schemathesis against a live server (``benchmarks/schemathesis_live.py``): a real
``creator-audit serve`` over TCP, every route of its own OpenAPI document fuzzed with valid and
invalid requests, with keys and an account model, and without either (two servers, not four: each
costs ~20 s); no answer may be a 5xx, or have a status, content type or body the document does not
promise.

Without an account model, the creator model carries none and none is configured, so
``/v1/accounts/score`` answers 503 (which must be documented too). Without keys, the document lists
none, so no 401 may be documented and none is answered.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pytest

from scoring.account_model import AccountModel
from tests.serving.conftest import benchmark_module

EXAMPLES = 15  # per route and mode: ~170 cases per server, ~10 s


@pytest.mark.parametrize(
    ("keys", "with_account_model"),
    [(True, True), (False, False)],
    ids=["keys-and-account-model", "neither"],
)
def test_live_server_answers_as_documented(
    keys: bool,
    with_account_model: bool,
    models: SimpleNamespace,
    account_model: AccountModel,
    tmp_path: Path,
) -> None:
    live = benchmark_module("schemathesis_live")
    if with_account_model:
        creator, accounts = models.a, str(account_model.save(tmp_path / "accounts.bundle"))
    else:
        creator, accounts = dataclasses.replace(models.a, account_model=None), None
    bundle = str(creator.save(tmp_path / "creator.bundle"))
    with live.live_server(bundle, accounts, tmp_path, keys) as url:
        figures = live.fuzz(url, EXAMPLES)
    print("\n" + live.report(f"account model: {accounts or 'none'}, keys: {keys}", figures))
    assert set(figures) == {
        "POST /v1/score",
        "POST /v1/score/batch",
        "POST /v1/accounts/score",
        "GET /v1/model",
        "POST /v1/admin/reload",
        "GET /healthz",
        "GET /readyz",
        "GET /metrics",
    }
    assert {route: f.failures for route, f in figures.items() if f.failures} == {}
    statuses = {route: set(f.statuses) for route, f in figures.items()}
    assert 200 in statuses["POST /v1/score"] and 422 in statuses["POST /v1/score"]
    answered_401 = {route for route, codes in statuses.items() if 401 in codes}
    protected = {r for r in figures if r.startswith(("POST /v1/", "GET /v1/"))}
    assert answered_401 == (protected if keys else set())
    if not keys:
        assert statuses["POST /v1/admin/reload"] == {403}
    unavailable = {route for route, codes in statuses.items() if 503 in codes}
    assert unavailable == (set() if with_account_model else {"POST /v1/accounts/score"})
    if with_account_model:
        assert 200 in statuses["POST /v1/accounts/score"]
