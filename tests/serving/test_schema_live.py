"""Schemathesis against a live server (``benchmarks/schemathesis_live.py``): a real
``creator-audit serve`` over TCP, every route of its own OpenAPI document fuzzed with valid and
invalid requests, with and without an account model; no answer may be a 5xx, or have a status,
content type or body the document does not promise.

Without an account model, the creator model carries none and none is configured, so
``/v1/accounts/score`` answers 503 (which must be documented too).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from scoring.account_model import AccountModel

EXAMPLES = 15  # per route and mode: ~170 cases per server, ~10 s


def _runner() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "schemathesis_live.py"
    spec = importlib.util.spec_from_file_location("schemathesis_live", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("with_account_model", [True, False], ids=["account-model", "none"])
def test_live_server_answers_as_documented(
    with_account_model: bool,
    models: SimpleNamespace,
    account_model: AccountModel,
    tmp_path: Path,
) -> None:
    live = _runner()
    if with_account_model:
        creator, accounts = models.a, str(account_model.save(tmp_path / "accounts.bundle"))
    else:
        creator, accounts = dataclasses.replace(models.a, account_model=None), None
    bundle = str(creator.save(tmp_path / "creator.bundle"))
    with live.live_server(bundle, accounts, tmp_path) as url:
        figures = live.fuzz(url, EXAMPLES)
    print("\n" + live.report(f"account model: {accounts or 'none'}", figures))
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
    assert 401 in statuses["GET /v1/model"]
    unavailable = {route for route, codes in statuses.items() if 503 in codes}
    assert unavailable == (set() if with_account_model else {"POST /v1/accounts/score"})
    if with_account_model:
        assert 200 in statuses["POST /v1/accounts/score"]
