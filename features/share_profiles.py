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

import numpy as np
from scipy.special import logsumexp

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
CHUNK = 32  # audiences per matrix product: bounds memory at CHUNK × candidates × GRID floats


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
        counts = np.atleast_2d(np.asarray(counts, dtype=np.float64))
        out = np.full((len(counts), 3), np.nan)
        filled = np.flatnonzero(counts.sum(axis=1) > 0)
        table = self._table()
        for start in range(0, len(filled), CHUNK):
            rows = filled[start : start + CHUNK]
            out[rows] = _posterior_quantiles(counts[rows], table)
        return {"fake_share": out[:, 0], "fake_share_low": out[:, 1], "fake_share_high": out[:, 2]}

    def estimate_groups(
        self, p_fake: np.ndarray, code: np.ndarray, n_groups: int
    ) -> dict[str, np.ndarray]:
        return self.estimate(self.counts(p_fake, code, n_groups))

    def _table(self) -> np.ndarray:
        """log P(bin | π, candidate): (candidates × GRID, bins), built once per profiles."""
        if not self._log_mixtures:
            real = mixtures(np.asarray(self.real))
            fake = mixtures(np.asarray(self.fake))
            pairs = np.array([(r, f) for r in range(len(real)) for f in range(len(fake))])
            share = GRID[None, :, None]
            mixed = (
                share * fake[pairs[:, 1]][:, None, :] + (1 - share) * real[pairs[:, 0]][:, None, :]
            )
            self._log_mixtures.append(np.log(mixed).reshape(-1, mixed.shape[-1]))
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


def _posterior_quantiles(counts: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Median and 95% interval of π per row of counts, candidates averaged by likelihood."""
    size = counts.sum(axis=1, keepdims=True)
    weight = np.minimum(1.0, MAX_EVIDENCE / size)[:, :, None]
    loglik = weight * (counts @ table.T).reshape(len(counts), -1, len(GRID))
    posterior = np.exp(loglik - logsumexp(loglik, axis=(1, 2), keepdims=True)).sum(axis=1)
    cumulative = np.cumsum(posterior, axis=1)
    probabilities = (0.5, *INTERVAL)
    at = [np.minimum((cumulative < q).sum(axis=1), len(GRID) - 1) for q in probabilities]
    return np.column_stack([GRID[i] for i in at])
