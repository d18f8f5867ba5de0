"""Probability calibration: measure it (expected calibration error) and fix it (vector scaling).

LightGBM's raw multiclass probabilities are over-confident (the validation ECE before and after
is logged with every run). Vector scaling (Guo et al. 2017) learns one scale and one bias per
class on the validation logits: it corrects both over-confidence and the prior shift, keeps the
ranking within each class logit, and stays linear, so per-feature contributions remain exact
after calibration. The fitting sits beside ``VectorScaling.apply`` because the bundle carries
the fitted scaling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax

ECE_BINS = 15


def expected_calibration_error(proba: np.ndarray, y: np.ndarray, bins: int = ECE_BINS) -> float:
    """Top-label ECE: the sample-weighted gap between confidence and accuracy over equal bins."""
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == y).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    gap = np.bincount(which, weights=confidence - correct, minlength=bins)
    return float(np.abs(gap).sum() / max(len(y), 1))


@dataclass(frozen=True)
class VectorScaling:
    """Calibrated logits ``scale * z + bias``, one pair per class."""

    scale: np.ndarray
    bias: np.ndarray

    def apply(self, logits: np.ndarray) -> np.ndarray:
        return logits * self.scale + self.bias

    @classmethod
    def identity(cls, n_classes: int) -> VectorScaling:
        return cls(np.ones(n_classes), np.zeros(n_classes))

    @classmethod
    def fit(cls, logits: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> VectorScaling:
        """Minimise the validation log-loss (with a small pull towards the identity)."""
        k = logits.shape[1]
        onehot = np.eye(k)[y]

        def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
            scale, bias = params[:k], params[k:]
            z = logits * scale + bias
            logp = log_softmax(z, axis=1)
            nll = -(onehot * logp).sum() / len(y)
            resid = softmax(z, axis=1) - onehot  # d nll / d z, per row
            g_scale = (resid * logits).sum(axis=0) / len(y) + 2 * l2 * (scale - 1)
            g_bias = resid.sum(axis=0) / len(y) + 2 * l2 * bias
            penalty = l2 * (((scale - 1) ** 2).sum() + (bias**2).sum())
            return nll + penalty, np.concatenate([g_scale, g_bias])

        start = np.concatenate([np.ones(k), np.zeros(k)])
        result = minimize(loss, start, jac=True, method="L-BFGS-B")
        return cls(result.x[:k].copy(), result.x[k:].copy())
