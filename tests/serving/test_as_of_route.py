"""``?as_of=`` on the score routes: the API answers what ``creator-audit score --as-of`` writes for
the same time, refuses a bad or too early time with a 422 naming ``as_of``, and documents it."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from creator_audit.cli import app
from creator_audit.dataset import write_dataset
from tests.serving.test_same_scores import assert_same

DAY = pd.Timedelta(days=1)
AS_OF_LOC = ["query", "as_of"]


@pytest.fixture(scope="module")
def as_of(sample: SimpleNamespace) -> str:
    """A time after every sample creator's first post and well before their snapshots, so the
    cut leaves posts, events, readings and samples out."""
    first_posts = sample.dataset.posts.groupby("creator_id")["posted_at"].min()
    at = max(first_posts.max(), sample.dataset.creators["snapshot_at"].min() - 30 * DAY)
    assert at < sample.dataset.creators["snapshot_at"].min()
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def cli_scores(
    sample: SimpleNamespace, bundles: SimpleNamespace, as_of: str, tmp_path_factory
) -> pd.DataFrame:
    """``creator-audit score --as-of`` of the sample's creators, read back by creator."""
    root = tmp_path_factory.mktemp("as-of-cli")
    data, out = root / "data", root / "scores.csv"
    write_dataset(sample.dataset, data, "parquet")
    args = ["score", "--data", str(data), "--out", str(out), "--model", str(bundles.a)]
    result = CliRunner().invoke(app, [*args, "--as-of", as_of])
    assert result.exit_code == 0, result.output
    return pd.read_csv(out, dtype={"creator_id": str}).set_index("creator_id")


def _assert_same_as_of(api: dict[str, Any], expected: pd.Series, creator_id: str) -> None:
    assert_same(api, expected, creator_id)
    assert api["as_of"] == json.loads(expected["as_of"])


def _with_posts(sample: SimpleNamespace) -> list[str]:
    return [cid for cid in sample.ids if sample.bodies[cid]["posts"]]


def test_the_api_answers_what_the_cli_writes_for_the_same_as_of(
    client: TestClient, sample: SimpleNamespace, cli_scores: pd.DataFrame, as_of: str
) -> None:
    ids = _with_posts(sample)
    for creator_id in ids:
        response = client.post("/v1/score", json=sample.bodies[creator_id], params={"as_of": as_of})
        assert response.status_code == 200, response.text
        _assert_same_as_of(response.json(), cli_scores.loc[creator_id], creator_id)
    batch = client.post(
        "/v1/score/batch",
        json={"items": [sample.bodies[c] for c in ids]},
        params={"as_of": as_of},
    )
    assert batch.status_code == 200, batch.text
    for creator_id, score in zip(ids, batch.json()["scores"], strict=True):
        _assert_same_as_of(score, cli_scores.loc[creator_id], creator_id)


def test_the_cut_changes_what_the_scores_rest_on(
    client: TestClient, sample: SimpleNamespace, cli_scores: pd.DataFrame
) -> None:
    cut = cli_scores["as_of"].map(json.loads)
    assert (cut.map(lambda a: a["posts_left_out"]) > 0).any()
    assert set(cut.map(lambda a: a["followers_source"])) == {"history", "snapshot"}
    coverage = cli_scores["coverage"].map(json.loads)
    assert not coverage.map(lambda c: c["follower_samples"]).any()  # taken at the snapshot
    body = sample.bodies[_with_posts(sample)[0]]
    assert "as_of" not in client.post("/v1/score", json=body).json()  # unchanged without one


def _refusal(response) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    (entry,) = response.json()["detail"]
    assert entry["loc"] == AS_OF_LOC and "\n" not in entry["msg"]
    return entry


@pytest.mark.parametrize(
    ("value", "wrong"),
    [("soon", "cannot parse 'soon' as a timestamp"), ("2026-03-01", "has no UTC offset")],
)
def test_an_unusable_as_of_is_a_422_naming_it(
    client: TestClient, small_body: dict[str, Any], value: str, wrong: str
) -> None:
    for route, body in (("/v1/score", small_body), ("/v1/score/batch", {"items": [small_body]})):
        entry = _refusal(client.post(route, json=body, params={"as_of": value}))
        assert wrong in entry["msg"]


def _when(posted_at: int | str) -> pd.Timestamp:
    """A request's timestamp: unix seconds or ISO-8601."""
    if isinstance(posted_at, int):
        return pd.Timestamp(posted_at, unit="s", tz="UTC")
    return pd.Timestamp(posted_at)


