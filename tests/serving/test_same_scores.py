"""The API answers exactly what batch scoring of the dataset answers (CONTRACT.md §3): same
probabilities, label, fraud_score and reasons, one creator at a time or in a batch."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from creator_audit.dataset import Dataset
from creator_audit.schema import LABELS
from scoring.scores import score_dataset

TOLERANCE = 1e-12


@pytest.fixture(scope="module")
def batch_scores(models: SimpleNamespace, dataset: Dataset) -> pd.DataFrame:
    """``score_dataset`` over the whole generated dataset, by creator."""
    return score_dataset(models.a, dataset).set_index("creator_id")


def assert_same(api: dict[str, Any], expected: pd.Series, creator_id: str) -> None:
    assert api["creator_id"] == creator_id
    assert api["model_version"] == expected["model_version"] == "A"
    assert api["label"] == expected["label"]
    assert api["fraud_score"] == expected["fraud_score"]
    for label in LABELS:
        assert abs(api["probabilities"][label] - expected[f"p_{label}"]) <= TOLERANCE, label
    assert api["reasons"] == json.loads(expected["reasons"])
    assert api["coverage"] == json.loads(expected["coverage"])
    assert api["snapshot_at"] == expected["snapshot_at"]  # the simulator gives every snapshot_at
    assert api["snapshot_source"] == expected["snapshot_source"] == "given"
    assert api["excluded_posts"] == json.loads(expected["excluded_posts"])


def _with_posts(sample: SimpleNamespace) -> list[str]:
    ids = [cid for cid in sample.ids if sample.bodies[cid]["posts"]]
    assert len(ids) >= 15
    return ids


def test_single_scores_equal_batch_scoring(
    client: TestClient, sample: SimpleNamespace, batch_scores: pd.DataFrame
) -> None:
    ids = _with_posts(sample)
    labels = set()
    for creator_id in ids:
        response = client.post("/v1/score", json=sample.bodies[creator_id])
        assert response.status_code == 200, response.text
        assert_same(response.json(), batch_scores.loc[creator_id], creator_id)
        labels.add(response.json()["label"])
    assert len(labels) >= 2  # the sample is not one easy case repeated


def test_batch_route_equals_batch_scoring_in_order(
    client: TestClient, sample: SimpleNamespace, batch_scores: pd.DataFrame
) -> None:
    ids = _with_posts(sample)[::-1]
    response = client.post("/v1/score/batch", json={"items": [sample.bodies[c] for c in ids]})
    assert response.status_code == 200, response.text
    scores = response.json()["scores"]
    assert [s["creator_id"] for s in scores] == ids
    for creator_id, score in zip(ids, scores, strict=True):
        assert_same(score, batch_scores.loc[creator_id], creator_id)


def test_iso_and_unix_timestamps_score_the_same(
    client: TestClient, sample: SimpleNamespace, batch_scores: pd.DataFrame
) -> None:
    from serving.client_bodies import request_body

    creator_id = _with_posts(sample)[3]
    for iso in (False, True):
        body = request_body(sample.dataset, creator_id, iso=iso)
        response = client.post("/v1/score", json=body)
        assert response.status_code == 200
        assert_same(response.json(), batch_scores.loc[creator_id], creator_id)


def test_creator_without_posts_is_scored_like_batch(
    client: TestClient, sample: SimpleNamespace, batch_scores: pd.DataFrame
) -> None:
    (creator_id,) = [cid for cid in sample.ids if not sample.bodies[cid]["posts"]]
    response = client.post("/v1/score", json=sample.bodies[creator_id])
    assert response.status_code == 200, response.text
    assert_same(response.json(), batch_scores.loc[creator_id], creator_id)


@pytest.mark.parametrize("field", ["engagements", "follower_counts", "follower_samples"])
def test_empty_optional_list_is_scored_like_no_rows(
    client: TestClient, sample: SimpleNamespace, batch_scores: pd.DataFrame, field: str
) -> None:
    creator_id = next(c for c in _with_posts(sample) if field not in sample.bodies[c])
    body = {**sample.bodies[creator_id], field: []}
    response = client.post("/v1/score", json=body)
    assert response.status_code == 200, response.text
    assert_same(response.json(), batch_scores.loc[creator_id], creator_id)


def test_coverage_says_which_optional_tables_the_score_rests_on(
    client: TestClient, sample: SimpleNamespace
) -> None:
    seen = {name: set() for name in ("engagements", "follower_counts", "follower_samples")}
    comment_events = set()
    for creator_id in _with_posts(sample):
        body = sample.bodies[creator_id]
        coverage = client.post("/v1/score", json=body).json()["coverage"]
        assert set(coverage) == {*seen, "comment_events", "comment_events_share"}
        for name in seen:
            if not body.get(name):
                assert coverage[name] is False, (creator_id, name)
            seen[name].add(coverage[name])
        comment_events.add(coverage["comment_events"])
    assert all(values == {True, False} for values in seen.values()), seen
    assert comment_events == {"complete", "none"}  # the simulator's comment lists are complete
    posts_only = {k: v for k, v in sample.bodies[_with_posts(sample)[0]].items()}
    for name in seen:
        posts_only.pop(name, None)
    coverage = client.post("/v1/score", json=posts_only).json()["coverage"]
    assert coverage == {
        **dict.fromkeys(seen, False),
        "comment_events": "none",
        "comment_events_share": None,
    }


def test_hidden_likes_score_as_a_file_with_empty_likes_scores(
    client: TestClient, models: SimpleNamespace, sample: SimpleNamespace
) -> None:
    """A post whose owner hides its likes is sent as ``"likes": null``, as a file leaves the cell
    empty (an import does): missing, never 0, and the same score either way."""
    from dataclasses import replace

    from creator_audit.dataset import dataset_from_frames
    from serving.client_bodies import request_body

    creator_id = _with_posts(sample)[5]
    body = request_body(sample.dataset, creator_id)
    # a recent post, which the like features read (the newest may be too young to count)
    post = sorted(body["posts"], key=lambda p: p["posted_at"])[-3]
    hidden, post["likes"] = post["post_id"], None
    response = client.post("/v1/score", json=body)
    assert response.status_code == 200, response.text

    ds = sample.dataset
    posts = ds.posts[ds.posts["creator_id"] == creator_id].astype({"likes": "float64"})
    posts.loc[posts["post_id"] == hidden, "likes"] = float("nan")
    frames = {
        name: frame[frame["creator_id"] == creator_id] if "creator_id" in frame else frame
        for name, frame in ds.tables().items()
        if name not in ("labels", "posts", "engagements")
    }
    keep = ds.engagements["post_id"].isin(posts["post_id"])
    one = dataset_from_frames({**frames, "posts": posts, "engagements": ds.engagements[keep]})
    one = replace(one, read_time=ds.read_time)
    expected = score_dataset(models.a, one).set_index("creator_id").loc[creator_id]
    assert_same(response.json(), expected, creator_id)
    assert response.json() != client.post("/v1/score", json=request_body(ds, creator_id)).json()
