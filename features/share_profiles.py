"""The fake share of an audience, estimated from the audience's own scores (profile matching).

An audience's accounts each get a ``p_fake``; binned, they form a histogram. If the held-out
scores of a labelled source's real accounts fall into the bins as ``r`` and of its fakes as
``f``, an audience with fake share ``π`` drawn from a source like it falls as ``π·f + (1−π)·r``,
and its histogram's multinomial likelihood says which ``π`` fit (the mixture-model approach to
quantification: Forman 2008; HDy, González-Castro et al. 2013; Saerens et al. 2002 is its
unbinned, calibrated-probability cousin).

An audience comes from a collection the model was never trained on, and real collections differ
(one's real accounts score like another's fakes). So ``r`` and ``f`` are not fixed: every convex
mix of the held-out sources' real profiles, paired with every mix of their fake profiles, is a
candidate, and the posterior of ``π`` is averaged over candidates weighted by how well each
explains this audience's histogram (uniform priors on π and on the candidates). The interval
is therefore as wide as the sources disagree *for an audience like this one*, and shrinks with
the audience's size up to :data:`MAX_EVIDENCE` accounts. Its coverage is measured per held-out
source, not assumed (:mod:`training.account_eval`).

Deterministic and per group: the same histogram gets the same estimate in a batch or alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np

# Bin edges on the even-odds log likelihood ratio logit(p_fake) − logit(prior): where the
# held-out sources' profiles differ most. Coarser bins blur fakes into real accounts; finer
# ones fit a source's quirks (both measured leave-one-source-out).
LLR_EDGES: tuple[float, ...] = (-2.0, -1.0, 0.0, 1.0, 2.0, 3.0)
MIX_STEP = 3  # source profiles are mixed in thirds (quarters: 3× the work, the same figures)
GRID = np.round(np.linspace(0.0, 1.0, 201), 3)  # candidate shares, half a point apart
PSEUDO_COUNT = 0.5  # per bin, so a bin no account of a source reached is unlikely, not impossible
INTERVAL = (0.025, 0.975)
# Beyond this many accounts an audience's likelihood is scaled down to this many: what limits the
# estimate then is how far the unseen collection differs from every labelled one, which no
# number of its accounts reveals (uncapped, 1,000-account intervals covered the truth 0-50% of
# the time on held-out sources; see training.account_eval).
MAX_EVIDENCE = 200
# A candidate share whose log-likelihood is this far below the best one's weighs under e^-50 of
# it: tens of thousands of them add less than float64's rounding to the posterior, so the kernel
# skips their exp (most of its work for a large audience).
NEGLIGIBLE_LOG_WEIGHT = -50.0


@dataclass(frozen=True)
class ShareProfiles:
    """Per held-out source: the share of its real accounts and of its fakes in each p_fake bin.

    ``edges`` are on p_fake (increasing); ``real`` and ``fake`` are per source, each a row of
    probabilities over the ``len(edges) + 1`` bins."""

    edges: tuple[float, ...]
    real: tuple[tuple[float, ...], ...]
    fake: tuple[tuple[float, ...], ...]
    sources: tuple[str, ...]
    n_real: tuple[int, ...]
    n_fake: tuple[int, ...]
    _log_mixtures: list[np.ndarray] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self) -> None:
        bins = len(self.edges) + 1
        rows = (*self.real, *self.fake)
        if not self.real or len(self.real) != len(self.fake) or len(self.sources) != len(self.real):
            raise ValueError("share profiles need one real and one fake profile per source")
        if any(len(row) != bins for row in rows) or list(self.edges) != sorted(self.edges):
            raise ValueError(f"share profiles need {bins} bins per profile and increasing edges")

    @classmethod
    def measure(
        cls, p_fake: np.ndarray, y: np.ndarray, groups: np.ndarray, prior: float
    ) -> ShareProfiles:
        """Profiles from held-out predictions: ``p_fake`` of accounts labelled ``y`` (1 fake)
        by a model that never saw their ``groups``; ``prior`` is the one p_fake is set to."""
        edges = edges_for_prior(prior)
        names = [str(g) for g in dict.fromkeys(np.asarray(groups).tolist())]
        real, fake, n_real, n_fake = [], [], [], []
        for name in names:
            at = np.asarray(groups).astype(str) == name
            for label, profiles, counts in ((0, real, n_real), (1, fake, n_fake)):
                scores = p_fake[at & (y == label)]
                profiles.append(tuple(histogram(scores, edges).tolist()))
                counts.append(len(scores))
        return cls(edges, tuple(real), tuple(fake), tuple(names), tuple(n_real), tuple(n_fake))

    def counts(self, p_fake: np.ndarray, code: np.ndarray, n_groups: int) -> np.ndarray:
        """Per group, how many of its accounts fall in each bin: (n_groups, bins)."""
        bins = np.searchsorted(np.asarray(self.edges), p_fake, side="right")
        flat = np.bincount(
            code * (len(self.edges) + 1) + bins, minlength=n_groups * (len(self.edges) + 1)
        )
        return flat.reshape(n_groups, len(self.edges) + 1).astype(np.float64)

    def estimate(self, counts: np.ndarray) -> dict[str, np.ndarray]:
        """``fake_share`` (posterior median), ``fake_share_low`` and ``fake_share_high`` (95%)
        for each row of bin counts; NaN for an empty row."""
        counts = np.ascontiguousarray(np.atleast_2d(np.asarray(counts, dtype=np.float64)))
        quantiles = np.asarray((0.5, *INTERVAL))
        out = _posterior_quantiles(counts, self._table(), GRID, quantiles, float(MAX_EVIDENCE))
        return {"fake_share": out[:, 0], "fake_share_low": out[:, 1], "fake_share_high": out[:, 2]}

    def estimate_groups(
        self, p_fake: np.ndarray, code: np.ndarray, n_groups: int
    ) -> dict[str, np.ndarray]:
        return self.estimate(self.counts(p_fake, code, n_groups))

    def _table(self) -> np.ndarray:
        """log P(bin | π, candidate): (bins, candidates × GRID), built once per profiles."""
        if not self._log_mixtures:
            real = mixtures(np.asarray(self.real))
            fake = mixtures(np.asarray(self.fake))
            pairs = np.array([(r, f) for r in range(len(real)) for f in range(len(fake))])
            share = GRID[None, :, None]
            mixed = (
                share * fake[pairs[:, 1]][:, None, :] + (1 - share) * real[pairs[:, 0]][:, None, :]
            )
            table = np.log(mixed).reshape(-1, mixed.shape[-1])
            self._log_mixtures.append(np.ascontiguousarray(table.T))
        return self._log_mixtures[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "edges": list(self.edges),
            "real": [list(row) for row in self.real],
            "fake": [list(row) for row in self.fake],
            "sources": list(self.sources),
            "n_real": list(self.n_real),
            "n_fake": list(self.n_fake),
        }

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> ShareProfiles:
        return cls(
            edges=tuple(float(v) for v in payload["edges"]),
            real=tuple(tuple(float(v) for v in row) for row in payload["real"]),
            fake=tuple(tuple(float(v) for v in row) for row in payload["fake"]),
            sources=tuple(str(v) for v in payload["sources"]),
            n_real=tuple(int(v) for v in payload["n_real"]),
            n_fake=tuple(int(v) for v in payload["n_fake"]),
        )


def edges_for_prior(prior: float) -> tuple[float, ...]:
    """:data:`LLR_EDGES` as p_fake values for a model whose p_fake assumes ``prior``."""
    shift = np.log(prior / (1 - prior))
    return tuple(float(v) for v in 1 / (1 + np.exp(-(np.asarray(LLR_EDGES) + shift))))


def histogram(p_fake: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    """Share of ``p_fake`` in each bin, with :data:`PSEUDO_COUNT` per bin."""
    bins = np.searchsorted(np.asarray(edges), p_fake, side="right")
    counts = np.bincount(bins, minlength=len(edges) + 1) + PSEUDO_COUNT
    return counts / counts.sum()


def mixtures(profiles: np.ndarray, step: int | None = None) -> np.ndarray:
    """Every convex mix of the rows of ``profiles`` with weights in multiples of 1/step."""
    step = step or MIX_STEP
    k = len(profiles)
    weights = [w for w in itertools.product(range(step + 1), repeat=k) if sum(w) == step]
    return np.asarray(weights, dtype=np.float64) @ profiles / step


@numba.njit(cache=True, nogil=True)
def _posterior_quantiles(
    counts: np.ndarray, table: np.ndarray, grid: np.ndarray, quantiles: np.ndarray, cap: float
) -> np.ndarray:
    """Per row of bin counts (NaN for an empty row), the ``quantiles`` of π's posterior: the
    likelihood of every (candidate, π) in ``table`` (log P(bin): a row per bin, a column per
    cell, candidate-major over ``grid``), scaled down to ``cap`` accounts, summed over
    candidates."""
    n_rows, n_bins = counts.shape
    n_grid = grid.shape[0]
    n_cells = table.shape[1]
    out = np.full((n_rows, quantiles.shape[0]), np.nan)
    loglik = np.empty(n_cells)
    posterior = np.empty(n_grid)
    for r in range(n_rows):
        size = counts[r].sum()
        if size <= 0:
            continue
        weight = min(1.0, cap / size)
        loglik[:] = 0.0
        for b in range(n_bins):  # bin-major: one vectorised pass per bin the audience reached
            if counts[r, b] > 0:
                loglik += (weight * counts[r, b]) * table[b]
        best = loglik.max()
        posterior[:] = 0.0
        for start in range(0, n_cells, n_grid):  # one candidate's shares after another
            for k in range(n_grid):
                relative = loglik[start + k] - best
                if relative > NEGLIGIBLE_LOG_WEIGHT:
                    posterior[k] += np.exp(relative)
        _quantiles_into(posterior, grid, quantiles, out[r])
    return out


@numba.njit(cache=True, nogil=True)
def _quantiles_into(
    posterior: np.ndarray, grid: np.ndarray, quantiles: np.ndarray, out: np.ndarray
) -> None:
    """The first grid value whose cumulative posterior reaches each quantile."""
    mass = posterior.sum()
    for k in range(quantiles.shape[0]):
        target, cumulative, at = quantiles[k] * mass, 0.0, 0
        while at < grid.shape[0] - 1 and cumulative + posterior[at] < target:
            cumulative += posterior[at]
            at += 1
        out[k] = grid[at]


def warm_up() -> None:
    """Compile (or load from the cache) the kernel, on a one-bin, one-cell table."""
    _posterior_quantiles(np.ones((1, 1)), np.zeros((1, 1)), np.zeros(1), np.full(3, 0.5), 1.0)
