"""How a creator's verdict moved: its score as of past times, drawn as a small timeline.

Each point is the creator's score as of one time, cut by the one as-of path
(``creator_audit.dataset.as_of``) and scored by the one scoring path, so a point equals what
``creator-audit score --as-of`` answers for that time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from creator_audit.dataset import Dataset
from creator_audit.dataset.as_of import dataset_as_of
from creator_audit.dataset.columnar import columnar
from creator_audit.dataset.timestamps import iso_utc
from evaluation.audit.evidence import restrict
from evaluation.audit.style import FRAUD, GENUINE_GREEN, INK, STYLE, date_axis, label_name
from evaluation.html import figure, note, table
from features import feature_matrix
from scoring.model import CreatorFraudModel
from scoring.scores import GENUINE, Score, score_feature_matrix

MONTHLY = "monthly"
TimelineSpec = Sequence[float] | Literal["monthly"]  # given as-of times, or each month-end
MAX_MONTHS = 24  # month-ends drawn at most (the latest two years): a page, not a history


@dataclass(frozen=True)
class TimelinePoint:
    at: float  # unix seconds: the as-of time, or the snapshot for the score without one
    as_of: bool  # False: the score of all the data (no as-of time)
    label: str
    fraud_score: int
    p_fraud: float  # 1 - P(genuine)


def verdict_timeline(
    model: CreatorFraudModel, ds: Dataset, creator_id: str, spec: TimelineSpec, end: float | None
) -> list[TimelinePoint]:
    """The creator's score at each time of ``spec`` (given times, or the month-ends from its first
    post), then at ``end`` (the page's as-of time; None: all the data, drawn at its snapshot),
    oldest first."""
    alone = restrict(ds, [creator_id])
    last = _point(model, alone, end)
    if spec == MONTHLY:
        first_post = alone.posts["posted_at"].min()
        times = [] if pd.isna(first_post) else month_ends(first_post.timestamp(), last.at)
    else:
        times = sorted(t for t in spec if t < last.at)
    return [*(_point(model, alone, at) for at in times), last]


def month_ends(start: float, stop: float) -> list[float]:
    """The last second of each month from the one of ``start``, before ``stop``; at most
    ``MAX_MONTHS``, the latest."""
    first, until = (pd.Timestamp(t, unit="s") for t in (start, stop))  # naive UTC
    months = pd.period_range(first, until, freq="M")
    ends = [(m + 1).start_time.timestamp() - 1 for m in months]
    return [t for t in ends if t < stop][-MAX_MONTHS:]


def _point(model: CreatorFraudModel, alone: Dataset, at: float | None) -> TimelinePoint:
    data = alone if at is None else dataset_as_of(alone, at)
    features = feature_matrix(columnar(data), model.account_model, model.comment_model)
    (score,) = score_feature_matrix(model, features, n_reasons=0)
    when = at if at is not None else _snapshot_seconds(score)
    return TimelinePoint(
        at=when,
        as_of=at is not None,
        label=score.label,
        fraud_score=score.fraud_score,
        p_fraud=1.0 - score.probabilities[GENUINE],
    )


def _snapshot_seconds(score: Score) -> float:
    return pd.Timestamp(score.snapshot_at).timestamp() if score.snapshot_at else np.nan


def timeline_section(points: list[TimelinePoint]) -> str:
    """The timeline's chart (P(fraud) over time, each point coloured by its verdict) and table."""
    if len(points) < 2:
        return note("Only one time to score at: no timeline to draw.")
    rows = [
        {
            "as of": iso_utc(p.at) if p.as_of else f"all the data (snapshot {iso_utc(p.at)})",
            "verdict": label_name(p.label),
            "fraud score": p.fraud_score,
            "P(fraud)": f"{p.p_fraud:.1%}",
        }
        for p in points
    ]
    caption = (
        "Each point is the score as of that time: only posts, engagement events and follower "
        "readings dated by then, as the as-of rules say (the likes and comments are the counts "
        "read at the snapshot). The follower sample has no time of its own, so it counts only "
        "from the snapshot on. Green: genuine, red: a fraud class."
    )
    return figure(_chart(points), "P(fraud) as of each time", caption) + table(rows)


def _chart(points: list[TimelinePoint]):
    when = pd.to_datetime([p.at for p in points], unit="s")
    p_fraud = [p.p_fraud for p in points]
    colours = [GENUINE_GREEN if p.label == GENUINE else FRAUD for p in points]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9.6, 2.6))
        ax.plot(when, p_fraud, "-", color=INK, lw=1)
        ax.scatter(when, p_fraud, c=colours, s=28, zorder=3)
        ax.set(title="P(fraud) as of each time", xlabel="as of (UTC)", ylabel="P(fraud)")
        ax.set_ylim(0, 1)
        date_axis(ax)
    return fig
