"""Which creators a page shows, and what it shows of each: their scores and the rows the features
read (``Evidence``), from the project's one scoring path."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from creator_audit.dataset import Dataset
from creator_audit.dataset.columnar import columnar
from features import feature_matrix
from features._tables import Posts, prepare_posts
from scoring.model import CreatorFraudModel
from scoring.scores import Score, score_feature_matrix

# --- which creators ---------------------------------------------------------------------------


def read_creator_ids(path: Path) -> list[str]:
    """Creator ids from a CSV or Parquet file's ``creator_id`` column, or from a text file with
    one id per line (blank lines, ``#`` comments and a ``creator_id`` header skipped)."""
    if path.suffix in (".csv", ".parquet"):
        frame = pd.read_csv(path, dtype=str) if path.suffix == ".csv" else pd.read_parquet(path)
        if "creator_id" not in frame.columns:
            raise ValueError(f"{path}: has no creator_id column")
        ids = frame["creator_id"].dropna().astype(str).str.strip().tolist()
    else:
        lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
        ids = [line for line in lines if line and line != "creator_id"]
    if not ids:
        raise ValueError(f"{path}: names no creator")
    return ids


def restrict(ds: Dataset, creator_ids: Sequence[str], source: str = "the dataset") -> Dataset:
    """The dataset cut to ``creator_ids`` (in that order, each once), so scoring a few creators
    of a big dataset costs what those creators cost. An unknown id is a LookupError naming it."""
    ids = list(dict.fromkeys(str(c) for c in creator_ids))
    positions = pd.Index(ds.creators["creator_id"]).get_indexer(ids)
    unknown = [c for c, at in zip(ids, positions, strict=True) if at < 0]
    if unknown:
        raise LookupError(_unknown_message(unknown, source))
    posts = _rows_in(ds.posts, "creator_id", ids)
    return Dataset(
        creators=ds.creators.iloc[positions].reset_index(drop=True),
        posts=posts,
        engagements=_rows_in(ds.engagements, "post_id", posts["post_id"]),
        follower_counts=_rows_in(ds.follower_counts, "creator_id", ids),
        follower_samples=_rows_in(ds.follower_samples, "creator_id", ids),
        labels=_rows_in(ds.labels, "creator_id", ids),
        read_time=ds.read_time,
        as_of=None if ds.as_of is None else ds.as_of.take(positions),
    )


def _unknown_message(unknown: list[str], source: str) -> str:
    if len(unknown) == 1:
        return f"creator {unknown[0]} is not in {source}"
    shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
    return f"creators {shown} are not in {source}"


def _rows_in(frame: pd.DataFrame | None, column: str, values: Iterable[str]) -> pd.DataFrame | None:
    if frame is None:
        return None
    return frame.loc[frame[column].isin(list(values))].reset_index(drop=True)


# --- what the page shows of one creator -------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """One creator's score, feature values and tables (None: no rows sent for it)."""

    creator_id: str
    followers: float
    score: Score
    features: dict[str, float]
    # Every post, oldest first; ``read``: among the recent posts the features read.
    posts: pd.DataFrame | None
    events: pd.DataFrame | None  # on the read posts, with ``delay_minutes`` and ``in_ratios``
    counts: pd.DataFrame | None
    sample: pd.DataFrame | None
    known_label: str | None  # from a labels table, when the data has one


def gather(model: CreatorFraudModel, ds: Dataset) -> list[Evidence]:
    """Score every creator of ``ds`` (already restricted) and collect what its page draws."""
    tables = columnar(ds)
    matrix = feature_matrix(tables, model.account_model, model.comment_model)
    scores = score_feature_matrix(model, matrix)
    values = matrix.frame()
    posts = _posts_with_reading(
        ds, prepare_posts(tables.creators, tables.posts, tables.read_time, tables.as_of)
    )
    events = _events_with_delay(ds.engagements, posts)
    followers = ds.creators.set_index("creator_id")["followers"]
    return [
        Evidence(
            creator_id=s.creator_id,
            followers=float(followers[s.creator_id]),
            score=s,
            features=values.loc[s.creator_id].to_dict(),
            posts=_of(posts, s.creator_id),
            events=_of(events, s.creator_id),
            counts=_of(ds.follower_counts, s.creator_id, "at"),
            sample=_of(ds.follower_samples, s.creator_id),
            known_label=_known_label(ds.labels, s.creator_id),
        )
        for s in scores
    ]


def _posts_with_reading(ds: Dataset, features_read: Posts) -> pd.DataFrame:
    """All posts, with whether the features read them and use them for ratios (young posts,
    still collecting likes, do not count there)."""
    used = pd.DataFrame(
        {"post_id": features_read.post_id.to_pylist(), "in_ratios": features_read.in_ratios}
    )
    posts = ds.posts.merge(used, on="post_id", how="left")
    posts["read"] = posts["in_ratios"].notna()
    posts["in_ratios"] = posts["in_ratios"].fillna(False).astype(bool)
    return posts.sort_values(["creator_id", "posted_at"], kind="stable")


def _events_with_delay(
    engagements: pd.DataFrame | None, posts: pd.DataFrame
) -> pd.DataFrame | None:
    """Like and comment events on the read posts, with minutes since posting (clock skew that
    puts an event before its post counts as 0, as in the features)."""
    if engagements is None:
        return None
    read = posts.loc[posts["read"], ["post_id", "creator_id", "posted_at", "in_ratios"]]
    events = engagements.loc[engagements["kind"].isin(["like", "comment"])].merge(
        read, on="post_id"
    )
    events = events.loc[events["at"].notna()]
    delay = (events["at"] - events["posted_at"]).dt.total_seconds() / 60.0
    return events.assign(delay_minutes=delay.clip(lower=0.0).to_numpy())


def _of(
    frame: pd.DataFrame | None, creator_id: str, order: str | None = None
) -> pd.DataFrame | None:
    """The creator's rows of ``frame``; None when there are none."""
    if frame is None:
        return None
    rows = frame.loc[frame["creator_id"] == creator_id]
    if rows.empty:
        return None
    return rows.sort_values(order, kind="stable") if order else rows


def _known_label(labels: pd.DataFrame | None, creator_id: str) -> str | None:
    if labels is None:
        return None
    rows = labels.loc[labels["creator_id"] == creator_id]
    if rows.empty:
        return None
    row = rows.iloc[0]
    hard = row.get("hard_case")
    extra = f" (hard case: {hard})" if isinstance(hard, str) and hard != "none" else ""
    return f"{row['label']}{extra}"
