"""The API's direct typing of schema-checked requests gives exactly the columns of the shared
validation's tables, and steps aside (None) for anything the shared validation might refuse or
read differently."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from creator_audit.dataset.columnar import ColumnTable, columnar
from creator_audit.dataset.columns import shared_validation as _shared_validation
from creator_audit.dataset.columns import typed_dataset
from creator_audit.dataset.request_columns import request_columns, request_tables
from creator_audit.schema import REQUEST_LISTS
from creator_audit.simulator import generate
from features import build_features, feature_matrix
from serving.client_bodies import request_body
from serving.decoding import parse_score_request


@pytest.fixture(scope="module")
def simulated():
    return generate(60, seed=5)


def _tables(ds, creator_ids: list[str], iso: bool = False, edit=None) -> dict:
    bodies = [request_body(ds, c, iso=iso) for c in creator_ids]
    if edit is not None:
        edit(bodies[0])
    requests = [parse_score_request(json.dumps(b).encode()) for b in bodies]
    if len(requests) == 1:
        parts = [request_columns(requests[0], requests[0].creator.creator_id, None)]
    else:
        parts = [request_columns(r, str(k), str(k)) for k, r in enumerate(requests)]
    return request_tables(parts)


@pytest.mark.parametrize("batch", [1, 4])
def test_direct_typing_equals_the_shared_validation(simulated, batch):
    ids = list(simulated.creators["creator_id"])
    for start in range(0, len(ids), batch):
        tables = _tables(simulated, ids[start : start + batch])
        fast = typed_dataset(tables)
        assert fast is not None
        shared = columnar(_shared_validation(tables))
        for name in ("creators", *REQUEST_LISTS):
            ours, theirs = getattr(fast, name), getattr(shared, name)
            assert (ours is None) == (theirs is None), name
            if ours is not None:
                assert_same_columns(ours, theirs)


def assert_same_columns(ours: ColumnTable, theirs: ColumnTable) -> None:
    assert list(ours.columns) == list(theirs.columns)
    assert len(ours) == len(theirs)
    for name, values in ours.columns.items():
        other = theirs.columns[name]
        if isinstance(values, pa.Array):
            assert values.equals(other), name
        else:
            assert values.dtype == other.dtype, name
            np.testing.assert_array_equal(values, other, err_msg=name)


def _first_post_id(body):
    return body["posts"][0]["post_id"]


def _renamed_post(new_id):
    """The first post renamed ``new_id``, its engagements with it."""

    def edit(body):
        old_id = body["posts"][0]["post_id"]
        for row in [body["posts"][0], *body.get("engagements", [])]:
            if row["post_id"] == old_id:
                row["post_id"] = new_id

    return edit


def _renamed_creator(new_id):
    """The creator renamed ``new_id``, in every row that names it."""

    def edit(body):
        owned = [body.get(t, []) for t in ("posts", "follower_counts", "follower_samples")]
        for row in [body["creator"], *(row for rows in owned for row in rows)]:
            if "creator_id" in row:
                row["creator_id"] = new_id

    return edit


def _engaged_before_posting(body):
    """The first engagement an hour before its post was posted."""
    event = body["engagements"][0]
    post = next(p for p in body["posts"] if p["post_id"] == event["post_id"])
    event["at"] = post["posted_at"] - 3_600


EDITS = {
    "an ISO timestamp (parsed by the shared path)": lambda b: b["posts"][0].update(
        posted_at="2026-05-01T12:00:00+02:00"
    ),
    "a blank id": lambda b: b["posts"][0].update(post_id="  "),
    "an id of ideographic spaces": lambda b: b["posts"][0].update(post_id="\u3000\u3000"),
    "a repeated post id": lambda b: b["posts"][1].update(post_id=_first_post_id(b)),
    "an engagement of an unknown post": lambda b: b["engagements"][0].update(post_id="nope"),
    "a count beyond int64": lambda b: b["posts"][0].update(likes=2**64),
    "a timestamp beyond datetime64[ns]": lambda b: b["posts"][0].update(posted_at=10**10),
    "a hashtag count beyond exact float64": lambda b: b["posts"][0].update(hashtags=2**53 + 1),
    "a NUL in an actor id": lambda b: b["engagements"][0].update(actor_id="a\x00b"),
    "a tab in a post id": _renamed_post("p\t1"),
    "a C1 control in a creator id": _renamed_creator("c\x85"),
    "a post dated 1900": lambda b: b["posts"][0].update(posted_at=-2_208_988_800),
    "an engagement in 2242": lambda b: b["engagements"][0].update(at=2**33),
    "an engagement before its post": _engaged_before_posting,
    "a post after its creator's snapshot": lambda b: b["creator"].update(
        snapshot_at=max(p["posted_at"] for p in b["posts"]) - 7_200
    ),
}


@pytest.mark.parametrize("what", list(EDITS))
def test_anything_the_shared_validation_might_refuse_goes_to_it(simulated, what):
    with_events = simulated.engagements.merge(simulated.posts[["post_id", "creator_id"]])
    creator = with_events["creator_id"].iloc[0]
    tables = _tables(simulated, [creator], edit=EDITS[what])
    assert typed_dataset(tables) is None


def _repeat_first(table: str, field: str):
    def edit(body: dict) -> None:
        body[table][1][field] = body[table][0][field]

    return edit


@pytest.mark.parametrize(
    "edit",
    [_repeat_first("follower_counts", "at"), _repeat_first("follower_samples", "account_id")],
    ids=["a repeated follower-count time", "a repeated sampled follower"],
)
def test_a_repeated_two_column_key_goes_to_the_shared_validation(simulated, edit):
    has_both = set(simulated.follower_counts["creator_id"]) & set(
        simulated.follower_samples["creator_id"]
    )
    creator = sorted(has_both)[0]
    assert typed_dataset(_tables(simulated, [creator])) is not None
    assert typed_dataset(_tables(simulated, [creator], edit=edit)) is None


@pytest.mark.parametrize("edit", [_renamed_post("p 1"), _renamed_creator("c é")])
def test_the_renaming_edits_alone_keep_the_fast_path(simulated, edit):
    """The control-character edits above step aside for their character, not their renaming."""
    with_events = simulated.engagements.merge(simulated.posts[["post_id", "creator_id"]])
    tables = _tables(simulated, [with_events["creator_id"].iloc[0]], edit=edit)
    assert typed_dataset(tables) is not None


def test_a_missing_required_column_is_left_to_the_shared_validation(simulated):
    tables = _tables(simulated, [simulated.creators["creator_id"].iloc[0]])
    del tables["posts"][0]["likes"]
    assert typed_dataset(tables) is None


def test_negative_counts_are_left_to_the_shared_validation():
    tables = {
        "creators": (
            {
                "creator_id": ["c"],
                "followers": np.array([-1]),
                "following": np.array([1]),
                "media_count": np.array([1]),
            },
            1,
        ),
        "posts": ({}, 0),
    }
    assert typed_dataset(tables) is None


def test_ids_with_spaces_at_their_edges_are_kept_as_sent_by_both(simulated):
    creator = simulated.creators["creator_id"].iloc[0]
    tables = _tables(simulated, [creator], edit=lambda b: b["posts"][0].update(post_id=" p1 "))
    fast = typed_dataset(tables)
    assert fast is not None and " p1 " in fast.posts.text("post_id").to_pylist()
    assert_same_columns(fast.posts, columnar(_shared_validation(tables)).posts)


def test_an_unknown_engagement_kind_is_left_to_the_shared_validation(simulated):
    with_events = simulated.engagements.merge(simulated.posts[["post_id", "creator_id"]])
    tables = _tables(simulated, [with_events["creator_id"].iloc[0]])
    columns = tables["engagements"][0]
    columns["kind"] = ["share", *columns["kind"][1:]]
    assert typed_dataset(tables) is None


@pytest.mark.parametrize("batch", [1, 5])
def test_request_columns_give_the_batch_features_bit_for_bit(simulated, batch):
    """The API's features (request -> columns -> ``feature_matrix``) are those ``build_features``
    computes from the whole dataset, to the last bit, one creator or several per call."""
    expected = build_features(simulated)
    ids = list(simulated.creators["creator_id"])[:20]
    for start in range(0, len(ids), batch):
        chosen = ids[start : start + batch]
        keys = [chosen[0]] if batch == 1 else [str(k) for k in range(len(chosen))]
        features = feature_matrix(typed_dataset(_tables(simulated, chosen)))
        assert features.creator_ids.to_pylist() == keys
        np.testing.assert_array_equal(features.values, expected.loc[chosen].to_numpy())
