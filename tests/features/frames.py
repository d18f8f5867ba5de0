"""Tiny typed frames for feature tests, with the canonical dtypes of ``creator_audit.schema``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from creator_audit.dataset.types import Dataset
from creator_audit.schema import TABLES
from features._tables import trait
from features.accounts import Accounts
from features.fake_share import ShareRates
from features.share_profiles import ShareProfiles

T0 = pd.Timestamp("2026-03-02T12:00:00Z")
MIN = pd.Timedelta(minutes=1)
HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)

_DTYPES = {
    "str": "str",
    "label": "str",
    "kind": "str",
    "count": "int64",
    "timestamp": "datetime64[ns, UTC]",
    "int": "float64",
    "bool": "float64",
}


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """A frame of contract table ``table``: its required columns plus any the rows use."""
    spec = TABLES[table]
    used = {key for row in rows for key in row}
    columns = [c for c in spec.columns if c.required or c.name in used]
    data = {c.name: [row.get(c.name) for row in rows] for c in columns}
    return pd.DataFrame(
        {c.name: pd.Series(data[c.name], dtype=_DTYPES[c.kind]) for c in columns},
        columns=[c.name for c in columns],
    )


def creators(*rows: dict) -> pd.DataFrame:
    defaults = {"followers": 1_000, "following": 500, "media_count": 50}
    return frame("creators", [defaults | row for row in rows])


def posts(*rows: dict) -> pd.DataFrame:
    return frame("posts", [{"likes": 0, "comments": 0} | row for row in rows])


def engagements(*rows: dict) -> pd.DataFrame:
    return frame("engagements", [{"kind": "like"} | row for row in rows])


def follower_counts(*rows: dict) -> pd.DataFrame:
    return frame("follower_counts", list(rows))


def follower_samples(*rows: dict) -> pd.DataFrame:
    defaults = {"followers": 100, "following": 100, "media_count": 10}
    return frame("follower_samples", [defaults | row for row in rows])


def empty(table: str) -> pd.DataFrame:
    return frame(table, [])


def full_dataset() -> Dataset:
    """Creator "a" has data for every feature; "b" has one young post only; "c" has no posts."""
    snapshot = T0 + 60 * DAY
    post_times = [T0 + i * DAY + i * 7 * HOUR for i in range(4)] + [T0 + 20 * DAY]
    a_posts = [
        {
            "creator_id": "a",
            "post_id": f"a{i}",
            "posted_at": t,
            "likes": 40 + 17 * i,
            "comments": 2,  # as many as its comment events below: the list is complete
        }
        for i, t in enumerate(post_times)
    ]
    events = []
    for i, t in enumerate(post_times):
        for j in range(6):
            events.append({"post_id": f"a{i}", "actor_id": f"pod{j % 3}", "at": t + (j + 1) * MIN})
        events.append({"post_id": f"a{i}", "actor_id": "fan", "at": t + 7 * HOUR})
        for k in range(4):
            events.append({"post_id": f"a{i}", "actor_id": f"bot{k}", "at": t + 8 * HOUR + k * MIN})
        events.append(
            {
                "post_id": f"a{i}",
                "actor_id": "pod0",
                "kind": "comment",
                "at": t + 2 * MIN,
                "text": "nice",
            }
        )
        events.append(
            {
                "post_id": f"a{i}",
                "actor_id": f"c{i}",
                "kind": "comment",
                "at": t + 3 * HOUR,
                "text": f"the light in photo {i} is lovely today",
            }
        )
    counts = [
        {"creator_id": "a", "at": T0 + d * DAY, "followers": 1_000 if d < 10 else 1_500 - 10 * d}
        for d in range(-5, 30)
    ]
    samples = [
        {
            "creator_id": "a",
            "account_id": f"s{i}",
            "followers": 10 * i,
            "following": 700 * i,
            "media_count": i % 2,
            "username": f"user{i}{i}{i}",
            "has_profile_pic": i % 2,
            "is_private": 0,
            "bio_length": 5 * (i % 3),
        }
        for i in range(6)
    ]
    return Dataset(
        creators=creators(
            {"creator_id": "a", "snapshot_at": snapshot},
            {"creator_id": "b", "followers": 300},
            {"creator_id": "c"},
        ),
        posts=posts(*a_posts, {"creator_id": "b", "post_id": "b0", "posted_at": T0, "likes": 9}),
        engagements=engagements(*events),
        follower_counts=follower_counts(*counts),
        follower_samples=follower_samples(*samples),
    )


class FollowsManyIsFake:
    """A stand-in account model: p_fake 0.9 for accounts following over 1,000, else 0.1; no
    error rates or profiles unless given (the flagged share is then taken as it is)."""

    threshold = 0.5

    def __init__(
        self, share_rates: ShareRates | None = None, share_profiles: ShareProfiles | None = None
    ) -> None:
        self.share_rates = share_rates
        self.share_profiles = share_profiles

    def p_fake(self, accounts: Accounts) -> np.ndarray:
        return np.where(trait(accounts, "following") > 1_000, 0.9, 0.1)


class MoneyIsSpam:
    """A stand-in comment model: p_spam 0.9 for texts with "$" or "profit", else 0.2; it records
    the texts it was asked about."""

    threshold = 0.5

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def p_spam(self, texts: Sequence[str]) -> np.ndarray:
        self.asked.append(list(texts))
        return np.array([0.9 if "$" in t or "profit" in t else 0.2 for t in texts])
