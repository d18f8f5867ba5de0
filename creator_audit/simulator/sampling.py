"""Vectorised random helpers shared by the simulator modules (no per-row Python loops)."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

_EPS = 1e-12


def log_uniform(rng: np.random.Generator, bounds: tuple[float, float], size) -> np.ndarray:
    lo, hi = bounds
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size))


def uniform(rng: np.random.Generator, bounds: tuple[float, float], size) -> np.ndarray:
    return rng.uniform(bounds[0], bounds[1], size)


def trunc_lognormal(rng, median, sigma, lo, hi, size=None) -> np.ndarray:
    """Lognormal(median, sigma) truncated to [lo, hi] by inverse CDF (no spikes at the bounds)."""
    mu = np.log(median)
    a = ndtr((np.log(lo) - mu) / sigma)
    b = ndtr((np.log(hi) - mu) / sigma)
    u = a + (b - a) * rng.random(size if size is not None else np.shape(a))
    return np.exp(mu + sigma * ndtri(np.clip(u, _EPS, 1 - _EPS)))


def lognormal_mean1(rng, sigma, size) -> np.ndarray:
    """Multiplicative noise with mean 1."""
    return np.exp(rng.normal(-0.5 * np.square(sigma), sigma, size))


def ragged(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of ``counts`` rows: (group of each row, position of the row in its group)."""
    counts = np.asarray(counts, dtype=np.int64)
    group = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    return group, np.arange(group.size) - starts[group]


def rank_in_group(group: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order rows by (group, key); return (order, rank of each ordered row within its group).

    ``key`` holds non-negative integers below 2^32 (e.g. random draws); one int64 argsort.
    """
    order = np.argsort((np.asarray(group, np.int64) << 32) | np.asarray(key, np.int64))
    g = group[order]
    first = np.r_[True, g[1:] != g[:-1]]
    starts = np.flatnonzero(first)
    sizes = np.diff(np.r_[starts, g.size])
    return order, np.arange(g.size) - np.repeat(starts, sizes)


def random_keys(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 1 << 32, n, dtype=np.int64)


def choose_in_groups(group: np.ndarray, k_per_group: np.ndarray, rng) -> np.ndarray:
    """Indices of rows forming a uniform random subset of size k (per group) of each group."""
    order, rank = rank_in_group(group, random_keys(rng, group.size))
    return np.sort(order[rank < k_per_group[group[order]]])


class Arrival:
    """Delay after posting: a fast exponential share plus a lognormal tail, truncated at the age.

    ``cdf(age)`` is the share of the eventual engagement that has arrived at ``age`` seconds;
    ``sample(rng, age)`` draws delays conditional on having arrived (exact, no rejection).
    """

    def __init__(self, fast_share, fast_mean_s, slow_median_s, slow_sigma, lo=0.0, hi=np.inf):
        self.w = float(fast_share)
        self.tau = float(fast_mean_s)
        self.mu = float(np.log(slow_median_s))
        self.sigma = float(slow_sigma)
        self.lo, self.hi = float(lo), float(hi)

    def _cdf_fast(self, t):
        return 1.0 - np.exp(-np.maximum(t, 0.0) / self.tau) if self.w > 0 else np.zeros_like(t)

    def _cdf_slow(self, t):
        t = np.clip(t, self.lo, self.hi)
        a = ndtr((np.log(max(self.lo, _EPS)) - self.mu) / self.sigma) if self.lo > 0 else 0.0
        b = ndtr((np.log(self.hi) - self.mu) / self.sigma) if np.isfinite(self.hi) else 1.0
        with np.errstate(divide="ignore"):
            c = ndtr((np.log(np.maximum(t, _EPS)) - self.mu) / self.sigma)
        return np.clip((c - a) / (b - a), 0.0, 1.0)

    def cdf(self, age) -> np.ndarray:
        age = np.asarray(age, dtype=np.float64)
        return self.w * self._cdf_fast(age) + (1 - self.w) * self._cdf_slow(age)

    def sample(self, rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
        age = np.asarray(age, dtype=np.float64)
        pf = self.w * self._cdf_fast(age)
        ps = (1 - self.w) * self._cdf_slow(age)
        fast = rng.random(age.size) * (pf + ps) < pf
        u = rng.random(age.size)
        out = np.empty(age.size)
        # Fast part: inverse CDF of the exponential restricted to [0, age].
        vf = u[fast] * self._cdf_fast(age[fast])
        out[fast] = -self.tau * np.log1p(-np.clip(vf, 0, 1 - _EPS))
        # Slow part: inverse CDF of the truncated lognormal restricted to [lo, min(age, hi)].
        slow = ~fast
        a = ndtr((np.log(max(self.lo, _EPS)) - self.mu) / self.sigma) if self.lo > 0 else 0.0
        b = ndtr((np.log(self.hi) - self.mu) / self.sigma) if np.isfinite(self.hi) else 1.0
        vs = a + u[slow] * (b - a) * self._cdf_slow(age[slow])
        out[slow] = np.exp(self.mu + self.sigma * ndtri(np.clip(vs, _EPS, 1 - _EPS)))
        return np.minimum(out, age)
