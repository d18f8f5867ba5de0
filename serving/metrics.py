"""Prometheus metrics of one service instance (its own registry, so tests and apps do not mix).

Under the multi-worker supervisor (``serving.workers``) every worker writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode), and ``/metrics``, whichever
worker answers it, reports the sum over all of them: otherwise each scrape would see one worker's
counters, and Prometheus would read the alternation as counter resets.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

if TYPE_CHECKING:  # annotations only: the supervisor imports this module and never scores,
    # so it need not load the models' stack (pandas, LightGBM, numba: ~100 MiB, ~2 s)
    from scoring.drift import DriftReport
    from scoring.scores import Score

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

LATENCY_BUCKETS = (0.002, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
FRAUD_SCORE_BUCKETS = tuple(float(b) for b in range(10, 101, 10))


class ServiceMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "creator_audit_requests",
            "HTTP requests answered.",
            ["route", "method", "status"],
            registry=r,
        )
        self.errors = Counter(
            "creator_audit_request_errors",
            "HTTP requests answered with a 4xx or 5xx status.",
            ["route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "creator_audit_request_seconds",
            "Time from request to response.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.labels = Counter(
            "creator_audit_predicted_label", "Scores by predicted label.", ["label"], registry=r
        )
        self.fraud_scores = Histogram(
            "creator_audit_fraud_score",
            "Distribution of fraud_score (0-100).",
            buckets=FRAUD_SCORE_BUCKETS,
            registry=r,
        )
        self.model_version = Gauge(
            "creator_audit_model_loaded",
            "1 for the model version serving now (on any live worker).",
            ["version"],
            registry=r,
            multiprocess_mode="livemax",
        )
        self._versions: set[str] = set()
        self.workers = Gauge(
            "creator_audit_workers",
            "Worker processes serving (each live one counts 1).",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.workers.set(1)
        self.feature_psi = Gauge(
            "creator_audit_feature_psi",
            "Population stability index of a feature over the recently scored creators against "
            "the model's training reference (drifted above 0.2).",
            ["feature"],
            registry=r,
            multiprocess_mode="livemax",
        )
        self.prediction_psi = Gauge(
            "creator_audit_prediction_psi",
            "PSI of the predicted labels or fraud_score bands against the model's held-out ones.",
            ["what"],
            registry=r,
            multiprocess_mode="livemax",
        )
        self.drifted = Gauge(
            "creator_audit_drifted",
            "1 when a feature or the predictions drifted in the recent window, else 0.",
            registry=r,
            multiprocess_mode="livemax",
        )
        self.drift_window = Gauge(
            "creator_audit_drift_window_creators",
            "Creators in the window the drift gauges describe.",
            registry=r,
            multiprocess_mode="livemax",
        )
        self.reloads = Counter(
            "creator_audit_model_reloads", "Model reload attempts.", ["outcome"], registry=r
        )

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)
        if status >= 400:
            self.errors.labels(route, str(status)).inc()

    def observe_scores(self, scores: Iterable[Score]) -> None:
        for score in scores:
            self.labels.labels(score.label).inc()
            self.fraud_scores.observe(score.fraud_score)

    def set_drift(self, report: DriftReport) -> None:
        for feature, figures in report.features.items():
            self.feature_psi.labels(feature).set(figures["psi"])
        self.prediction_psi.labels("label").set(report.predictions["label_psi"])
        self.prediction_psi.labels("fraud_score").set(report.predictions["fraud_score_psi"])
        self.drifted.set(1 if report.drifted else 0)
        self.drift_window.set(report.n_creators)

    def clear_drift(self) -> None:
        """A new model: its window starts empty (figures of the old one would mislead)."""
        for gauge in (self.feature_psi, self.prediction_psi):
            gauge.clear()
        self.drifted.set(0)
        self.drift_window.set(0)

    def set_model(self, version: str) -> None:
        # Zero first: in multiprocess mode clear() forgets a label here but not in the file.
        for old in self._versions - {version}:
            self.model_version.labels(old).set(0)
        self.model_version.clear()
        self.model_version.labels(version).set(1)
        self._versions = {version}

    def render(self) -> bytes:
        if not os.environ.get(MULTIPROCESS_DIR_ENV):
            return generate_latest(self.registry)
        every_worker = CollectorRegistry()
        MultiProcessCollector(every_worker)
        return generate_latest(every_worker)
