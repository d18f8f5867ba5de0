"""The real InstaFake genuine accounts load through the same validation as any dataset."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from creator_audit.dataset.errors import DatasetError
from creator_audit.dataset.instafake import (
    GENUINE_FILE,
    default_shared_data_dir,
    load_instafake_genuine,
)

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("CREATOR_AUDIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
GENUINE = SHARED / GENUINE_FILE

needs_data = pytest.mark.skipif(not GENUINE.is_file(), reason=f"{GENUINE} is absent")


@pytest.mark.realdata
@needs_data
def test_genuine_accounts_map_onto_the_contract_tables() -> None:
    records = json.loads(GENUINE.read_text())
    ds = load_instafake_genuine(GENUINE)

    assert len(ds.creators) == 350
    assert ds.creators["creator_id"].iloc[0] == "instafake-genuine-0000"
    assert ds.creators["creator_id"].is_unique
    assert ds.labels is not None
    assert (ds.labels["label"] == "genuine").all() and len(ds.labels) == 350

    per_creator = ds.posts.groupby("creator_id").size()
    per_creator = per_creator.reindex(ds.creators["creator_id"], fill_value=0)
    assert per_creator.tolist() == [len(r["mediaLikeNumbers"]) for r in records]
    assert (per_creator == 0).sum() > 0  # accounts without posts are kept

    assert ds.creators["followers"].tolist() == [r["userFollowerCount"] for r in records]
    assert ds.creators["username_length"].tolist() == [r["usernameLength"] for r in records]
    assert ds.creators["username_digits"].tolist() == [r["usernameDigitCount"] for r in records]

    first = ds.posts.set_index("post_id").loc["instafake-genuine-0000-p0"]
    assert first["likes"] == 150 == records[0]["mediaLikeNumbers"][0]
    assert first["posted_at"] == pd.Timestamp("2018-11-08T18:06:08", tz="UTC")
    third = ds.posts.set_index("post_id").loc["instafake-genuine-0003-p2"]
    assert third["likes"] == records[3]["mediaLikeNumbers"][2] == 188


@pytest.mark.realdata
@needs_data
def test_fields_the_source_lacks_stay_missing() -> None:
    creators = load_instafake_genuine(GENUINE).creators
    for column in ("username", "has_profile_pic", "is_private", "is_verified"):
        assert creators[column].isna().all(), column
    assert creators["snapshot_at"].isna().all()
    assert np.isin(creators["has_external_url"], [0.0, 1.0]).all()


@pytest.mark.realdata
@needs_data
def test_accounts_are_read_as_scraped_after_the_newest_post_not_now() -> None:
    ds = load_instafake_genuine(GENUINE)
    assert ds.read_time is not None
    read_at = pd.Timestamp(ds.read_time.at, unit="s", tz="UTC")
    assert read_at == ds.posts["posted_at"].max() == pd.Timestamp("2018-12-13T16:22:40Z")


def test_default_shared_data_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREATOR_AUDIT_SHARED_DATA", raising=False)
    assert default_shared_data_dir() == Path("../shared/data")
    monkeypatch.setenv("CREATOR_AUDIT_SHARED_DATA", "/elsewhere")
    assert default_shared_data_dir() == Path("/elsewhere")


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"nope\.json: file not found"):
        load_instafake_genuine(tmp_path / "nope.json")


def test_not_json_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DatasetError, match=r"bad\.json: cannot read"):
        load_instafake_genuine(bad)


def _record(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "userFollowerCount": 300,
        "userFollowingCount": 200,
        "userMediaCount": 2,
        "userBiographyLength": 10,
        "userHasExternalUrl": 0,
        "usernameLength": 8,
        "usernameDigitCount": 1,
        "mediaUploadTimes": [1541700368, 1540994565],
        "mediaLikeNumbers": [50, 40],
        "mediaCommentNumbers": [2, 1],
        "mediaCommentsAreDisabled": [0, 0],
        "mediaHashtagNumbers": [0, 3],
        "mediaHasLocationInfo": [1, 0],
    }
    record.update(changes)
    return record


def test_malformed_record_names_record_and_field(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text(json.dumps([_record(), _record(mediaLikeNumbers=[1])]))
    with pytest.raises(
        DatasetError, match=r"^g\.json: row 2 \(1-based\): per-post lists differ in length"
    ):
        load_instafake_genuine(path)
    broken = _record()
    del broken["userFollowerCount"]
    path.write_text(json.dumps([broken]))
    with pytest.raises(
        DatasetError, match=r"^g\.json: row 1 \(1-based\), column 'userFollowerCount'"
    ):
        load_instafake_genuine(path)


def test_bad_values_go_through_the_common_validation(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text(json.dumps([_record(), _record(mediaLikeNumbers=[5, -2])]))
    with pytest.raises(DatasetError) as err:
        load_instafake_genuine(path)
    assert "-2 is negative" in str(err.value)


def test_small_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text(
        json.dumps([_record(), _record(**{k: [] for k in _record() if k[:5] == "media"})])
    )
    ds = load_instafake_genuine(path)
    assert ds.creators["creator_id"].tolist() == [
        "instafake-genuine-0000",
        "instafake-genuine-0001",
    ]
    assert ds.posts["post_id"].tolist() == [
        "instafake-genuine-0000-p0",
        "instafake-genuine-0000-p1",
    ]
    assert ds.posts["has_location"].tolist() == [1.0, 0.0]
