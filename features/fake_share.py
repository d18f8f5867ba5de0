"""The fake share of groups of scored accounts, and the adjusted count older models use.

:func:`group_fake_share` is the one entry point: the account features of a creator, the
audience summary of ``accounts score --summary`` and the API's ``summary`` all call it. An
account model with share profiles (bundle format /3 on) estimates by matching each group's
scores against them (:mod:`features.share_profiles`); an older one by the adjusted count below,
as it did when it was trained; one without rates reports the flagged share with its Wilson
interval.

Adjusted classify-and-count, for models bundled before share profiles:

The share of accounts over the account model's threshold is biased wherever its error rates are
not zero: with 5% of real accounts flagged, a wholly genuine audience reads 5% fake, and a model
that catches 70% of fakes reads a 30%-fake audience as ~25%. Adjusted classify-and-count
(Forman 2008; González et al. 2017 review the quantification literature) inverts that:

    fake_share = (flagged_share − fpr) / (tpr − fpr)

with ``tpr`` / ``fpr`` measured on sources the model was not trained on (leave-one-source-out),
because an audience being audited is itself an unseen collection. The rates differ from source to
source far more than their sampling error (catching 49% of one collection's fakes and 93% of
another's), so the 95% interval draws them from that spread as well as the flagged share from its
sample (Jeffreys posterior): it carries the classifier's own uncertainty across sources, not only
the sample size.

Everything here is deterministic and per group: the same flagged count out of the same size gets
the same estimate and interval whatever else is scored with it, in a batch or alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy.special import betaincinv, ndtri

from features.share_profiles import ShareProfiles

DRAWS = 512  # interval draws; quantiles of 512 points move by < 0.005 between seeds
MIN_SEPARATION = 0.05  # tpr − fpr below this cannot be inverted: the model sees no difference
INTERVAL = (0.025, 0.975)


class ShareScorer(Protocol):
    """What the estimate needs of an account model."""

    threshold: float
    share_rates: ShareRates | None
    share_profiles: ShareProfiles | None


def group_fake_share(
    scorer: ShareScorer, p_fake: np.ndarray, code: np.ndarray, n_groups: int
) -> dict[str, np.ndarray]:
    """``fake_share``, ``fake_share_low``, ``fake_share_high`` for each of ``n_groups`` groups
    of accounts (account i in group ``code[i]``, scored ``p_fake[i]``); NaN for an empty group."""
    p_fake = np.asarray(p_fake, dtype=np.float64)
    code = np.asarray(code, dtype=np.int64)
    if scorer.share_profiles is not None:
        return scorer.share_profiles.estimate_groups(p_fake, code, n_groups)
    size = np.bincount(code, minlength=n_groups).astype(np.float64)
    flagged = np.bincount(code, weights=p_fake >= scorer.threshold, minlength=n_groups)
    return estimate_fake_share(flagged, size, scorer.share_rates)


@dataclass(frozen=True)
class ShareRates:
    """Per held-out source: share of real accounts flagged (fpr), of fakes caught (tpr), counts."""

    fpr: tuple[float, ...]
    tpr: tuple[float, ...]
    n_real: tuple[int, ...]
    n_fake: tuple[int, ...]
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        sizes = {len(self.fpr), len(self.tpr), len(self.n_real), len(self.n_fake)}
        if len(sizes) != 1 or not self.fpr:
            raise ValueError("share rates need one fpr, tpr, n_real and n_fake per source")

    @property
    def mean_fpr(self) -> float:
        return float(np.mean(self.fpr))

    @property
    def mean_tpr(self) -> float:
        return float(np.mean(self.tpr))

    def spread(self, rates: tuple[float, ...], counts: tuple[int, ...]) -> float:
        """Standard deviation of a rate for an unseen source: between-source spread where there
        are two or more sources, never less than the mean binomial error of one source."""
        values = np.asarray(rates, dtype=np.float64)
        mean = float(values.mean())
        binomial = np.sqrt(max(mean * (1 - mean), 1e-4) / max(float(np.mean(counts)), 1.0))
        between = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        return float(np.hypot(between, binomial))

    def to_dict(self) -> dict[str, Any]:
        return {
            "fpr": list(self.fpr),
            "tpr": list(self.tpr),
            "n_real": list(self.n_real),
            "n_fake": list(self.n_fake),
            "sources": list(self.sources),
        }

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> ShareRates:
        return cls(
            fpr=tuple(float(v) for v in payload["fpr"]),
            tpr=tuple(float(v) for v in payload["tpr"]),
            n_real=tuple(int(v) for v in payload["n_real"]),
            n_fake=tuple(int(v) for v in payload["n_fake"]),
            sources=tuple(str(v) for v in payload.get("sources", ())),
        )


def _draw_points() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fixed quasi-random uniforms (Roberts' R3 sequence): the same draws every call, spread
    more evenly than pseudo-random ones."""
    phi = 1.2207440846057596  # the root of x**4 = x + 1, R3's generator
    i = np.arange(1, DRAWS + 1, dtype=np.float64)[:, None]
    points = (0.5 + i * phi ** -np.arange(1.0, 4.0)) % 1.0
    points = np.clip(points, 0.5 / DRAWS, 1 - 0.5 / DRAWS)
    return points[:, 0], points[:, 1], points[:, 2]


