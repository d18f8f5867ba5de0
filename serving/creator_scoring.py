"""Score creators of validated requests: request → dataset → the one feature path → the one scoring
path, the same as files take (``scoring.scores``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from features import FeatureMatrix, feature_matrix
from scoring.model import CreatorFraudModel
from scoring.scores import Score, score_feature_matrix
from serving.decoding import Parsed, Validated, validate_items
from serving.errors import PayloadError
from serving.schemas import ScoreRequest

# Told what was scored (the drift window, ``serving.drift_window``).
Observer = Callable[[CreatorFraudModel, FeatureMatrix, list[Score]], None]


def score_parsed(
    model: CreatorFraudModel,
    items: Sequence[Parsed],
    n_reasons: int,
    observe: Observer | None = None,
) -> list[Score | PayloadError]:
    """One answer per item, in order: its score, or the error that keeps it from being scored."""
    valid = validate_items(items)
    answers: list[Score | PayloadError | None] = [valid.errors.get(i) for i in range(len(items))]
    if valid.dataset is not None:
        # Creators come in the order of ``valid.keys``: the order the items were combined in.
        features = feature_matrix(valid.dataset, model.account_model, model.comment_model)
        scores = score_feature_matrix(model, features, n_reasons=n_reasons)
        if observe is not None:
            _observe_current(observe, model, features, scores, [items[p] for p in valid.positions])
        for position, key, score in zip(valid.positions, valid.keys, scores, strict=True):
            answers[position] = _as_sent(score, items[position], valid, key)
    assert all(a is not None for a in answers)
    return answers  # type: ignore[return-value]


def _observe_current(
    observe: Observer,
    model: CreatorFraudModel,
    features: FeatureMatrix,
    scores: list[Score],
    items: list[Parsed],
) -> None:
    """Tell ``observe`` of the creators scored on all their data: a score as of a past time
    describes the past, not the traffic the drift window watches."""
    rows = [i for i, item in enumerate(items) if item.as_of is None]
    if len(rows) < len(items):
        taken = np.array(rows, dtype=np.int64)
        features = FeatureMatrix(features.creator_ids.take(taken), features.values[taken])
        scores = [scores[i] for i in rows]
    if scores:
        observe(model, features, scores)


def _as_sent(score: Score, item: Parsed, valid: Validated, key: str) -> Score:
    """The score with the ids the item sent (a batch is scored under keys of its own)."""
    excluded = score.excluded_posts
    if excluded is not None and valid.keyed:
        excluded = [
            {**entry, "post_ids": [valid.sent_post_id(key, p) for p in entry["post_ids"]]}
            for entry in excluded
        ]
    return replace(score, creator_id=item.creator_id, excluded_posts=excluded)


def score_batch_items(
    model: CreatorFraudModel,
    items: Sequence[Parsed | PayloadError],
    n_reasons: int,
    observe: Observer | None = None,
) -> list[Score | PayloadError]:
    """One answer per batch item, in order: an item refused while parsing keeps its error, the
    others are scored together."""
    valid = [item for item in items if isinstance(item, Parsed)]
    scores = iter(score_parsed(model, valid, n_reasons, observe) if valid else [])
    return [item if isinstance(item, PayloadError) else next(scores) for item in items]


def score_requests(
    model: CreatorFraudModel, requests: Sequence[ScoreRequest], n_reasons: int
) -> list[Score]:
    """Score well-formed requests in order; the first bad one raises its ``PayloadError``."""
    answers = score_parsed(model, [Parsed(r) for r in requests], n_reasons)
    for answer in answers:
        if isinstance(answer, PayloadError):
            raise answer
    return answers  # type: ignore[return-value]
