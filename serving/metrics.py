"""Prometheus metrics of one service instance (its own registry, so tests and apps do not mix)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from scoring.scores import Score

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
            "1 for the model version serving now.",
            ["version"],
            registry=r,
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

    def set_model(self, version: str) -> None:
        self.model_version.clear()
        self.model_version.labels(version).set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)