def test_an_as_of_before_the_first_post_is_refused_for_that_creator_alone(
    client: TestClient, small_body: dict[str, Any]
) -> None:
    first_post = min(_when(p["posted_at"]) for p in small_body["posts"])
    early = (first_post - DAY).strftime("%Y-%m-%dT%H:%M:%SZ")
    creator_id = small_body["creator"]["creator_id"]
    entry = _refusal(client.post("/v1/score", json=small_body, params={"as_of": early}))
    assert f"is before the first post of creator {creator_id}" in entry["msg"]
    without_posts = {"creator": {**small_body["creator"], "creator_id": "new"}, "posts": []}
    batch = client.post(
        "/v1/score/batch",
        json={"items": [small_body, without_posts]},
        params={"as_of": early},
    )
    assert batch.status_code == 200, batch.text
    refused, scored = batch.json()["scores"]
    assert (refused["index"], refused["status"]) == (0, 422)
    assert refused["error"][0]["loc"] == AS_OF_LOC
    assert scored["creator_id"] == "new" and scored["as_of"]["posts_left_out"] == 0


def test_the_openapi_document_names_as_of_on_both_score_routes(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for route in ("/v1/score", "/v1/score/batch"):
        parameters = {p["name"]: p for p in document["paths"][route]["post"]["parameters"]}
        assert parameters["as_of"]["in"] == "query"
        assert not parameters["as_of"].get("required", False)
        assert "snapshot" in parameters["as_of"]["description"]
    score = document["components"]["schemas"]["ScoreOut"]["properties"]
    assert "as_of" in score
    as_of_out = document["components"]["schemas"]["AsOfOut"]["properties"]
    assert {"at", "followers_source", "followers_read_at", "posts_left_out", "notes"} <= set(
        as_of_out
    )


def test_as_of_scores_stay_out_of_the_drift_window(
    models: SimpleNamespace, sample: SimpleNamespace, as_of: str
) -> None:
    """A score as of a past time describes the past: the window watching live traffic is told
    only of the creators of a micro-batch scored on all their data."""
    from creator_audit.dataset.as_of import parse_as_of
    from serving.creator_scoring import score_parsed
    from serving.decoding import Parsed, parse_score_request

    ids = _with_posts(sample)[:3]
    requests = [parse_score_request(json.dumps(sample.bodies[c]).encode()) for c in ids]
    times = [parse_as_of(as_of), None, parse_as_of(as_of)]
    observed: list[list[str]] = []
    answers = score_parsed(
        models.a,
        [Parsed(r, as_of=t) for r, t in zip(requests, times, strict=True)],
        n_reasons=0,
        observe=lambda model, features, scores: observed.append(
            [s.creator_id for s in scores] + features.creator_ids.to_pylist()
        ),
    )
    assert [a.creator_id for a in answers] == ids
    assert observed == [["1", "1"]]  # a micro-batch's creators are keyed by their position


def test_skip_later_scores_the_creators_that_had_posted_and_counts_the_rest(
    sample: SimpleNamespace, bundles: SimpleNamespace, cli_scores: pd.DataFrame, tmp_path
) -> None:
    """A time between the sample's first posts: without --skip-later the run is refused, with it
    the creators not yet posting are left out and the rest score as when cut alone."""
    first_posts = sample.dataset.posts.groupby("creator_id")["posted_at"].min().sort_values()
    at = first_posts.iloc[len(first_posts) // 2] - DAY
    later = set(first_posts.index[first_posts > at])
    data, out = tmp_path / "data", tmp_path / "scores.csv"
    write_dataset(sample.dataset, data, "parquet")
    args = ["score", "--data", str(data), "--out", str(out), "--model", str(bundles.a)]
    args += ["--as-of", at.strftime("%Y-%m-%dT%H:%M:%SZ")]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 2 and "before the first post of creator" in refused.output
    skipped = CliRunner().invoke(app, [*args, "--skip-later"])
    assert skipped.exit_code == 0, skipped.output
    assert f"left out {len(later)} creator(s) whose first post is after" in skipped.output
    scores = pd.read_csv(out, dtype={"creator_id": str})
    assert later and not later & set(scores["creator_id"])
    assert len(scores) == sample.dataset.creators["creator_id"].nunique() - len(later)
