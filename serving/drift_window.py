"""The API's drift gauges: the last creators it scored, compared with the model's reference.

Each worker keeps a rolling window of the feature rows and scores it answered (``window`` rows,
default 1,000) and, every ``every`` new rows once the window holds enough creators to judge,
recomputes the population stability index of every feature and of the predictions
(``scoring.drift``, the same figures ``creator-audit monitor`` writes) and sets them on
``/metrics``: ``creator_audit_feature_psi{feature=…}``, ``creator_audit_prediction_psi{what=…}``
and ``creator_audit_drifted`` (1 when anything passed the threshold), so an alert rule can fire.
A model swap starts a new window against the new model's reference.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from features import FeatureMatrix
from scoring.drift import MIN_CREATORS, DriftReport, compare
from scoring.model import CreatorFraudModel
from scoring.scores import Score
from serving.metrics import ServiceMetrics


class DriftWindow:
    def __init__(self, metrics: ServiceMetrics, window: int = 1_000, every: int = 100) -> None:
        self.metrics = metrics
        self.window = window
        self.every = every
        self._lock = threading.Lock()
        self._model: CreatorFraudModel | None = None
        self._rows = np.zeros((0, 0))
        self._labels: list[str] = []
        self._scores = np.zeros(0)
        self._since_update = 0
        self.last_report: DriftReport | None = None

    def observe(
        self, model: CreatorFraudModel, features: FeatureMatrix, scores: Sequence[Score]
    ) -> None:
        """Add what was just scored; refresh the gauges when due. Models without a reference
        (trained before drift references existed) are not watched."""
        if model.drift_reference is None or not scores:
            return
        values = model.matrix(features)
        with self._lock:
            if model is not self._model:
                self._start(model)
            self._append(values, scores)
            self._since_update += len(scores)
            if self._since_update >= self.every and len(self._rows) >= MIN_CREATORS:
                self._since_update = 0
                self._publish(model)

    def _start(self, model: CreatorFraudModel) -> None:
        self._model = model
        self._rows = np.zeros((0, len(model.feature_names)))
        self._labels, self._scores = [], np.zeros(0)
        self.metrics.clear_drift()

    def _append(self, values: np.ndarray, scores: Sequence[Score]) -> None:
        keep = self.window
        self._rows = np.vstack([self._rows, values])[-keep:]
        self._labels = (self._labels + [s.label for s in scores])[-keep:]
        new_scores = np.array([s.fraud_score for s in scores], dtype=np.float64)
        self._scores = np.concatenate([self._scores, new_scores])[-keep:]

    def _publish(self, model: CreatorFraudModel) -> None:
        assert model.drift_reference is not None
        report = compare(
            model.drift_reference, model.feature_names, self._rows, self._labels, self._scores
        )
        self.last_report = report
        self.metrics.set_drift(report)