_U_FLAGGED, _U_FPR, _U_TPR = _draw_points()


def adjusted_share(flagged_share: np.ndarray, fpr: Any, tpr: Any) -> np.ndarray:
    """Adjusted classify-and-count, clipped to [0, 1]."""
    separation = np.maximum(np.asarray(tpr) - np.asarray(fpr), MIN_SEPARATION)
    return np.clip((flagged_share - np.asarray(fpr)) / separation, 0.0, 1.0)


def estimate_fake_share(
    flagged: np.ndarray, size: np.ndarray, rates: ShareRates | None
) -> dict[str, np.ndarray]:
    """``fake_share``, ``fake_share_low``, ``fake_share_high`` for groups of ``size`` accounts of
    which ``flagged`` are over the threshold; NaN where a group is empty.

    Without rates (an account model bundled before they were measured) the estimate is the
    flagged share with its Wilson interval: the sample's uncertainty only, as stated then.
    """
    flagged = np.asarray(flagged, dtype=np.float64)
    size = np.asarray(size, dtype=np.float64)
    empty = size <= 0
    safe_size = np.where(empty, 1.0, size)
    observed = flagged / safe_size
    if rates is None:
        low, high = wilson_interval(observed, safe_size)
        estimate = observed
    else:
        estimate = adjusted_share(observed, rates.mean_fpr, rates.mean_tpr)
        low, high = _interval(flagged, safe_size, rates)
    nan = np.full(flagged.shape, np.nan)
    return {
        "fake_share": np.where(empty, nan, estimate),
        "fake_share_low": np.where(empty, nan, np.minimum(low, estimate)),
        "fake_share_high": np.where(empty, nan, np.maximum(high, estimate)),
    }


# Intervals already computed, per set of rates: (flagged, size) → (low, high). A service sees the
# same few hundred sample shapes again and again, and each costs 512 inverse incomplete betas
# (0.8 ms); a whole dataset has far fewer distinct shapes than creators. Cleared when full.
_INTERVALS: dict[ShareRates, dict[tuple[float, float], tuple[float, float]]] = {}
MAX_CACHED_INTERVALS = 200_000


def _interval(flagged: np.ndarray, size: np.ndarray, rates: ShareRates) -> tuple:
    """:func:`_interval_draws` for each distinct (flagged, size) pair once, cached: a pair's
    interval does not depend on the other groups, so the values are exactly those of one call
    over every group."""
    cache = _INTERVALS.setdefault(rates, {})
    keys = list(zip(flagged.tolist(), size.tolist(), strict=True))
    missing = sorted(set(keys).difference(cache))
    if missing:
        if len(cache) + len(missing) > MAX_CACHED_INTERVALS:
            cache.clear()
        todo = np.array(missing, dtype=np.float64).reshape(-1, 2)
        low, high = _interval_draws(todo[:, 0], todo[:, 1], rates)
        cache.update(zip(missing, zip(low.tolist(), high.tolist(), strict=True), strict=True))
    if not keys:
        return np.empty(0), np.empty(0)
    found = np.array([cache.get(k) or _interval_of(k, rates) for k in keys], dtype=np.float64)
    return found[:, 0], found[:, 1]


def _interval_of(key: tuple[float, float], rates: ShareRates) -> tuple[float, float]:
    """One pair's interval (when another thread cleared the cache in between)."""
    low, high = _interval_draws(np.array([key[0]]), np.array([key[1]]), rates)
    return float(low[0]), float(high[0])


def _interval_draws(flagged: np.ndarray, size: np.ndarray, rates: ShareRates) -> tuple:
    """2.5% and 97.5% quantiles of the adjusted share over draws of the flagged share
    (Jeffreys posterior of each group) and of the rates (spread of an unseen source)."""
    fpr = np.clip(rates.mean_fpr + rates.spread(rates.fpr, rates.n_real) * ndtri(_U_FPR), 0.0, 1.0)
    tpr = np.clip(rates.mean_tpr + rates.spread(rates.tpr, rates.n_fake) * ndtri(_U_TPR), 0.0, 1.0)
    observed = betaincinv(
        flagged[None, :] + 0.5, size[None, :] - flagged[None, :] + 0.5, _U_FLAGGED[:, None]
    )
    draws = adjusted_share(observed, fpr[:, None], tpr[:, None])
    low, high = np.quantile(draws, INTERVAL, axis=0)
    return low, high


def wilson_interval(share: np.ndarray, size: np.ndarray, z: float = 1.96) -> tuple:
    """The Wilson score interval of a share seen in ``size`` draws."""
    n = size.astype(np.float64)
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
