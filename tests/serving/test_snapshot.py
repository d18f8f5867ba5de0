"""docs/api.md's example creator, as a new user sends it: without ``snapshot_at`` its newest post
counts (the snapshot is the request's arrival), a first page of comments is not read as the
comments' timing, and every answer says the snapshot it used and the posts it left out. Batch
scoring of the same creator from files answers the same."""

from __future__ import annotations

import copy
import time
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
from fastapi.testclient import TestClient

from creator_audit.dataset import ReadTime, read_dataset
from scoring.scores import score_dataset

# docs/api.md, "A request with curl".
README_BODY: dict[str, Any] = {
    "creator": {"creator_id": "c1", "followers": 12400, "following": 310, "media_count": 148},
    "posts": [
        {"post_id": "p1", "posted_at": "2026-05-01T18:00:00Z", "likes": 620, "comments": 31},
        {"post_id": "p2", "posted_at": "2026-05-04T18:30:00+02:00", "likes": 540, "comments": 24},
        {"post_id": "p3", "posted_at": 1778349600, "likes": 7900, "comments": 4},
    ],
}
P3_POSTED = 1778349600  # 2026-05-09T18:00:00Z


def _with(**creator: Any) -> dict[str, Any]:
    body = copy.deepcopy(README_BODY)
    body["creator"].update(creator)
    return body


def _first_page_of_comments(body: dict[str, Any]) -> dict[str, Any]:
    """Five comment events on p1 (31 comments) and p2 (24): the first page a scrape got."""
    posted = {"p1": 1777658400, "p2": 1777912200}
    body = copy.deepcopy(body)
    body["engagements"] = [
        {
            "post_id": post_id,
            "actor_id": f"{post_id}-fan{i}",
            "kind": "comment",
            "at": at + 60 * (i + 1),
            "text": "love this so much",
        }
        for post_id, at in posted.items()
        for i in range(5)
    ]
    return body


def _score(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/score", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _seconds(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def test_without_snapshot_at_the_newest_post_counts_and_the_answer_says_when(
    client: TestClient,
) -> None:
    before = time.time()
    answer = _score(client, README_BODY)
    after = time.time()
    assert answer["snapshot_source"] == "received"
    assert before - 1e-3 <= _seconds(answer["snapshot_at"]) <= after + 1e-3
    assert answer["excluded_posts"] == []
    # The old default (the newest post's time) left p3 out; a snapshot an hour after it does so.
    young = _score(client, _with(snapshot_at=P3_POSTED + 3_600))
    assert young["snapshot_source"] == "given"
    assert young["snapshot_at"] == "2026-05-09T19:00:00Z"
    assert [(e["rule"], e["post_ids"]) for e in young["excluded_posts"]] == [("too_recent", ["p3"])]
    assert young["probabilities"] != answer["probabilities"]
    later = _score(client, _with(snapshot_at="2026-06-01T00:00:00Z"))
    assert later["probabilities"] == answer["probabilities"]


def test_a_first_page_of_comments_scores_as_no_comment_events(client: TestClient) -> None:
    posts_only = _score(client, README_BODY)
    answer = _score(client, _first_page_of_comments(README_BODY))
    assert answer["probabilities"] == posts_only["probabilities"]
    assert answer["reasons"] == posts_only["reasons"]
    assert answer["coverage"] == {
        "engagements": True,
        "follower_counts": False,
        "follower_samples": False,
        "comment_events": "partial",
        "comment_events_share": round(10 / 55, 4),
    }
    assert [(e["rule"], e["post_ids"]) for e in answer["excluded_posts"]] == [
        ("partial_comment_events", ["p1", "p2"])
    ]


def test_a_batch_answers_with_the_post_ids_it_was_sent(client: TestClient) -> None:
    items = [_with(snapshot_at=P3_POSTED + 3_600), _first_page_of_comments(README_BODY)]
    response = client.post("/v1/score/batch", json={"items": items})
    assert response.status_code == 200, response.text
    first, second = response.json()["scores"]
    assert first["excluded_posts"] == _score(client, items[0])["excluded_posts"]
    assert [e["post_ids"] for e in second["excluded_posts"]] == [["p1", "p2"]]
    assert second["snapshot_source"] == "received"


def test_batch_files_without_snapshot_at_use_the_read_time_and_score_as_the_api(
    client: TestClient, models: SimpleNamespace, tmp_path: Path
) -> None:
    pd.DataFrame([README_BODY["creator"]]).to_csv(tmp_path / "creators.csv", index=False)
    posts = pd.DataFrame(README_BODY["posts"]).assign(creator_id="c1")
    posts["posted_at"] = pd.to_datetime(posts["posted_at"].map(_iso_utc))
    posts.to_csv(tmp_path / "posts.csv", index=False)
    read_at = P3_POSTED + 40 * 86_400
    batch = score_dataset(models.a, read_dataset(tmp_path, read_time=ReadTime(read_at))).iloc[0]
    assert batch["snapshot_at"] == "2026-06-18T18:00:00Z"
    assert batch["snapshot_source"] == "read"
    assert batch["excluded_posts"] == "[]"
    api = _score(client, README_BODY)
    assert [batch[f"p_{label}"] for label in api["probabilities"]] == list(
        api["probabilities"].values()
    )


def _iso_utc(value: Any) -> str:
    at = pd.Timestamp(value, unit="s", tz="UTC") if isinstance(value, int) else pd.Timestamp(value)
    return at.tz_convert("UTC").isoformat()
