"""``POST /v1/accounts/score`` (CONTRACT.md §4): the account model behind the API's keys and
limits, answering exactly what ``AccountModel.score`` does."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from creator_audit.dataset import coerce_table
from scoring.account_model import AccountModel
from tests.serving.conftest import MakeClient

ACCOUNTS = [
    {
        "account_id": "bot1",
        "followers": 8,
        "following": 4_100,
        "media_count": 0,
        "has_profile_pic": False,
        "username": "user83620194",
    },
    {
        "account_id": "jane",
        "followers": 640,
        "following": 410,
        "media_count": 212,
        "bio_length": 48,
        "has_profile_pic": True,
        "is_private": False,
        "creator_id": "c1",
    },
    {"account_id": "star", "followers": 85_000, "following": 310, "media_count": 900},
]


def test_scores_each_account_as_the_model_does(
    make_client: MakeClient, account_model: AccountModel
) -> None:
    answer = make_client().post("/v1/accounts/score", json={"accounts": ACCOUNTS})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    expected = account_model.score(coerce_table("accounts", pd.DataFrame(ACCOUNTS), "test"))
    assert [s["account_id"] for s in body["scores"]] == ["bot1", "jane", "star"]
    assert [s["creator_id"] for s in body["scores"]] == [None, "c1", None]
    assert [s["p_fake"] for s in body["scores"]] == pytest.approx(list(expected["p_fake"]))
    assert [s["audience_type"] for s in body["scores"]] == list(expected["audience_type"])
    assert body["scores"][0]["audience_type"] == "suspicious"
    assert body["scores"][2]["audience_type"] == "influencer"
    assert body["model_version"] == account_model.metadata["model_version"]


def test_summary_is_the_audience_report_of_the_command_line(
    make_client: MakeClient, account_model: AccountModel
) -> None:
    from features.accounts import audience_summary

    answer = make_client().post("/v1/accounts/score", json={"accounts": ACCOUNTS})
    summary = answer.json()["summary"]
    table = coerce_table("accounts", pd.DataFrame(ACCOUNTS), "test")
    whole = audience_summary(
        table.assign(creator_id=None), account_model.score(table), account_model
    )
    assert summary["accounts"] == 3 and summary["creator_id"] is None  # two creators: none
    assert summary["fake_share"] == pytest.approx(whole["fake_share"].iloc[0])
    assert summary["fake_share_low"] <= summary["fake_share"] <= summary["fake_share_high"]
    assert summary["share_suspicious"] == pytest.approx(1 / 3)
    assert summary["share_influencer"] == pytest.approx(1 / 3)
    assert [c["creator_id"] for c in summary["creators"]] == ["c1"]
    assert summary["creators"][0]["accounts"] == 1
    one = make_client().post("/v1/accounts/score", json={"accounts": [ACCOUNTS[1]]}).json()
    assert one["summary"]["creator_id"] == "c1" and one["summary"]["share_real"] == 1.0


def test_no_accounts_is_an_empty_answer(make_client: MakeClient) -> None:
    answer = make_client().post("/v1/accounts/score", json={"accounts": []})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["scores"] == []
    assert body["summary"]["accounts"] == 0 and body["summary"]["creators"] == []
    assert body["summary"]["creator_id"] is None
    estimates = {k: v for k, v in body["summary"].items() if k.startswith(("fake_", "share_"))}
    assert len(estimates) == 7 and set(estimates.values()) == {None}  # nothing is estimable


def test_needs_an_api_key_when_keys_are_set(
    make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREATOR_AUDIT_API_KEYS", "k-1f2e3d")
    client = make_client()
    body = {"accounts": ACCOUNTS}
    assert client.post("/v1/accounts/score", json=body).status_code == 401
    assert (
        client.post("/v1/accounts/score", json=body, headers={"X-API-Key": "nope"}).status_code
        == 401
    )
    ok = client.post("/v1/accounts/score", json=body, headers={"X-API-Key": "k-1f2e3d"})
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("change", "loc", "words"),
    [
        ({"followers": -3}, ["body", "accounts", 1, "followers"], "greater than or equal"),
        ({"following": "many"}, ["body", "accounts", 1, "following"], "integer"),
        ({"has_profile_pic": "yes"}, ["body", "accounts", 1, "has_profile_pic"], "boolean"),
        ({"media_count": None}, ["body", "accounts", 1, "media_count"], "integer"),
        ({"shoe_size": 44}, ["body", "accounts", 1, "shoe_size"], "Extra inputs"),
    ],
)
def test_bad_field_is_a_422_naming_it(make_client: MakeClient, change, loc, words) -> None:
    accounts = [ACCOUNTS[0], {**ACCOUNTS[1], **change}]
    answer = make_client().post("/v1/accounts/score", json={"accounts": accounts})
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert detail[0]["loc"] == loc
    assert words in detail[0]["msg"]


def test_too_many_accounts_is_a_422_naming_the_limit(make_client: MakeClient) -> None:
    client = make_client(max_accounts=2)
    answer = client.post("/v1/accounts/score", json={"accounts": ACCOUNTS})
    assert answer.status_code == 422
    assert "limit of 2" in answer.json()["detail"][0]["msg"]
    assert answer.json()["detail"][0]["loc"] == ["body", "accounts"]


def test_not_json_and_missing_list_are_422(make_client: MakeClient) -> None:
    client = make_client()
    garbled = client.post(
        "/v1/accounts/score", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert garbled.status_code == 422
    missing = client.post("/v1/accounts/score", json={})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "accounts"]


def test_a_creator_model_without_an_account_model_answers_503(
    make_client: MakeClient, models: SimpleNamespace, tmp_path: Path
) -> None:
    bare = replace(models.a, account_model=None).save(tmp_path / "bare.bundle")
    answer = make_client(bare).post("/v1/accounts/score", json={"accounts": ACCOUNTS})
    assert answer.status_code == 503
    assert "no account model" in answer.json()["detail"]


def test_a_configured_account_model_takes_precedence(
    make_client: MakeClient, models: SimpleNamespace, tmp_path: Path
) -> None:
    from tests.account_models import small_account_model

    other = small_account_model(seed=9, version="77")
    path = other.save(tmp_path / "other-accounts.bundle")
    bare = replace(models.a, account_model=None).save(tmp_path / "bare.bundle")
    answer = make_client(bare, accounts_model_uri=str(path)).post(
        "/v1/accounts/score", json={"accounts": ACCOUNTS}
    )
    assert answer.status_code == 200
    assert answer.json()["model_version"] == "77"
