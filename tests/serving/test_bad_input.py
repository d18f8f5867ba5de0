"""Bad input gets 422 with an error naming the field (413 for an oversized body, 408 for one that
does not arrive in time, 415 for one not declared JSON), never a score from a guess and never a
5xx; a bad batch item gets its own error, the rest are scored."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from creator_audit import limits
from serving.metrics import ServiceMetrics
from serving.middleware import BodyLimitAndMetricsMiddleware
from tests.serving.conftest import MakeClient

Body = dict[str, Any]
JSON = {"content-type": "application/json"}


def mutated(body: Body, change: Callable[[Body], Any]) -> Body:
    out = copy.deepcopy(body)
    change(out)
    return out


def locs(response: Any) -> list[list[Any]]:
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    for entry in detail:
        assert set(entry) == {"loc", "msg", "type"} and entry["msg"] and entry["type"], entry
    return [entry["loc"] for entry in detail]


def _set(path: tuple[Any, ...], new: Any) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        target = body
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = new

    return change


def _drop(path: tuple[Any, ...]) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        target = body
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def _seconds(value: int | str) -> int:
    """A body's timestamp (unix seconds or ISO-8601) as unix seconds."""
    return value if isinstance(value, int) else int(pd.Timestamp(value).timestamp())


def _engaged_days_before_posting(days: int) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        event = body["engagements"][0]
        post = next(p for p in body["posts"] if p["post_id"] == event["post_id"])
        event["at"] = _seconds(post["posted_at"]) - days * 86_400

    return change


def _posted_after_the_snapshot(body: Body) -> None:
    body["posts"][0]["posted_at"] = _seconds(body["creator"]["snapshot_at"]) + 2 * 86_400


