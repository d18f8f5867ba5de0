"""API keys (CONTRACT.md §4): with CREATOR_AUDIT_API_KEYS set every /v1/ route needs X-API-Key,
admin routes need CREATOR_AUDIT_ADMIN_KEY, probes and metrics stay open, keys are never logged; a
key list without a key is refused, and the OpenAPI document lists only the keys that are on."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.settings import settings_from_environment
from tests.serving.conftest import MakeClient

KEYS = ("key-one-5f0c2a9e", "key-two-8d41b7c3")
ADMIN = "admin-key-0e9a77d1"
WRONG = "wrong-key-31f6c0aa"


@pytest.fixture
def keyed(make_client: MakeClient, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """Keys from the environment, as an operator sets them (comma-separated, spaces around)."""
    monkeypatch.setenv("CREATOR_AUDIT_API_KEYS", f" {KEYS[0]} , {KEYS[1]} ,")
    monkeypatch.setenv("CREATOR_AUDIT_ADMIN_KEY", ADMIN)
    return make_client()


@pytest.mark.parametrize("route", ["/v1/score", "/v1/score/batch", "/v1/model"])
def test_v1_routes_need_a_known_key(keyed: TestClient, small_body: dict[str, Any], route: str):
    def call(headers: dict[str, str]) -> Any:
        if route == "/v1/model":
            return keyed.get(route, headers=headers)
        body = small_body if route == "/v1/score" else {"items": [small_body]}
        return keyed.post(route, json=body, headers=headers)

    assert call({}).status_code == 401
    assert call({"X-API-Key": WRONG}).status_code == 401
    assert call({"X-API-Key": ""}).status_code == 401
    assert call({"X-API-Key": KEYS[0] + "x"}).status_code == 401
    assert call({"X-API-Key": ADMIN}).status_code == 401  # the admin key is not an API key
    for key in KEYS:
        assert call({"X-API-Key": key}).status_code == 200


def test_bad_input_without_a_key_is_401_not_422(keyed: TestClient) -> None:
    assert keyed.post("/v1/score", json={"creator": {}}).status_code == 401


@pytest.mark.parametrize("route", ["/healthz", "/readyz", "/metrics"])
def test_probes_and_metrics_stay_open(keyed: TestClient, route: str) -> None:
    assert keyed.get(route).status_code == 200


def test_without_keys_configured_v1_is_open(client: TestClient, small_body: dict) -> None:
    assert client.post("/v1/score", json=small_body).status_code == 200
    assert (
        client.post("/v1/score", json=small_body, headers={"X-API-Key": WRONG}).status_code == 200
    )


def test_admin_routes_are_off_without_an_admin_key(make_client: MakeClient) -> None:
    client = make_client(api_keys=KEYS)
    for headers in ({}, {"X-API-Key": KEYS[0]}, {"X-API-Key": WRONG}):
        response = client.post("/v1/admin/reload", headers=headers)
        assert response.status_code == 403


def test_admin_reload_needs_the_admin_key(keyed: TestClient) -> None:
    for headers in ({}, {"X-API-Key": WRONG}, {"X-API-Key": KEYS[0]}, {"X-API-Key": ADMIN[:-1]}):
        assert keyed.post("/v1/admin/reload", headers=headers).status_code == 401
    response = keyed.post("/v1/admin/reload", headers={"X-API-Key": ADMIN})
    assert response.status_code == 200
    assert response.json() == {"swapped": False, "version": "A", "message": "model unchanged"}
    forced = keyed.post("/v1/admin/reload", params={"force": "true"}, headers={"X-API-Key": ADMIN})
    assert forced.status_code == 200
    assert forced.json()["swapped"] is True


def test_keys_never_appear_in_logs_or_answers(
    keyed: TestClient, small_body: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answers = []
    for key in (*KEYS, WRONG, ADMIN, None):
        headers = {} if key is None else {"X-API-Key": key}
        answers.append(keyed.post("/v1/score", json=small_body, headers=headers))
        answers.append(keyed.post("/v1/score", json={"creator": 1}, headers=headers))
        answers.append(keyed.get("/v1/model", headers=headers))
        answers.append(keyed.post("/v1/admin/reload", params={"force": "true"}, headers=headers))
    answers.append(keyed.get("/metrics"))
    # The forced reload logs ("serving version A (was A)"), so the capture is not empty.
    assert any("serving version" in r.getMessage() for r in caplog.records)
    logged = caplog.text + "\n".join(repr(r.args) for r in caplog.records)
    for secret in (*KEYS, WRONG, ADMIN):
        assert secret not in logged
        for answer in answers:
            assert secret not in answer.text


@pytest.mark.parametrize("value", [" , ", ",", " ,, ,"])
def test_commas_without_a_key_are_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """Someone meant to set keys: the service must not start with the checks silently off."""
    monkeypatch.setenv("CREATOR_AUDIT_API_KEYS", value)
    with pytest.raises(ValueError, match=r"^CREATOR_AUDIT_API_KEYS: holds commas and blanks"):
        settings_from_environment()


@pytest.mark.parametrize("value", [None, "", "  "], ids=["unset", "empty", "blank"])
def test_no_keys_at_all_still_turns_key_checks_off(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is not None:
        monkeypatch.setenv("CREATOR_AUDIT_API_KEYS", value)
    assert settings_from_environment().api_keys == ()


def test_a_key_is_checked_before_the_content_type(keyed: TestClient) -> None:
    response = keyed.post("/v1/score", content=b"{}", headers={"content-type": "text/plain"})
    assert response.status_code == 401


def _security(client: TestClient) -> tuple[dict[str, Any], dict[str, set[str]]]:
    """The document's security schemes, and each operation's required schemes (with its 401
    as the marker ``"401"``)."""
    document = client.get("/openapi.json").json()
    required = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            names = {name for r in operation.get("security", ()) for name in r}
            required[f"{method.upper()} {path}"] = names | ({"401"} & set(operation["responses"]))
    return document.get("components", {}).get("securitySchemes", {}), required


API_ROUTES = ("POST /v1/score", "POST /v1/score/batch", "POST /v1/accounts/score", "GET /v1/model")


@pytest.mark.parametrize(
    ("api_keys", "admin_key"), [((), None), (KEYS, None), ((), ADMIN), (KEYS, ADMIN)]
)
def test_the_openapi_document_lists_a_key_only_while_it_is_on(
    make_client: MakeClient, api_keys: tuple[str, ...], admin_key: str | None
) -> None:
    """A client generated from the document must not be told to send a key no one checks."""
    schemes, required = _security(make_client(api_keys=api_keys, admin_key=admin_key))
    on = ({"APIKeyHeader"} if api_keys else set()) | ({"AdminKeyHeader"} if admin_key else set())
    assert set(schemes) == on
    for scheme in schemes.values():
        assert scheme == scheme | {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    for route in API_ROUTES:
        assert required[route] == ({"APIKeyHeader", "401"} if api_keys else set()), route
    assert required["POST /v1/admin/reload"] == ({"AdminKeyHeader", "401"} if admin_key else set())
    for probe in ("GET /healthz", "GET /readyz", "GET /metrics"):
        assert required[probe] == set()
