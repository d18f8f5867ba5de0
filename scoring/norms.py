"""What genuine creators of each size show: per follower tier, quantiles of every feature.

Computed from the genuine creators of a model's training data and stored in its bundle, so the
reasons a model gives compare a creator with the creators that model learned "genuine" from
(``scoring.reason_text``), and the audit page draws the same bands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# Follower tiers, as the evaluation's slices use them (low inclusive, high exclusive).
TIERS: tuple[tuple[float, float, str], ...] = (
    (0, 10_000, "under 10K"),
    (10_000, 100_000, "10K-100K"),
    (100_000, math.inf, "over 100K"),
)
QUANTILES = (10, 25, 50, 75, 90)
MIN_CREATORS = 20  # fewer genuine creators in a tier than this: the tier has no norms


def tier_of(followers: float) -> str:
    """The tier name of a follower count (NaN or negative: the smallest tier)."""
    for low, high, name in TIERS:
        if low <= followers < high:
            return name
    return TIERS[0][2]


def tiers_of(followers: np.ndarray) -> np.ndarray:
    """Tier names for an array of follower counts."""
    out = np.full(len(followers), TIERS[0][2], dtype=object)
    for low, high, name in TIERS:
        out[(followers >= low) & (followers < high)] = name
    return out


@dataclass(frozen=True)
class Band:
    """One feature's quantiles among genuine creators of one tier."""

    tier: str
    n: int  # genuine creators with a known value
    p10: float
    p25: float
    p50: float
    p75: float
    p90: float


@dataclass(frozen=True)
class FeatureNorms:
    """``values[tier][feature]`` = the ``QUANTILES`` of the feature among genuine creators of the
    tier (None where too few had a value); ``counts[tier][feature]`` how many did."""

    values: dict[str, dict[str, list[float] | None]]
    counts: dict[str, dict[str, int]]

    def band(self, feature: str, followers: float) -> Band | None:
        tier = tier_of(followers)
        quantiles = self.values.get(tier, {}).get(feature)
        if quantiles is None:
            return None
        return Band(tier, self.counts[tier][feature], *quantiles)

    @classmethod
    def fit(cls, features: pd.DataFrame, genuine: np.ndarray) -> FeatureNorms:
        """Norms from a feature table (it has ``log_followers``) and a genuine mask per row. A
        repeated creator id counts once (training adds posts-only copies of its rows)."""
        first = ~features.index.duplicated(keep="first")
        rows = features.loc[np.asarray(genuine, dtype=bool) & first]
        tiers = tiers_of(np.expm1(rows["log_followers"].to_numpy(dtype=np.float64)))
        values: dict[str, dict[str, list[float] | None]] = {}
        counts: dict[str, dict[str, int]] = {}
        for _, _, tier in TIERS:
            in_tier = rows.loc[tiers == tier]
            values[tier], counts[tier] = {}, {}
            for feature in features.columns:
                known = in_tier[feature].to_numpy(dtype=np.float64)
                known = known[~np.isnan(known)]
                counts[tier][str(feature)] = len(known)
                values[tier][str(feature)] = (
                    [float(q) for q in np.percentile(known, QUANTILES)]
                    if len(known) >= MIN_CREATORS
                    else None
                )
        return cls(values, counts)

    def to_payload(self) -> dict[str, Any]:
        return {"quantiles": list(QUANTILES), "values": self.values, "counts": self.counts}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> FeatureNorms:
        if list(payload.get("quantiles", [])) != list(QUANTILES):
            raise ValueError(f"norms hold quantiles {payload.get('quantiles')}, not {QUANTILES}")
        return cls(payload["values"], payload["counts"])
