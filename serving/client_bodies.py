"""Bodies for the API built from a dataset: the reverse of ``serving.decoding``, for clients,
tests and benchmarks. Not on the request path: the service never imports it.

It lives in ``serving`` because a body's fields are those the request schema (``serving.schemas``)
accepts; the dataset package sits below serving and cannot know them.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from creator_audit.dataset import Dataset
from creator_audit.schema import TABLES
from serving.schemas import LIST_ROW_MODELS, CreatorIn


def request_body(ds: Dataset, creator_id: str, iso: bool = False) -> dict[str, Any]:
    """The POST /v1/score body (CONTRACT.md §4) describing one creator of ``ds``.

    Timestamps are unix seconds, or ISO-8601 strings with an offset when ``iso``. An optional table
    the creator has no rows in is left out (its features are the same as for an empty table);
    ``posts`` is always sent, empty for a creator without posts.
    """
    creators = ds.creators[ds.creators["creator_id"] == creator_id]
    if len(creators) != 1:
        raise ValueError(f"creator {creator_id!r} appears {len(creators)} times in the dataset")
    (creator,) = _json_rows(creators, "creators", set(CreatorIn.model_fields), iso)
    body: dict[str, Any] = {"creator": creator}
    posts = ds.posts[ds.posts["creator_id"] == creator_id]
    for table, model in LIST_ROW_MODELS.items():  # a request's lists are named as their tables
        frame = getattr(ds, table)
        if frame is None:
            continue
        if table == "engagements":
            frame = frame[frame["post_id"].isin(posts["post_id"])]
        elif table == "posts":
            frame = posts
        else:
            frame = frame[frame["creator_id"] == creator_id]
        rows = _json_rows(frame, table, set(model.model_fields), iso)
        if rows or table == "posts":
            body[table] = rows
    return body


def _json_rows(
    frame: pd.DataFrame, table: str, allowed: set[str], iso: bool
) -> list[dict[str, Any]]:
    columns = [c for c in frame.columns if c in allowed]
    kinds = {c: TABLES[table].column(c).kind for c in columns}
    out = []
    for record in frame[columns].to_dict("records"):
        row = {c: _json_value(v, kinds[c], iso) for c, v in record.items()}
        out.append({c: v for c, v in row.items() if v is not None})
    return out


def _json_value(value: Any, kind: str, iso: bool) -> Any:
    """A dataset cell as JSON: None for missing, bools as booleans, timestamps as int or ISO."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if kind == "timestamp":
        ts = pd.Timestamp(value)
        return ts.isoformat() if iso else int(ts.value // 1_000_000_000)
    if kind == "bool":
        return bool(value)
    if kind in ("count", "int"):
        return int(value)
    return str(value)
