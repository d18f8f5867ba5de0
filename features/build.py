"""The model input table: every feature family joined, one row per creator.

Training, batch scoring, Dask and the real-time API all compute features with
``feature_matrix`` (``build_features`` is it, as a frame indexed by creator_id), so the features
a model sees in production are computed by exactly the code it was trained with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from creator_audit.dataset.columnar import ColumnDataset, columnar
from creator_audit.dataset.types import Dataset
from features._tables import creator_index, prepare_events, prepare_posts
from features.accounts import AccountScorer
from features.audience import AUDIENCE_COLUMNS, GROWTH_COLUMNS, SAMPLE_COLUMNS, audience_from
from features.basis import FeatureBasis, feature_basis
from features.engagement import ENGAGEMENT_COLUMNS, engagement_from
from features.engagers import ENGAGER_COLUMNS, CommentScorer, actor_codes, engager_from
from features.posting_window import POSTING_WINDOW_COLUMNS, posting_window_from
from features.timing import EVENT_TIMING_COLUMNS, TIMING_COLUMNS, timing_from

FEATURE_FAMILIES: dict[str, tuple[str, ...]] = {
    "engagement": ENGAGEMENT_COLUMNS,
    "timing": TIMING_COLUMNS,
    "posting_window": POSTING_WINDOW_COLUMNS,
    "engagers": ENGAGER_COLUMNS,
    "audience": AUDIENCE_COLUMNS,
}
FEATURE_COLUMNS: tuple[str, ...] = tuple(c for cols in FEATURE_FAMILIES.values() for c in cols)
FEATURE_POSITIONS = {name: j for j, name in enumerate(FEATURE_COLUMNS)}
# Still computed, so that models trained with them keep scoring, but no longer trained on:
# comment_spam_mean read backwards (a spammier comment section pushed towards genuine, giveaway
# and finance creators' comments being spam-heavy) and dropping it raised macro-F1 on the main
# job's data (test 0.8996 -> 0.9021, holdout 0.9075 -> 0.9092; docs/models/creator.md).
RETIRED_COLUMNS: tuple[str, ...] = ("comment_spam_mean",)
MODEL_COLUMNS: tuple[str, ...] = tuple(c for c in FEATURE_COLUMNS if c not in RETIRED_COLUMNS)
# The features each optional table feeds: with the table absent they are NaN (CONTRACT.md §1).
OPTIONAL_TABLE_FEATURES: dict[str, tuple[str, ...]] = {
    "engagements": EVENT_TIMING_COLUMNS + ENGAGER_COLUMNS,
    "follower_counts": GROWTH_COLUMNS,
    "follower_samples": SAMPLE_COLUMNS,
}

# Below this many engagement events a second thread costs more than it saves (API-sized inputs).
PARALLEL_MIN_EVENTS = 200_000


@dataclass(frozen=True)
class FeatureMatrix:
    """Features as the models take them: ``values[i, j]`` is feature ``FEATURE_COLUMNS[j]`` of
    creator ``creator_ids[i]`` (float64, NaN where missing)."""

    creator_ids: pa.Array
    values: np.ndarray
    # What each creator's features rest on (snapshot, posts left out, optional tables), so a
    # score can say it. None when not known.
    basis: FeatureBasis | None = None

    def frame(self) -> pd.DataFrame:
        index = creator_index(self.creator_ids)
        return pd.DataFrame(self.values, index=index, columns=list(FEATURE_COLUMNS), copy=False)

    def select(self, names: Sequence[str]) -> np.ndarray:
        """The columns ``names``, in that order, as one contiguous matrix."""
        return np.ascontiguousarray(self.values[:, [FEATURE_POSITIONS[n] for n in names]])


def build_features(
    ds: Dataset | ColumnDataset,
    accounts: AccountScorer | None = None,
    comments: CommentScorer | None = None,
) -> pd.DataFrame:
    """Features for every creator of ``ds``: float64 columns ``FEATURE_COLUMNS``, index
    ``creator_id`` in ``ds.creators`` order. Missing optional tables give NaN features.

    ``accounts`` is the account model that judges each sampled follower, ``comments`` the comment
    model that reads each comment text (a creator model carries the ones it was trained with,
    ``model.account_model`` and ``model.comment_model``); without one, its features are missing.
    """
    return feature_matrix(columnar(ds), accounts, comments).frame()


def feature_matrix(
    ds: ColumnDataset,
    accounts: AccountScorer | None = None,
    comments: CommentScorer | None = None,
) -> FeatureMatrix:
    """:func:`build_features` without the frame: what the API scores a request's creators from.
    Both compute every feature with the same kernels, from the same columns."""
    n_events = 0 if ds.engagements is None else len(ds.engagements)
    if n_events < PARALLEL_MIN_EVENTS:
        return _build(ds, accounts, comments, run_engagers=lambda f: _Done(f()))
    with ThreadPoolExecutor(max_workers=1) as worker:
        # The engager family (hashing actor ids first) runs on the second core, mostly in Arrow
        # and numpy code that releases the GIL, while this thread computes the other families.
        return _build(ds, accounts, comments, run_engagers=worker.submit)


def _build(
    ds: ColumnDataset,
    accounts: AccountScorer | None,
    comments: CommentScorer | None,
    run_engagers: Callable[[Callable[[], Any]], Any],
) -> FeatureMatrix:
    actors = run_engagers(lambda: actor_codes(ds.engagements))
    # Posts and events are joined and sorted once, then shared by the families.
    posts = prepare_posts(ds.creators, ds.posts, ds.read_time, ds.as_of)
    events = prepare_events(posts, ds.engagements)
    engagers = run_engagers(
        lambda: engager_from(posts, events, ds.engagements, actors.result(), comments)
    )
    columns = {
        **engagement_from(posts, ds.creators),
        **timing_from(posts, events),
        **posting_window_from(posts),
        **audience_from(posts, ds.creators, ds.follower_counts, ds.follower_samples, accounts),
        **engagers.result(),
    }
    values = np.empty((posts.n, len(FEATURE_COLUMNS)))
    for j, name in enumerate(FEATURE_COLUMNS):
        values[:, j] = columns[name]
    return FeatureMatrix(posts.ids, values, feature_basis(ds, posts, events))


class _Done:
    """An already computed result with the ``Future.result()`` face, for the sequential path."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def result(self) -> Any:
        return self._value
