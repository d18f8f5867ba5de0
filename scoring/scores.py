"""Scores (CONTRACT.md §3) from a model and a feature table: the one scoring path.

Batch scoring, Dask and the HTTP API all score ``feature_matrix``'s output with
:func:`score_feature_matrix`, which ends in :func:`score_rows` (a feature frame goes straight to
it), so the same creator gets the same probabilities, label, fraud_score and reasons from each.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import softmax

from creator_audit.dataset import Dataset
from creator_audit.dataset.columnar import columnar
from features import FeatureMatrix, feature_matrix
from features.basis import Basis
from scoring.decision_paths import DecisionPaths
from scoring.missing_models import unscored_features
from scoring.model import CreatorFraudModel
from scoring.norms import Band, FeatureNorms
from scoring.reason_text import (
    TABLE_OF,
    Partner,
    agrees_with_band,
    reason_text,
    unknown_because,
)

GENUINE = "genuine"
DEFAULT_REASONS = 5


@dataclass(frozen=True)
class Reason:
    feature: str
    value: float | None
    contribution: float
    note: str | None = None  # a short note, for the features that have one
    text: str | None = None  # the reason as a sentence, compared with genuine creators

    def as_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "value": self.value,
            "contribution": self.contribution,
            "note": self.note,
            "text": self.text,
        }


def _fake_share_note(values: dict[str, float]) -> str | None:
    share, margin = values.get("sample_fake_share"), values.get("sample_fake_share_ci95")
    if share is None or math.isnan(share):
        return None
    text = f"{share:.0%} of sampled followers look fake"
    return text if margin is None or math.isnan(margin) else f"{text} (±{margin:.0%})"


# Features whose reason reads better in words; each gets the creator's feature values by name.
NOTES: dict[str, Any] = {"sample_fake_share": _fake_share_note}


@dataclass(frozen=True)
class Score:
    creator_id: str
    label: str
    probabilities: dict[str, float]
    fraud_score: int
    reasons: list[Reason]
    model_version: str
    # What the score rests on (``features.basis.Basis``); None where not known. Which optional
    # tables had rows ({"engagements": True, ..., "comment_events": "complete", ...}):
    coverage: dict[str, Any] | None = None
    snapshot_at: str | None = None  # ISO-8601 UTC: the time the counts were read
    snapshot_source: str | None = None  # "given", or the default: "received" / "read"
    excluded_posts: list[dict[str, Any]] | None = None  # {"rule", "reason", "post_ids"} each
    # Scored as of a past time (``features.basis.Basis.as_of``); None, and absent from
    # ``as_dict``, otherwise, so answers without one are unchanged.
    as_of: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        fields = {
            "creator_id": self.creator_id,
            "label": self.label,
            "probabilities": self.probabilities,
            "fraud_score": self.fraud_score,
            "reasons": [r.as_dict() for r in self.reasons],
            "model_version": self.model_version,
            "coverage": self.coverage,
            "snapshot_at": self.snapshot_at,
            "snapshot_source": self.snapshot_source,
            "excluded_posts": self.excluded_posts,
        }
        return fields if self.as_of is None else {**fields, "as_of": self.as_of}


def fraud_score(p_genuine: np.ndarray) -> np.ndarray:
    """round(100 × (1 − p_genuine)) as integers 0–100 (half away from zero, not banker's)."""
    return np.floor(100.0 * (1.0 - p_genuine) + 0.5).clip(0, 100).astype(np.int64)


def fraud_log_odds_contributions(
    model: CreatorFraudModel, x: np.ndarray, proba: np.ndarray, threads: int = 1
) -> np.ndarray:
    """Per-feature contributions to log(P(fraud) / P(genuine)), shape (rows, features).

    ``x`` is ``model.matrix(features)`` and ``proba`` the model's probabilities for it. The fraud
    side is a log-sum-exp over the three fraud classes; each class's contributions are weighted by
    its share of the fraud probability (the first-order expansion), and the genuine logit's
    contributions count against. Positive means "pushed towards fraud".
    """
    return fraud_log_odds(model, model.contributions(x, threads), proba)


def fraud_log_odds(model: CreatorFraudModel, contrib: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """:func:`fraud_log_odds_contributions` from the contributions to each calibrated logit."""
    contrib = contrib[:, :, :-1]  # drop the bias slot
    g = model.labels.index(GENUINE)
    fraud_mass = np.clip(1.0 - proba[:, g], 1e-12, None)
    weights = proba / fraud_mass[:, None]
    weights[:, g] = 0.0
    return np.einsum("nk,nkf->nf", weights, contrib) - contrib[:, g, :]


def score_feature_matrix(
    model: CreatorFraudModel,
    features: FeatureMatrix,
    n_reasons: int = DEFAULT_REASONS,
    threads: int = 1,
) -> list[Score]:
    """Score every creator of ``feature_matrix``'s output (the API's, batch scoring's and Dask's
    path: no frame is built), with what each score rests on. ``threads`` share the rows of a
    large table (0: every core, for batch jobs; 1 for a request among many)."""
    values = model.matrix(features)
    ids = features.creator_ids.to_pylist()
    basis = None if features.basis is None else features.basis.per_creator()
    return score_rows(model, ids, values, n_reasons, threads, basis)


def score_rows(
    model: CreatorFraudModel,
    creator_ids: Sequence[Any],
    values: np.ndarray,
    n_reasons: int = DEFAULT_REASONS,
    threads: int = 1,
    basis: Sequence[Basis] | None = None,
) -> list[Score]:
    """Scores of the rows of ``values`` (the model's feature matrix), one per creator id;
    ``basis`` (``FeatureMatrix.basis``) says what each row rests on."""
    if len(values) == 0:
        return []
    covered = None if basis is None else [b.coverage for b in basis]
    if n_reasons > 0:  # one compiled walk gives the prediction and what explains it
        logits, leaves, contrib = model.explain(values, threads)
        proba = softmax(logits, axis=1)
        reasons = _reasons_of_rows(model, values, proba, n_reasons, covered, leaves, contrib)
    else:
        proba = model.predict_proba(values, threads)
        reasons = [[] for _ in range(len(values))]
    scores = fraud_score(proba[:, model.labels.index(GENUINE)])
    version = model.version
    out = []
    for i, creator_id in enumerate(creator_ids):
        out.append(
            Score(
                creator_id=str(creator_id),
                label=model.labels[int(proba[i].argmax())],
                probabilities={lab: float(proba[i, j]) for j, lab in enumerate(model.labels)},
                fraud_score=int(scores[i]),
                reasons=reasons[i],
                model_version=version,
                **({} if basis is None else _basis_fields(basis[i])),
            )
        )
    return out


def _reasons_of_rows(
    model: CreatorFraudModel,
    values: np.ndarray,
    proba: np.ndarray,
    n_reasons: int,
    covered: list[dict[str, bool]] | None,
    leaves: np.ndarray,
    contrib: np.ndarray,
) -> list[list[Reason]]:
    """Each row's reasons from its leaves and its contributions to each calibrated logit."""
    towards_fraud = fraud_log_odds(model, contrib, proba)
    explain = _Explainer.of(model)
    return [
        explain.top(
            values[i], towards_fraud[i], n_reasons, None if covered is None else covered[i], leaf
        )
        for i, leaf in enumerate(leaves)
    ]


def _basis_fields(basis: Basis) -> dict[str, Any]:
    return {
        "coverage": basis.coverage,
        "snapshot_at": basis.snapshot_at,
        "snapshot_source": basis.snapshot_source,
        "excluded_posts": basis.excluded_posts,
        "as_of": basis.as_of,
    }


@dataclass(frozen=True)
class _Explainer:
    """Top reasons of a row, with notes and sentences that never contradict themselves
    (``scoring.reason_text``). ``norms``: the model's, or None; ``paths``: what the model reads
    each feature together with (None: nothing); ``unscored``: features the model has no scorer
    for, with the missing scorer's name."""

    names: list[str]
    norms: FeatureNorms | None
    paths: DecisionPaths | None = None
    unscored: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, model: CreatorFraudModel) -> _Explainer:
        paths = model.decision_paths
        return cls(model.feature_names, model.norms, paths, unscored_features(model))

    def top(
        self,
        values: np.ndarray,
        contrib: np.ndarray,
        n: int,
        coverage: dict[str, bool] | None = None,
        leaves: np.ndarray | None = None,
    ) -> list[Reason]:
        """The ``n`` strongest pushes that can be said truly; ``coverage``: which optional tables
        the row rests on (None: not known), ``leaves``: its leaf in every tree."""
        row = _Row(values, contrib, self._followers(values), coverage, leaves)
        reasons: list[Reason] = []
        for j in np.argsort(-np.abs(contrib), kind="stable"):
            if len(reasons) == n or not contrib[j]:
                break
            reason = self._reason(int(j), row)
            if reason is not None:
                reasons.append(reason)
        return reasons

    def _reason(self, j: int, row: _Row) -> Reason | None:
        """Reason ``j`` of the row; None for a push its band contradicts that no feature read
        together with it explains (left out rather than said untruly)."""
        feature, contribution = self.names[j], float(row.contrib[j])
        value = None if math.isnan(row.values[j]) else float(row.values[j])
        band = self._band(feature, row.followers)
        because, partner = None, None
        if value is None:
            sent = _table_sent(feature, row.coverage)
            because = unknown_because(feature, sent, self.unscored.get(feature))
        elif not agrees_with_band(feature, value, contribution, band):
            partner = self._partner(j, row)
            if partner is None:
                return None
        return Reason(
            feature=feature,
            value=value,
            contribution=round(contribution, 4),
            note=self._note(row.values, feature),
            text=reason_text(feature, value, contribution, band, because, partner),
        )

    def _partner(self, j: int, row: _Row) -> Partner | None:
        """The feature sharing the row's decision paths with ``j`` that pushes the same way
        most strongly and whose own push agrees with its band (None when there is none)."""
        if self.paths is None or row.leaves is None:
            return None
        shared = self.paths.shared(row.leaves, j) > 0
        same_way = np.sign(row.contrib) == np.sign(row.contrib[j])
        candidates = np.flatnonzero(shared & same_way & ~np.isnan(row.values))
        for k in candidates[np.argsort(-np.abs(row.contrib[candidates]), kind="stable")]:
            feature, value, push = self.names[k], float(row.values[k]), float(row.contrib[k])
            band = self._band(feature, row.followers)
            if k != j and agrees_with_band(feature, value, push, band):
                return Partner(feature, value)
        return None

    def _band(self, feature: str, followers: float) -> Band | None:
        if self.norms is None or math.isnan(followers):
            return None
        return self.norms.band(feature, followers)

    def _followers(self, values: np.ndarray) -> float:
        if "log_followers" not in self.names:
            return math.nan
        return math.expm1(float(values[self.names.index("log_followers")]))

    def _note(self, values: np.ndarray, feature: str) -> str | None:
        describe = NOTES.get(feature)
        return describe(dict(zip(self.names, values.tolist(), strict=True))) if describe else None


@dataclass(frozen=True)
class _Row:
    """What :class:`_Explainer` reads of one row."""

    values: np.ndarray
    contrib: np.ndarray
    followers: float
    coverage: dict[str, bool] | None
    leaves: np.ndarray | None


def _table_sent(feature: str, coverage: dict[str, bool] | None) -> bool | None:
    """Whether the optional table ``feature`` comes from was sent for the row (None: not known,
    or the feature comes from no optional table)."""
    table = TABLE_OF.get(feature)
    if table is None or coverage is None or table not in coverage:
        return None
    return bool(coverage[table])


def scores_to_frame(scores: list[Score], labels: list[str]) -> pd.DataFrame:
    """Flatten for batch files: ``p_<label>`` columns; ``reasons``, ``coverage`` and
    ``excluded_posts`` as JSON strings, and ``as_of`` too when scored as of a time."""
    as_of = [s.as_of for s in scores]
    as_of_column = {"as_of": [json.dumps(a) for a in as_of]} if any(as_of) else {}
    return pd.DataFrame(
        {
            "creator_id": [s.creator_id for s in scores],
            "label": [s.label for s in scores],
            **{f"p_{lab}": [s.probabilities[lab] for s in scores] for lab in labels},
            "fraud_score": np.array([s.fraud_score for s in scores], dtype=np.int64),
            "reasons": [json.dumps([r.as_dict() for r in s.reasons]) for s in scores],
            "model_version": [s.model_version for s in scores],
            "coverage": [json.dumps(s.coverage) for s in scores],
            "snapshot_at": [s.snapshot_at for s in scores],
            "snapshot_source": [s.snapshot_source for s in scores],
            "excluded_posts": [json.dumps(s.excluded_posts) for s in scores],
            **as_of_column,
        }
    )


def score_dataset(
    model: CreatorFraudModel, ds: Dataset, n_reasons: int = DEFAULT_REASONS, threads: int = 1
) -> pd.DataFrame:
    """One row per creator, in the dataset's order, with every field of CONTRACT.md §3."""
    features = feature_matrix(columnar(ds), model.account_model, model.comment_model)
    scores = score_feature_matrix(model, features, n_reasons=n_reasons, threads=threads)
    return scores_to_frame(scores, model.labels)
