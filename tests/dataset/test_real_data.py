"""Where the real data is, and reading it from the published originals the fetch caches: each
derived shared file is cut from its original the same way, so training from the cache trains on
exactly what the shared folder holds."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from creator_audit.dataset import sources
from creator_audit.dataset.instafake import load_instafake_genuine
from creator_audit.dataset.real_accounts import account_files, load_real_accounts
from creator_audit.dataset.real_data import (
    SCAMSPOT_PART_A_ACCOUNTS,
    SHARED_LAYOUT,
    data_cache_dir,
    locate,
    original_of,
    real_data_dir,
)
from tests.shared_data import SHARED, needs_comments, needs_real_accounts
from training.comments import load_comments

Publish = Callable[[str, bytes], Path]
CRESCI = "cresci2015/users_tfp_fsf_twt.csv"
GENUINE = "instafake/nonautomated-genuine-part-a.json"
COMMENTS = "scamspot/comments-part-a.json"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No shared folder; an empty fetch cache."""
    monkeypatch.setenv("CREATOR_AUDIT_SHARED_DATA", str(tmp_path / "no-shared-folder"))
    monkeypatch.setenv("CREATOR_AUDIT_DATA", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def publish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: Path) -> Publish:
    """``publish(name, data)``: ``data`` becomes the published original of the shared-layout file
    ``name``, in the cache, and a manifest of the same sources carries its digest and size."""
    raw = json.loads(sources.MANIFEST_FILE.read_text())
    manifest = tmp_path / "sources.json"
    monkeypatch.setattr(sources, "MANIFEST_FILE", manifest)

    def put(name: str, data: bytes) -> Path:
        collection, path = SHARED_LAYOUT[name]
        entry = next(s for s in raw["sources"] if s["name"] == collection)
        listed = next(f for f in entry["files"] if f["path"] == path)
        listed.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
        manifest.write_text(json.dumps(raw))
        target = cache / entry["repo"] / entry["commit"] / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target

    return put


def test_the_real_data_is_the_folder_given_else_the_shared_else_the_cache(
    tmp_path, monkeypatch
) -> None:
    shared, cache = tmp_path / "shared", tmp_path / "cache"
    monkeypatch.setenv("CREATOR_AUDIT_SHARED_DATA", str(shared))
    monkeypatch.setenv("CREATOR_AUDIT_DATA", str(cache))
    assert real_data_dir() == cache  # no shared folder
    shared.mkdir()
    assert real_data_dir() == shared
    assert real_data_dir(tmp_path / "mine") == tmp_path / "mine"


def test_the_cache_is_under_the_users_cache_folder_unless_set(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("CREATOR_AUDIT_DATA")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert data_cache_dir() == Path.home() / ".cache" / "creator-audit" / "data"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data_cache_dir() == tmp_path / "creator-audit" / "data"
    monkeypatch.setenv("CREATOR_AUDIT_DATA", str(tmp_path / "elsewhere"))
    assert data_cache_dir() == tmp_path / "elsewhere"


@needs_comments[0]
@needs_comments[1]
def test_the_part_a_accounts_are_the_shared_files() -> None:
    shared = json.loads((SHARED / COMMENTS).read_text())
    assert {c["account"] for c in shared.values()} == SCAMSPOT_PART_A_ACCOUNTS


def _account_record(followers: int) -> dict:
    return {
        "userFollowerCount": followers,
        "userFollowingCount": 50,
        "userMediaCount": 2,
        "userBiographyLength": 0,
        "userHasExternalUrl": 0,
        "usernameLength": 8,
        "usernameDigitCount": 0,
        "mediaUploadTimes": [1541700368, 1540994565],
        "mediaLikeNumbers": [10, 12],
        "mediaCommentNumbers": [1, 0],
        "mediaCommentsAreDisabled": [0, 0],
        "mediaHashtagNumbers": [0, 1],
        "mediaHasLocationInfo": [0, 0],
    }


def test_genuine_accounts_from_the_original_are_its_even_indexed_records(publish) -> None:
    records = [_account_record(100 + i) for i in range(5)]
    publish(GENUINE, json.dumps(records).encode())
    ds = load_instafake_genuine()
    assert ds.creators["followers"].tolist() == [100, 102, 104]
    assert ds.creators["creator_id"].tolist() == [f"instafake-genuine-000{i}" for i in range(3)]


def test_comments_from_the_original_are_those_of_the_part_a_accounts(publish) -> None:
    accounts = ["binance", "daveramsey", "coinbase", "financewithsharan", "wsj", "humphreytalks"]
    labels = ["real", "real", "scam", "scam", "unknown", "real"]
    original = {
        str(i): {"text": f"comment {i}", "media": "1", "account": a, "type": t}
        for i, (a, t) in enumerate(zip(accounts, labels, strict=True))
    }
    publish(COMMENTS, json.dumps(original, indent=4).encode())
    comments = load_comments()
    assert comments["account"].tolist() == ["binance", "coinbase", "wsj"]
    assert comments["text"].tolist() == ["comment 0", "comment 2", "comment 4"]


def _users(groups: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": range(len(groups)),
            "screen_name": [f"user{i}" for i in range(len(groups))],
            "description": ['says "hi", twice\non two lines'] * len(groups),
            "dataset": groups,
        }
    )


