"""The fast decoder (msgspec, ``serving.wire``) takes a subset of what the schema (pydantic,
``serving.schemas``) takes, and reads what it takes exactly as the schema does; anything else it
leaves to the schema, which words the 422."""

from __future__ import annotations

import json

import msgspec
import numpy as np
import pytest
from pydantic import BaseModel, ValidationError

from creator_audit.dataset.request_columns import request_columns
from creator_audit.schema import REQUEST_LISTS, TABLES
from creator_audit.simulator import generate
from serving import schemas, wire
from serving.client_bodies import request_body

PAIRS = [
    (wire.CreatorIn, schemas.CreatorIn),
    (wire.PostIn, schemas.PostIn),
    (wire.EngagementIn, schemas.EngagementIn),
    (wire.FollowerCountIn, schemas.FollowerCountIn),
    (wire.FollowerSampleIn, schemas.FollowerSampleIn),
    (wire.ScoreRequest, schemas.ScoreRequest),
]


@pytest.mark.parametrize(("fast", "schema"), PAIRS, ids=[p[1].__name__ for p in PAIRS])
def test_both_schemas_have_the_same_fields_and_required_ones(fast, schema):
    info = msgspec.structs.fields(fast)
    assert {f.name for f in info} == set(schema.model_fields)
    assert {f.name for f in info if f.required} == {
        name for name, field in schema.model_fields.items() if field.is_required()
    }


BASE = {
    "creator": {"creator_id": "c", "followers": 10, "following": 5, "media_count": 3},
    "posts": [{"post_id": "p", "posted_at": 1767225600, "likes": 3, "comments": 1}],
    "engagements": [{"post_id": "p", "actor_id": "a", "kind": "like", "at": 1767225700}],
}


def _with(path: list, value) -> bytes:
    body = json.loads(json.dumps(BASE))
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(body).encode()


CASES = {
    "valid": json.dumps(BASE).encode(),
    "an empty id": _with(["creator", "creator_id"], ""),
    "an id over the limit": _with(["creator", "creator_id"], "x" * 257),
    "256 astral characters": _with(["creator", "creator_id"], "\U0001f600" * 256),
    "257 astral characters": _with(["creator", "creator_id"], "\U0001f600" * 257),
    "a negative count": _with(["posts", 0, "likes"], -1),
    "a whole float count": _with(["posts", 0, "likes"], 3.0),
    "a boolean count": _with(["posts", 0, "likes"], True),
    "a count as text": _with(["posts", 0, "likes"], "3"),
    "a count beyond uint64": _with(["posts", 0, "likes"], 2**70),
    "an unknown kind": _with(["engagements", 0, "kind"], "share"),
    "an unknown field": _with(["posts", 0, "extra"], 1),
    "null for a required field": _with(["posts", 0, "likes"], None),
    "fractional seconds": _with(["posts", 0, "posted_at"], 1.5),
    "a boolean timestamp": _with(["posts", 0, "posted_at"], True),
    "an ISO timestamp": _with(["posts", 0, "posted_at"], "2026-05-01T12:00:00Z"),
    "posts null": _with(["posts"], None),
    "a 0/1 flag": _with(["posts", 0, "comments_disabled"], 1),
    "a flag as text": _with(["posts", 0, "comments_disabled"], "true"),
    "null text": _with(["engagements", 0, "text"], None),
    "a number as username": _with(["creator", "username"], 5),
    "a repeated key, the last valid": (
        b'{"creator": {"creator_id": "", "creator_id": "c", "followers": 1, "following": 1,'
        b' "media_count": 1}, "posts": []}'
    ),
    "a repeated key, both valid": (
        b'{"creator": {"creator_id": "a", "creator_id": "b", "followers": 1, "following": 1,'
        b' "media_count": 1}, "posts": []}'
    ),
    "not an object": b"[1]",
    "invalid UTF-8": b'{"creator": {"creator_id": "\xff"}, "posts": []}',
    "a lone surrogate": b'{"creator": {"creator_id": "\\ud800"}, "posts": []}',
    "NaN": b'{"creator": {"creator_id": "c", "followers": NaN}, "posts": []}',
}


def _plain(value):
    """A decoded body as plain data: structs and models alike, missing fields left out."""
    if isinstance(value, msgspec.Struct):
        return {k: _plain(v) for k, v in wire.set_fields(value).items()}
    if isinstance(value, BaseModel):
        return _plain(value.model_dump(exclude_none=True))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.mark.parametrize("what", list(CASES))
def test_what_the_fast_decoder_takes_the_schema_takes_and_reads_the_same(what):
    raw = CASES[what]
    fast = wire.decode_score_request(raw)
    try:
        schema = schemas.ScoreRequest.model_validate_json(raw)
    except ValidationError:
        assert fast is None, "the fast decoder took a body the schema refuses"
        return
    if fast is not None:
        assert _plain(fast) == _plain(schema)


def test_the_fast_decoder_takes_the_common_bodies():
    """Integers, booleans and unix seconds, as the project's own client sends them."""
    for what in ("valid", "null text", "256 astral characters", "a repeated key, both valid"):
        assert wire.decode_score_request(CASES[what]) is not None, what


def test_simulated_bodies_give_the_same_columns_through_either_decoder():
    ds = generate(40, seed=8)
    for creator_id in ds.creators["creator_id"]:
        raw = json.dumps(request_body(ds, creator_id)).encode()
        fast = wire.decode_score_request(raw)
        assert fast is not None
        schema = schemas.ScoreRequest.model_validate_json(raw)
        ours, theirs = (
            request_columns(fast, creator_id, None),
            request_columns(schema, creator_id, None),
        )
        assert ours.keys() == theirs.keys()
        for table, columns in ours.items():
            assert columns.keys() == theirs[table].keys(), table
            for name, values in columns.items():
                other = theirs[table][name]
                assert type(values) is type(other), (table, name)
                np.testing.assert_array_equal(np.asarray(values), np.asarray(other))


@pytest.mark.parametrize("table", ["creators", *REQUEST_LISTS])
def test_request_fields_are_the_declared_columns(table):
    """A column declared in ``creator_audit.schema`` is a field of both request schemas."""
    model = schemas.CreatorIn if table == "creators" else schemas.LIST_ROW_MODELS[table]
    struct = wire.CreatorIn if table == "creators" else wire.LIST_ROW_STRUCTS[table]
    assert list(model.model_fields) == TABLES[table].column_names
    assert list(struct.__struct_fields__) == TABLES[table].column_names


def test_a_score_request_has_the_creator_and_one_list_per_table():
    assert list(schemas.ScoreRequest.model_fields) == ["creator", *REQUEST_LISTS]
    assert list(wire.ScoreRequest.__struct_fields__) == ["creator", *REQUEST_LISTS]
