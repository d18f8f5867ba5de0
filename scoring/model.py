"""The creator fraud model as one self-contained object: booster, calibration, feature list, labels.

Training produces it; MLflow stores it (a pyfunc wrapping this bundle) and ``models/`` holds it as a
bundle file (``creator_audit.bundle``: plain data, nothing pickled), so batch scoring and the API
load exactly the same thing either way.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.special import softmax

from creator_audit.bundle import BundleError, payload_read_as, read_bundle, write_bundle
from features import FEATURE_COLUMNS, FeatureMatrix
from scoring.account_model import AccountModel
from scoring.booster import BoosterModel
from scoring.calibration import VectorScaling
from scoring.comment_model import CommentModel
from scoring.compiled_trees import CompiledTrees
from scoring.decision_paths import DecisionPaths
from scoring.drift import DriftReference
from scoring.norms import FeatureNorms

BUNDLE_FORMAT = 1
T = TypeVar("T")
S = TypeVar("S", AccountModel, CommentModel)
BUNDLE_KIND = "creator-fraud"


@dataclass
class CreatorFraudModel(BoosterModel):
    """A trained, calibrated multiclass model over a fixed feature list."""

    booster_text: str
    feature_names: list[str]
    labels: list[str]
    calibration: VectorScaling
    metadata: dict[str, Any] = field(default_factory=dict)
    # The account model that scored the follower samples the model learned from; the audience
    # features need it at scoring time too. None: those features are missing.
    account_model: AccountModel | None = None
    # The comment model that read the comment texts the model learned from (the comment-spam
    # features), carried for the same reason. None: those features are missing.
    comment_model: CommentModel | None = None
    # Feature quantiles of the genuine training creators per follower tier: what reasons compare
    # a creator with. None for bundles written before norms existed (reasons then lack the
    # comparison, nothing else changes).
    norms: FeatureNorms | None = None
    # The training creators' feature distributions and the held-out predictions: what
    # ``creator-audit monitor`` and the API's drift gauges compare new creators with.
    drift_reference: DriftReference | None = None
    _booster: lgb.Booster | None = field(default=None, repr=False, compare=False)
    _trees: CompiledTrees | None = field(default=None, repr=False, compare=False)
    _paths: DecisionPaths | None = field(default=None, repr=False, compare=False)

    def matrix(self, features: pd.DataFrame | FeatureMatrix | np.ndarray) -> np.ndarray:
        """The feature matrix in training order, from a feature frame or ``feature_matrix``'s
        output; a missing feature column is an error.

        A matrix already built by this method is returned as it is, so callers that need the
        values and several predictions build it once.
        """
        if isinstance(features, np.ndarray):
            return features
        available = FEATURE_COLUMNS if isinstance(features, FeatureMatrix) else features.columns
        missing = [c for c in self.feature_names if c not in available]
        if missing:
            raise ValueError(f"feature table lacks columns the model needs: {', '.join(missing)}")
        if isinstance(features, FeatureMatrix):
            return features.select(self.feature_names)
        return features[self.feature_names].to_numpy(dtype=np.float64, na_value=np.nan)

    def logits(self, features: pd.DataFrame | np.ndarray, threads: int = 1) -> np.ndarray:
        """Calibrated logits. ``threads`` share a large batch's rows (0: every core); one by
        default: an API answers requests in parallel (MEASURED.md)."""
        raw, _, _ = self.walk(self.matrix(features), threads)
        return self.calibration.apply(raw)

    def predict_proba(self, features: pd.DataFrame | np.ndarray, threads: int = 1) -> np.ndarray:
        """Calibrated probabilities, one column per label in ``self.labels`` order."""
        return softmax(self.logits(features, threads), axis=1)

    def contributions(self, features: pd.DataFrame | np.ndarray, threads: int = 1) -> np.ndarray:
        """Per-feature contributions to each calibrated logit: shape (rows, labels, features + 1).

        The last slot is the bias. Rows sum exactly to :meth:`logits` because vector scaling is
        linear in LightGBM's raw score.
        """
        return self.explain(features, threads)[2]

    def explain(
        self, features: pd.DataFrame | np.ndarray, threads: int = 1
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Calibrated logits, leaves and the contributions to each calibrated logit, from one
        compiled walk over the trees (exact TreeSHAP, equal to LightGBM's ``pred_contrib``)."""
        raw, leaves, contrib = self.walk(self.matrix(features), threads, with_contributions=True)
        assert contrib is not None
        contrib *= self.calibration.scale[None, :, None]
        contrib[:, :, -1] += self.calibration.bias[None, :]
        return self.calibration.apply(raw), leaves, contrib

    def leaves(self, features: pd.DataFrame | np.ndarray, threads: int = 1) -> np.ndarray:
        """Each row's leaf in every tree, shape (rows, trees): its decision paths."""
        return self.walk(self.matrix(features), threads)[1]

    @property
    def decision_paths(self) -> DecisionPaths:
        """Which features each tree splits on along the way to each leaf (built on first use)."""
        if self._paths is None:
            self._paths = DecisionPaths.of(self.booster)
        return self._paths

    def to_payload(self) -> dict[str, Any]:
        """The bundle's plain data: no live booster inside, just its text."""
        return {
            "format": BUNDLE_FORMAT,
            "booster_text": self.booster_text,
            "feature_names": list(self.feature_names),
            "labels": list(self.labels),
            "calibration": {
                "scale": self.calibration.scale.tolist(),
                "bias": self.calibration.bias.tolist(),
            },
            "metadata": dict(self.metadata),
            "account_model": None
            if self.account_model is None
            else self.account_model.to_payload(),
            "comment_model": None
            if self.comment_model is None
            else self.comment_model.to_payload(),
            "norms": None if self.norms is None else self.norms.to_payload(),
            "drift_reference": None
            if self.drift_reference is None
            else self.drift_reference.to_payload(),
        }

    @classmethod
    def from_payload(cls, payload: Any, where: str) -> CreatorFraudModel:
        """The model in ``payload``; ``where`` names it in errors."""
        if not isinstance(payload, dict) or payload.get("format") != BUNDLE_FORMAT:
            raise BundleError(f"{where} is not a creator-fraud model bundle (format 1)")
        calibration = VectorScaling(
            np.asarray(payload["calibration"]["scale"]), np.asarray(payload["calibration"]["bias"])
        )
        return cls(
            booster_text=payload["booster_text"],
            feature_names=list(payload["feature_names"]),
            labels=list(payload["labels"]),
            calibration=calibration,
            metadata=dict(payload["metadata"]),
            account_model=_scorer(
                payload.get("account_model"), AccountModel, f"{where} (account model)"
            ),
            comment_model=_scorer(
                payload.get("comment_model"), CommentModel, f"{where} (comment model)"
            ),
            norms=_optional_part(
                payload.get("norms"),
                FeatureNorms.from_payload,
                where,
                "the genuine-creator norms are",
            ),
            drift_reference=_optional_part(
                payload.get("drift_reference"),
                DriftReference.from_payload,
                where,
                "the drift reference is",
            ),
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the bundle atomically."""
        return write_bundle(path, self.to_payload(), BUNDLE_KIND)

    @classmethod
    def load(cls, path: str | os.PathLike[str], name: str | None = None) -> CreatorFraudModel:
        """The bundle at ``path``; ``name`` is what errors call it (its path by default)."""
        where = name or str(path)
        payload = read_bundle(path, BUNDLE_KIND, where)
        with payload_read_as(where):
            return cls.from_payload(payload, where)


def _scorer(payload: Any, model_type: type[S], where: str) -> S | None:
    """The account or comment model carried in the bundle (None when it has none); these name
    their own unreadable payloads."""
    return None if payload is None else model_type.from_payload(payload, where)


def _optional_part(payload: Any, read: Callable[[Any], T], where: str, what: str) -> T | None:
    """A part of the bundle that older bundles lack (None), read or named as unreadable."""
    if payload is None:
        return None
    try:
        return read(payload)
    except (KeyError, TypeError, ValueError) as err:
        raise BundleError(f"{where}: {what} unreadable: {err}") from None