def test_cresci_users_from_the_original_are_its_tfp_fsf_and_twt_groups(publish) -> None:
    users = _users(["E13", "TFP", "TFP", "FSF", "INT", "TWT", "FSF", "E13", "TWT"])
    publish(CRESCI, users.to_csv(index=False).encode())
    read = locate(CRESCI).read_csv()
    assert read["id"].tolist() == [1, 2, 3, 5, 6, 8]
    pd.testing.assert_frame_equal(read, users.iloc[[1, 2, 3, 5, 6, 8]].reset_index(drop=True))


def test_a_shared_copy_in_the_same_folder_wins_and_is_read_as_it_is(publish, cache) -> None:
    publish(CRESCI, _users(["TFP", "E13"]).to_csv(index=False).encode())
    (cache / CRESCI).parent.mkdir(parents=True)
    _users(["INT", "E13", "FSF"]).to_csv(cache / CRESCI, index=False)
    found = locate(CRESCI)
    assert found.path == cache / CRESCI and found.published is None
    assert found.read_csv()["dataset"].tolist() == ["INT", "E13", "FSF"]


def test_an_original_changed_since_it_was_fetched_is_refused(publish) -> None:
    path = publish(COMMENTS, json.dumps({}).encode())
    path.write_text('{"1": {"text": "x", "account": "wsj", "type": "real"}}')
    with pytest.raises(ValueError, match="does not match the published file ScamSpot/scamspot_ig"):
        load_comments()


def test_a_file_in_neither_form_says_where_it_looked_and_how_to_get_it(cache) -> None:
    key = original_of(COMMENTS).key
    expected = f"{cache} holds neither {COMMENTS} nor the published original {key}; creator-audit"
    with pytest.raises(FileNotFoundError, match=expected):
        load_comments()
    with pytest.raises(FileNotFoundError, match="creator-audit data fetch gets them"):
        load_real_accounts()


def test_the_record_of_an_original_names_its_digest_and_the_part_kept(publish) -> None:
    data = json.dumps([_account_record(1), _account_record(2)]).encode()
    path = publish(GENUINE, data)
    record = locate(GENUINE).record()
    assert record == {
        "name": GENUINE,
        "path": str(path),
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "form": "the published original",
        "kept": "the even-indexed records (0, 2, 4, ...)",
    }


@needs_real_accounts[0]
@needs_real_accounts[1]
def test_real_accounts_from_a_cache_of_the_published_files(cache) -> None:
    """The shared kaggle and InstaFake fake-v1 files are the published bytes: in the cache's
    layout they are read, verified against the packaged manifest, as the same accounts."""
    names = ["kaggle-instagram/train.csv", "instafake/fakeAccountData.json"]
    for name in [*names, "instafake/realAccountData.json"]:
        target = cache / original_of(name).key
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED / name, target)
    found = account_files()
    assert sorted(found) == ["instafake", "kaggle"]
    assert all(f.published is not None and cache in f.path.parents for f in found["kaggle"])
    from_cache = load_real_accounts()
    from_shared = load_real_accounts(SHARED)
    kept = from_shared[from_shared["source"].isin(["instafake", "kaggle"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(from_cache, kept)
