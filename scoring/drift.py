"""Has the world moved since training? Population stability of every feature and of the scores.

Training stores a :class:`DriftReference` in the model bundle: for each feature, bin edges at the
deciles of its training values, the share of training creators in each bin and the share with the
feature missing; for the predictions, the share of each predicted label and of each fraud_score
decile band, on the held-out creators. New creators are binned the same way and compared by the
population stability index

    PSI = Σ (new_share − reference_share) · ln(new_share / reference_share)

over the bins (missing values are a bin of their own, so a table that stops arriving shows up).
The usual reading, used here: below 0.1 stable, 0.1-0.2 a moderate shift, above
``PSI_THRESHOLD`` = 0.2 drifted. ``creator-audit monitor`` and the API's rolling window
(``serving.drift_window``) both call :func:`compare`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

PSI_THRESHOLD = 0.2
BINS = 10
SHARE_FLOOR = 1e-4  # an empty bin on either side would make PSI infinite
MIN_CREATORS = 50  # fewer new creators than this: too few to judge
FRAUD_SCORE_EDGES = np.arange(10, 100, 10, dtype=np.float64)  # bands 0-9, 10-19, ..., 90-100


@dataclass(frozen=True)
class Histogram:
    """Shares per bin of ``edges`` (values below the first edge in bin 0) and the missing share."""

    edges: list[float]
    shares: list[float]
    missing: float

    @classmethod
    def of(cls, values: np.ndarray, edges: np.ndarray) -> Histogram:
        values = np.asarray(values, dtype=np.float64)
        known = values[~np.isnan(values)]
        counts = np.bincount(np.searchsorted(edges, known, side="right"), minlength=len(edges) + 1)
        n = max(len(values), 1)
        return cls([float(e) for e in edges], (counts / n).tolist(), float(1 - len(known) / n))

    def psi(self, new: Histogram) -> float:
        expected = np.maximum(np.r_[self.shares, self.missing], SHARE_FLOOR)
        actual = np.maximum(np.r_[new.shares, new.missing], SHARE_FLOOR)
        return float(np.sum((actual - expected) * np.log(actual / expected)))


def decile_edges(values: np.ndarray) -> np.ndarray:
    """Distinct inner decile edges of the known values (fewer for features with few values)."""
    known = np.asarray(values, dtype=np.float64)
    known = known[~np.isnan(known)]
    if len(known) == 0:
        return np.zeros(0)
    return np.unique(np.quantile(known, np.linspace(0, 1, BINS + 1)[1:-1]))


@dataclass(frozen=True)
class DriftReference:
    """What training saw: per-feature histograms, predicted-label shares, fraud_score bands."""

    features: dict[str, Histogram]
    labels: dict[str, float]
    fraud_scores: Histogram
    n_creators: int

    @classmethod
    def fit(
        cls,
        names: list[str],
        values: np.ndarray,
        predicted: list[str],
        fraud_scores: np.ndarray,
        label_names: list[str],
    ) -> DriftReference:
        """From the training feature matrix (rows × ``names``) and the predictions on the
        held-out creators."""
        features = {
            name: Histogram.of(values[:, j], decile_edges(values[:, j]))
            for j, name in enumerate(names)
        }
        return cls(
            features=features,
            labels=label_shares(predicted, label_names),
            fraud_scores=Histogram.of(fraud_scores, FRAUD_SCORE_EDGES),
            n_creators=len(values),
        )

    def to_payload(self) -> dict[str, Any]:
        return {
            "features": {k: vars(h) for k, h in self.features.items()},
            "labels": self.labels,
            "fraud_scores": vars(self.fraud_scores),
            "n_creators": self.n_creators,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> DriftReference:
        return cls(
            features={k: Histogram(**h) for k, h in payload["features"].items()},
            labels=dict(payload["labels"]),
            fraud_scores=Histogram(**payload["fraud_scores"]),
            n_creators=int(payload["n_creators"]),
        )


def label_shares(predicted: list[str], label_names: list[str]) -> dict[str, float]:
    n = max(len(predicted), 1)
    return {label: sum(p == label for p in predicted) / n for label in label_names}


@dataclass(frozen=True)
class DriftReport:
    """New creators against the reference; ``drifted`` if any feature or the scores moved."""

    n_creators: int
    features: dict[str, dict[str, Any]]  # name → {"psi", "drifted", "missing", ...}
    predictions: dict[str, Any]
    enough_data: bool

    @property
    def drifted(self) -> bool:
        if not self.enough_data:
            return False
        return self.predictions["drifted"] or any(f["drifted"] for f in self.features.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "drifted": self.drifted,
            "threshold": PSI_THRESHOLD,
            "metric": "population stability index (PSI)",
            "n_creators": self.n_creators,
            "enough_data": self.enough_data,
            "features": self.features,
            "predictions": self.predictions,
        }


def compare(
    reference: DriftReference,
    names: list[str],
    values: np.ndarray,
    predicted: list[str],
    fraud_scores: np.ndarray,
) -> DriftReport:
    """PSI of every reference feature (columns of ``values`` named by ``names``) and of the
    predictions. With fewer than ``MIN_CREATORS`` rows nothing is called drifted."""
    enough = len(values) >= MIN_CREATORS
    position = {name: j for j, name in enumerate(names)}
    features = {}
    for name, expected in reference.features.items():
        if name not in position:
            continue
        actual = Histogram.of(values[:, position[name]], np.asarray(expected.edges))
        psi = expected.psi(actual)
        features[name] = {
            "psi": round(psi, 4),
            "drifted": enough and psi > PSI_THRESHOLD,
            "missing_reference": round(expected.missing, 4),
            "missing_now": round(actual.missing, 4),
        }
    now_scores = Histogram.of(fraud_scores, FRAUD_SCORE_EDGES)
    score_psi = reference.fraud_scores.psi(now_scores)
    now_labels = label_shares(predicted, list(reference.labels))
    label_psi = _shares_psi(reference.labels, now_labels)
    predictions = {
        "fraud_score_psi": round(score_psi, 4),
        "label_psi": round(label_psi, 4),
        "drifted": enough and max(score_psi, label_psi) > PSI_THRESHOLD,
        "label_shares_reference": reference.labels,
        "label_shares_now": now_labels,
        "fraud_score_bands_reference": reference.fraud_scores.shares,
        "fraud_score_bands_now": now_scores.shares,
    }
    return DriftReport(len(values), features, predictions, enough)


def _shares_psi(expected: dict[str, float], actual: dict[str, float]) -> float:
    e = np.maximum([expected[k] for k in expected], SHARE_FLOOR)
    a = np.maximum([actual.get(k, 0.0) for k in expected], SHARE_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))
