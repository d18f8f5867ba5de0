"""The real, genuine Instagram accounts of InstaFake (Akyon & Kalfaoglu 2019) as a Dataset.

``nonautomated-genuine-part-a.json`` holds 350 real accounts with per-post likes, comments and
upload times: the only real per-post data we have, used to check that genuine creators are not
flagged. It is mapped onto the contract's tables and then goes through ``dataset_from_frames``
like any other input, so real data meets exactly the checks synthetic data does. Fields the source
does not have (username, profile picture, private, verified, snapshot time) stay missing: the
features treat missing as missing, and inventing them would bias every check made with this data.
The counts were scraped in December 2018, not when the file is read: the dataset's read time (the
snapshot of every account) is the newest post in the file, the earliest the scrape can have been.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from creator_audit.dataset.errors import DatasetError, Problem
from creator_audit.dataset.real_data import RealFile, locate, shared_data_dir
from creator_audit.dataset.types import Dataset, ReadTime
from creator_audit.dataset.validate import dataset_from_frames

__all__ = ["GENUINE_FILE", "default_shared_data_dir", "load_instafake_genuine"]

GENUINE_FILE = Path("instafake") / "nonautomated-genuine-part-a.json"
ID_PREFIX = "instafake-genuine-"

# source field -> creators column. usernameLength / usernameDigitCount have no contract column but
# are kept as extras: they are real signals about the username, which this source does not give.
CREATOR_FIELDS = {
    "userFollowerCount": "followers",
    "userFollowingCount": "following",
    "userMediaCount": "media_count",
    "userBiographyLength": "bio_length",
    "userHasExternalUrl": "has_external_url",
    "usernameLength": "username_length",
    "usernameDigitCount": "username_digits",
}
# per-post array field -> posts column; every array of a record has one entry per post.
POST_FIELDS = {
    "mediaUploadTimes": "posted_at",
    "mediaLikeNumbers": "likes",
    "mediaCommentNumbers": "comments",
    "mediaCommentsAreDisabled": "comments_disabled",
    "mediaHashtagNumbers": "hashtags",
    "mediaHasLocationInfo": "has_location",
}


default_shared_data_dir = shared_data_dir  # the name the tests and notebooks know


def load_instafake_genuine(path: str | os.PathLike[str] | RealFile | None = None) -> Dataset:
    """Load the InstaFake non-automated genuine accounts: creators, posts and labels (all genuine).

    ``path`` is a file read as it is, or a located real file; by default
    ``instafake/nonautomated-genuine-part-a.json`` of the real data folder, or the even-indexed
    records of its published original (``creator_audit.dataset.real_data``). Creator ids are
    ``instafake-genuine-0000`` ... by record index; post ids ``<creator_id>-p<j>`` by position in
    the record's arrays. Accounts without posts stay as creators without posts. A missing or
    malformed file raises ``DatasetError`` naming it; no default file in either form raises
    ``FileNotFoundError`` saying where it looked.
    """
    file = _genuine_file(path)
    records = _read_records(file)
    problems: list[Problem] = []
    for index, record in enumerate(records):
        _check_record(file.path.name, index, record, problems)
    if problems:
        raise DatasetError(problems)
    creators = _creators(records)
    raw = {
        "creators": creators,
        "posts": _posts(records, creators["creator_id"].tolist()),
        "labels": pd.DataFrame({"creator_id": creators["creator_id"], "label": "genuine"}),
    }
    ds = dataset_from_frames(raw, {name: f"{file.path.name} ({name})" for name in raw})
    return replace(ds, read_time=ReadTime(ds.posts["posted_at"].max().timestamp()))


def _genuine_file(path: str | os.PathLike[str] | RealFile | None) -> RealFile:
    if isinstance(path, RealFile):
        return path
    return RealFile.at(path) if path is not None else locate(str(GENUINE_FILE))


def _read_records(file: RealFile) -> list[dict[str, Any]]:
    where = str(file.path)
    try:
        records = file.read_json()
    except FileNotFoundError:
        raise DatasetError([Problem(where, None, None, "file not found")]) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError([Problem(where, None, None, f"cannot read: {exc}")]) from None
    # A ValueError left names the file itself: a published original that does not match.
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        message = "expected a JSON list of account objects"
        raise DatasetError([Problem(where, None, None, message)])
    return records


def _check_record(source: str, index: int, record: dict[str, Any], problems: list[Problem]) -> None:
    """Every field present, and every per-post array as long as the others."""
    for field in (*CREATOR_FIELDS, *POST_FIELDS):
        if field not in record:
            problems.append(Problem(source, index + 1, field, "field is missing"))
    lengths = {f: len(record[f]) for f in POST_FIELDS if isinstance(record.get(f), list)}
    for field in POST_FIELDS:
        if field in record and field not in lengths:
            problems.append(Problem(source, index + 1, field, "expected a list (one per post)"))
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{f}={n}" for f, n in lengths.items())
        problems.append(
            Problem(source, index + 1, None, f"per-post lists differ in length: {shown}")
        )


def _creators(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {column: [r[field] for r in records] for field, column in CREATOR_FIELDS.items()}
    )
    ids = [f"{ID_PREFIX}{i:04d}" for i in range(len(records))]
    frame.insert(0, "creator_id", pd.Series(ids, dtype="str"))
    return frame


def _posts(records: list[dict[str, Any]], creator_ids: list[str]) -> pd.DataFrame:
    counts = np.array([len(r["mediaLikeNumbers"]) for r in records], dtype=np.int64)
    owner = np.repeat(np.array(creator_ids, dtype=object), counts)
    position = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    frame = pd.DataFrame({"creator_id": pd.Series(owner, dtype="str")})
    frame["post_id"] = frame["creator_id"] + "-p" + pd.Series(position).astype("str")
    for field, column in POST_FIELDS.items():
        frame[column] = pd.Series([v for r in records for v in r[field]], dtype=object)
    return frame