# (change to a valid body, the loc the 422 must name)
BAD_FIELDS = {
    "negative count": (_set(("posts", 0, "likes"), -1), ["body", "posts", 0, "likes"]),
    "negative creator count": (
        _set(("creator", "followers"), -5),
        ["body", "creator", "followers"],
    ),
    "string for an int": (_set(("posts", 1, "comments"), "12"), ["body", "posts", 1, "comments"]),
    "float for an int": (_set(("posts", 1, "likes"), 1.5), ["body", "posts", 1, "likes"]),
    "2 for a bool": (
        _set(("creator", "is_verified"), 2),
        ["body", "creator", "is_verified"],
    ),
    "string for a bool": (
        _set(("creator", "is_verified"), "yes"),
        ["body", "creator", "is_verified"],
    ),
    "fractional optional int": (
        _set(("creator", "bio_length"), 74.5),
        ["body", "creator", "bio_length"],
    ),
    "unparseable timestamp": (
        _set(("posts", 2, "posted_at"), "last tuesday"),
        ["body", "posts", 2, "posted_at"],
    ),
    "naive timestamp": (
        _set(("posts", 1, "posted_at"), "2026-03-01T12:00:00"),
        ["body", "posts", 1, "posted_at"],
    ),
    "naive engagement time": (
        _set(("engagements", 3, "at"), "2026-03-01 12:00:00"),
        ["body", "engagements", 3, "at"],
    ),
    "timestamp out of range": (
        _set(("follower_counts", 0, "at"), 10**20),
        ["body", "follower_counts", 0, "at"],
    ),
    "count too large for int64": (
        _set(("posts", 0, "likes"), 2**64),
        ["body", "posts", 0, "likes"],
    ),
    "unknown post id": (
        _set(("engagements", 1, "post_id"), "no-such-post"),
        ["body", "engagements", 1, "post_id"],
    ),
    "post of another creator": (
        _set(("posts", 0, "creator_id"), "someone-else"),
        ["body", "posts", 0, "creator_id"],
    ),
    "unknown engagement kind": (
        _set(("engagements", 0, "kind"), "share"),
        ["body", "engagements", 0, "kind"],
    ),
    "missing required creator field": (
        _drop(("creator", "followers")),
        ["body", "creator", "followers"],
    ),
    "missing required post field": (
        _drop(("posts", 1, "posted_at")),
        ["body", "posts", 1, "posted_at"],
    ),
    "missing posts": (_drop(("posts",)), ["body", "posts"]),
    "unknown field": (_set(("creator", "folowers"), 10), ["body", "creator", "folowers"]),
    "empty id": (_set(("posts", 0, "post_id"), ""), ["body", "posts", 0, "post_id"]),
    "NUL in an id": (
        _set(("engagements", 0, "actor_id"), "a\x00b"),
        ["body", "engagements", 0, "actor_id"],
    ),
    "line break in an id": (_set(("posts", 1, "post_id"), "p\n1"), ["body", "posts", 1, "post_id"]),
    "post dated 1900": (
        _set(("posts", 0, "posted_at"), "1900-01-01T00:00:00Z"),
        ["body", "posts", 0, "posted_at"],
    ),
    "post dated -5e9": (
        _set(("posts", 1, "posted_at"), -5 * 10**9),
        ["body", "posts", 1, "posted_at"],
    ),
    "timestamp in 2096": (
        _set(("follower_counts", 0, "at"), 4 * 10**9),
        ["body", "follower_counts", 0, "at"],
    ),
    "engagement 100 days before its post": (
        _engaged_days_before_posting(100),
        ["body", "engagements", 0, "at"],
    ),
    "post after its creator's snapshot": (
        _posted_after_the_snapshot,
        ["body", "posts", 0, "posted_at"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_FIELDS), ids=list(BAD_FIELDS))
def test_bad_field_is_422_naming_it(client: TestClient, small_body: Body, case: str) -> None:
    change, loc = BAD_FIELDS[case]
    response = client.post("/v1/score", json=mutated(small_body, change))
    assert response.status_code == 422, response.text
    assert loc in locs(response)


def test_values_no_data_holds_are_refused_as_files_refuse_them(
    client: TestClient, small_body: Body
) -> None:
    early = client.post("/v1/score", json=mutated(small_body, _engaged_days_before_posting(100)))
    (entry,) = early.json()["detail"]
    assert entry["msg"].startswith(f"{entry['msg'].split(' is ')[0]} is 100 days before its post")
    nul = client.post("/v1/score", json=mutated(small_body, _set(("posts", 0, "post_id"), "p\x00")))
    messages = [entry["msg"] for entry in nul.json()["detail"]]
    assert "'p\\x00' holds a control character (U+0000, character 2)" in messages[0]
    in_a_batch = {"items": [small_body, mutated(small_body, _set(("posts", 0, "post_id"), "p\t"))]}
    scores = client.post("/v1/score/batch", json=in_a_batch).json()["scores"]
    assert "fraud_score" in scores[0]  # batch keys join ids with a printable separator
    assert scores[1]["error"][0]["loc"] == ["body", "items", 1, "posts", 0, "post_id"]
    a_minute_early = mutated(small_body, _engaged_days_before_posting(0))
    a_minute_early["engagements"][0]["at"] -= 60  # clock skew within the allowance
    assert client.post("/v1/score", json=a_minute_early).status_code == 200


def test_duplicate_post_id_names_the_repeated_row(client: TestClient, small_body: Body) -> None:
    body = mutated(small_body, lambda b: b["posts"].append(dict(b["posts"][0])))
    response = client.post("/v1/score", json=body)
    assert response.status_code == 422
    assert ["body", "posts", len(body["posts"]) - 1, "post_id"] in locs(response)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"creator": {',
        b"{'creator': {}}",
        b"",
        pytest.param(b"\x9cE", id="not-utf8"),
    ],
)
def test_invalid_json_is_422(client: TestClient, raw: bytes) -> None:
    response = client.post("/v1/score", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert locs(response)[0][0] == "body"


@pytest.mark.parametrize("payload", [[], "creator", 3, None])
def test_body_that_is_not_an_object_is_422(client: TestClient, payload: Any) -> None:
    # ``json=None`` would send no body at all, and no content type
    response = client.post("/v1/score", content=json.dumps(payload), headers=JSON)
    assert response.status_code == 422
    assert locs(response)[0][0] == "body"


@pytest.mark.parametrize(
    ("field", "setting"),
    [
        ("posts", "max_posts"),
        ("engagements", "max_engagements"),
        ("follower_counts", "max_follower_counts"),
        ("follower_samples", "max_follower_samples"),
    ],
)
def test_more_rows_than_the_limit_is_422_naming_the_limit(
    make_client: MakeClient, small_body: Body, field: str, setting: str
) -> None:
    n = len(small_body[field])
    at_limit = make_client(**{setting: n})
    assert at_limit.post("/v1/score", json=small_body).status_code == 200
    over = make_client(**{setting: n - 1})
    response = over.post("/v1/score", json=small_body)
    assert response.status_code == 422
    (entry,) = response.json()["detail"]
    assert entry["loc"] == ["body", field]
    assert entry["msg"] == limits.over_limit(n, field, n - 1, "creator")  # as files say it


def test_an_id_over_the_limit_is_refused_as_in_files(client: TestClient, small_body: Body) -> None:
    long_id = "p" * 300
    body = mutated(small_body, _set(("posts", 1, "post_id"), long_id))
    batch = {"items": [small_body, mutated(small_body, _set(("creator", "creator_id"), long_id))]}
    accounts = {
        "accounts": [{"account_id": long_id, "followers": 1, "following": 2, "media_count": 3}]
    }
    answers = [
        (client.post("/v1/score", json=body).json()["detail"], ["body", "posts", 1, "post_id"]),
        (
            client.post("/v1/score/batch", json=batch).json()["scores"][1]["error"],
            ["body", "items", 1, "creator", "creator_id"],
        ),
        (
            client.post("/v1/accounts/score", json=accounts).json()["detail"],
            ["body", "accounts", 0, "account_id"],
        ),
    ]
    for detail, loc in answers:
        assert detail == [{"loc": loc, "msg": limits.id_too_long(300), "type": "string_too_long"}]
    at_the_limit = mutated(small_body, _set(("posts", 1, "post_id"), "p" * 256))
    assert client.post("/v1/score", json=at_the_limit).status_code == 200


def _raw(body: Body) -> bytes:
    return json.dumps(body).encode()


def test_body_over_the_byte_limit_is_413(make_client: MakeClient, small_body: Body) -> None:
    raw = _raw(small_body)
    client = make_client(max_body_bytes=len(raw))
    headers = {"content-type": "application/json"}
    assert client.post("/v1/score", content=raw, headers=headers).status_code == 200
    response = client.post("/v1/score", content=raw + b" ", headers=headers)
    assert response.status_code == 413
    (entry,) = response.json()["detail"]
    assert str(len(raw)) in entry["msg"]


def _chunks(raw: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(raw), size):
        yield raw[start : start + size]


def test_chunked_body_within_the_limit_is_scored(make_client: MakeClient, small_body: Body) -> None:
    raw = _raw(small_body)
    client = make_client(max_body_bytes=len(raw))
    response = client.post(
        "/v1/score", content=_chunks(raw), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200


def test_chunked_body_over_the_limit_is_413(make_client: MakeClient, small_body: Body) -> None:
    raw = _raw(small_body)
    client = make_client(max_body_bytes=len(raw))
    response = client.post(
        "/v1/score", content=_chunks(raw + b" "), headers={"content-type": "application/json"}
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413


def test_body_that_stops_arriving_is_408_and_the_connection_closes(small_body: Body) -> None:
    """Half a body, and then nothing: without a deadline the request would hold its connection
    for ever (a few hundred such clients hold a server). The app never sees the request."""
    raw = _raw(small_body)
    parts = [{"type": "http.request", "body": raw[: len(raw) // 2], "more_body": True}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if parts:
            return parts.pop()
        await asyncio.Event().wait()  # the rest never comes
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the app must not see a request whose body did not arrive")

    middleware = BodyLimitAndMetricsMiddleware(
        app, max_body_bytes=len(raw), body_timeout_seconds=0.2, metrics=ServiceMetrics()
    )
    scope = {"type": "http", "method": "POST", "path": "/v1/score", "headers": []}
    asyncio.run(middleware(scope, receive, send))
    start, body = sent
    assert start["status"] == 408
    assert (b"connection", b"close") in start["headers"]  # uvicorn then closes the connection
    (entry,) = json.loads(body["body"])["detail"]
    assert entry["loc"] == ["body"] and entry["type"] == "timeout"
    assert "within 0.2 s (CREATOR_AUDIT_BODY_TIMEOUT_SECONDS)" in entry["msg"]


JSON_ROUTES = ("/v1/score", "/v1/score/batch", "/v1/accounts/score")


def _json_bodies(small_body: Body) -> dict[str, Body]:
    return {
        "/v1/score": small_body,
        "/v1/score/batch": {"items": [small_body]},
        "/v1/accounts/score": {"accounts": small_body["follower_samples"][:3]},
    }


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
    ids=["text", "form", "multipart", "none"],
)
def test_a_body_not_declared_json_is_415_naming_the_type_to_send(
    client: TestClient, small_body: Body, content_type: str | None
) -> None:
    """Each of these a browser sends from any page without asking first (no CORS preflight), and
    each body would have been parsed as JSON all the same; curl's ``-d`` declares a form."""
    headers = {"content-type": content_type} if content_type else {}
    for route, body in _json_bodies(small_body).items():
        response = client.post(route, content=_raw(body), headers=headers)
        assert response.status_code == 415, (route, response.text)
        (entry,) = response.json()["detail"]
        assert entry["loc"] == ["header", "content-type"] and entry["type"] == "media_type"
        assert "Content-Type: application/json" in entry["msg"]
        assert (content_type or "none was given") in entry["msg"]


def test_json_with_parameters_or_capitals_is_json(client: TestClient, small_body: Body) -> None:
    for route, body in _json_bodies(small_body).items():
        for declared in ("application/json; charset=utf-8", "Application/JSON"):
            response = client.post(route, content=_raw(body), headers={"content-type": declared})
            assert response.status_code == 200, (route, declared, response.text)


def test_batch_over_the_item_limit_is_422(make_client: MakeClient, small_body: Body) -> None:
    client = make_client(max_batch_items=2)
    assert client.post("/v1/score/batch", json={"items": [small_body] * 2}).status_code == 200
    response = client.post("/v1/score/batch", json={"items": [small_body] * 3})
    assert response.status_code == 422
    (entry,) = response.json()["detail"]
    assert entry["loc"] == ["body", "items"]
    assert "limit of 2" in entry["msg"]


def test_batch_with_bad_items_scores_the_good_ones(
    client: TestClient, sample: Any, small_body: Body
) -> None:
    other = next(
        b
        for b in sample.bodies.values()
        if b["posts"] and b["creator"]["creator_id"] != small_body["creator"]["creator_id"]
    )
    schema_bad = mutated(small_body, _set(("posts", 0, "likes"), -3))
    data_bad = mutated(other, _set(("posts", 1, "posted_at"), "not a time"))
    items = [small_body, schema_bad, other, data_bad, small_body]
    response = client.post("/v1/score/batch", json={"items": items})
    assert response.status_code == 200, response.text
    scores = response.json()["scores"]
    assert len(scores) == len(items)
    expected_errors = {
        1: ["body", "items", 1, "posts", 0, "likes"],
        3: ["body", "items", 3, "posts", 1, "posted_at"],
    }
    for index, loc in expected_errors.items():
        entry = scores[index]
        assert entry["index"] == index
        assert entry["status"] == 422
        assert entry["creator_id"] == items[index]["creator"]["creator_id"]
        assert loc in [e["loc"] for e in entry["error"]]
    for index in (0, 2, 4):
        alone = client.post("/v1/score", json=items[index])
        assert alone.status_code == 200
        assert scores[index] == alone.json()


def test_batch_of_only_bad_items_is_200_with_errors(client: TestClient, small_body: Body) -> None:
    bad = mutated(small_body, _drop(("creator",)))
    response = client.post("/v1/score/batch", json={"items": [bad, {"posts": 3}]})
    assert response.status_code == 200
    scores = response.json()["scores"]
    assert [s["index"] for s in scores] == [0, 1]
    assert all(s["status"] == 422 for s in scores)
    assert ["body", "items", 0, "creator"] in [e["loc"] for e in scores[0]["error"]]


def test_batch_items_cannot_leak_rows_into_each_other(
    client: TestClient, sample: Any, small_body: Body
) -> None:
    other = next(
        b
        for b in sample.bodies.values()
        if b["posts"] and b["creator"]["creator_id"] != small_body["creator"]["creator_id"]
    )
    leaking = mutated(small_body, _set(("posts", 0, "creator_id"), "1"))
    alone = client.post("/v1/score", json=leaking)
    assert alone.status_code == 422
    scores = client.post("/v1/score/batch", json={"items": [leaking, other]}).json()["scores"]
    assert scores[1] == client.post("/v1/score", json=other).json()
    assert scores[0].get("status") == 422


def _as_pandas_floats(body: Body) -> Body:
    """The body a client builds from a DataFrame whose optional integer and flag columns are
    floats (NaN for missing): every int as ``74.0`` and every flag as ``1.0`` / ``0.0``."""

    def floated(value: Any) -> Any:
        if isinstance(value, bool):
            return float(value)
        if isinstance(value, int):
            return float(value)
        if isinstance(value, dict):
            return {k: floated(v) for k, v in value.items()}
        if isinstance(value, list):
            return [floated(v) for v in value]
        return value

    return floated(body)


def test_numbers_as_pandas_holds_them_score_as_the_typed_body(
    client: TestClient, small_body: Body
) -> None:
    pandas_body = _as_pandas_floats(small_body)
    assert pandas_body["creator"]["followers"] == float(small_body["creator"]["followers"])
    typed = client.post("/v1/score", json=small_body)
    as_floats = client.post("/v1/score", json=pandas_body)
    assert typed.status_code == 200 and as_floats.status_code == 200, as_floats.text
    assert as_floats.json() == typed.json()


def test_a_batch_of_ids_at_the_limit_is_scored_when_it_needs_the_full_validation(
    client: TestClient, small_body: Body
) -> None:
    """Batch items are keyed by position inside the service (``3:p1``); an id of exactly the
    limit must still pass, also where an ISO time sends the batch through the full validation."""
    longest = "p" * limits.MAX_ID_CHARS
    item = mutated(small_body, _set(("posts", 0, "post_id"), longest))
    item["posts"][0]["posted_at"] = "2026-05-01T10:00:00+00:00"  # not the typed fast path
    response = client.post("/v1/score/batch", json={"items": [item, small_body]})
    assert response.status_code == 200, response.text
    scores = response.json()["scores"]
    assert [s.get("status", 200) for s in scores] == [200, 200], scores
    assert scores[0] == client.post("/v1/score", json=item).json()
