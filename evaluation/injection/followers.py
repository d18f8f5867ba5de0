"""Bought followers: a step in the follower count within 48 hours, engagement unchanged.

As the simulator has it (``config`` "fake followers", ``profiles.purchase_left``,
``followers.follower_counts``): the bought followers are a share of the organic audience, arrive
over 2-48 hours at a time inside the follower history, then leave at 1-5% a week. The history is
read daily over the last 60-120 days (three in ten creators every day or two, a few hours late),
with organic growth and a random walk of churn around it, and ends at the profile count.

The real creators have no follower history, only their profile count. So every creator gets one
built from its profile count as above: the control is that history as it is, the injected creator
the same history (the same draws) with the purchase added, and its profile count raised by the
bought followers still there when it was read. Posts, likes and comments are not touched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from creator_audit.dataset.types import Dataset
from creator_audit.simulator import config as C
from creator_audit.simulator.profiles import ramp
from creator_audit.simulator.sampling import ragged, uniform
from evaluation.injection.base import creator_snapshots, seeded, utc_timestamps

IRREGULAR_SKIP = 0.4  # an irregular crawl misses about 4 days in 10 (simulator: followers.py)
IRREGULAR_LATE_S = 3 * C.HOUR


@dataclass(frozen=True)
class FollowerPurchase:
    """Each creator's follower history without a purchase, and when one would land."""

    base: Dataset
    audience: np.ndarray  # per creator: the profile count, which the step is a share of
    snapshot: np.ndarray  # per creator: when the profile count was read
    reading_creator: np.ndarray  # per history reading: the creator's code
    reading_at: np.ndarray  # unix seconds
    organic: np.ndarray  # followers at the reading without any purchase (not rounded)
    start: np.ndarray  # per creator: when the bought followers start arriving
    hours: np.ndarray  # how long they take to arrive
    decay: np.ndarray  # the share of them that leaves per day, afterwards

    @classmethod
    def draw(cls, base: Dataset, seed: int) -> FollowerPurchase:
        rng = seeded(seed, "followers")
        audience = base.creators["followers"].to_numpy(np.float64)
        snapshot = creator_snapshots(base)
        n = len(audience)
        days = rng.integers(C.HISTORY_DAYS[0], C.HISTORY_DAYS[1] + 1, n)
        history = _organic_history(rng, audience, snapshot, days)
        weekly_loss = uniform(rng, C.PURCHASE_WEEKLY_LOSS, n)
        return cls(
            base=base,
            audience=audience,
            snapshot=snapshot,
            **history,
            # The simulator's purchase inside the history window: 2 days to 3 days before its start.
            start=snapshot - rng.uniform(2.0, days - 3.0) * C.DAY,
            hours=uniform(rng, C.PURCHASE_HOURS, n),
            decay=-np.log1p(-weekly_loss) / 7.0,
        )

    def control(self) -> Dataset:
        return self.inject(0.0)

    def inject(self, share: float) -> Dataset:
        """Every creator with ``share`` of its audience bought: its history steps up by it within
        48 hours, and its profile count holds what is left of it when read."""
        bought = share * self.audience
        code = self.reading_creator
        # Rounded apart, so that the step is exactly the bought followers there at each reading.
        step = np.round(bought[code] * self.left(code, self.reading_at))
        history = np.round(np.maximum(self.organic, 0.0)) + step
        followers = self.audience + np.round(bought * self.left(np.arange(len(bought)), None))
        creators = self.base.creators.copy()
        creators["followers"] = followers.astype(np.int64)
        counts = pd.DataFrame(
            {
                "creator_id": creators["creator_id"].to_numpy()[code],
                "at": utc_timestamps(self.reading_at),
                "followers": history.astype(np.int64),
            }
        ).astype({"creator_id": "str"})
        return replace(self.base, creators=creators, follower_counts=counts)

    def left(self, code: np.ndarray, at: np.ndarray | None) -> np.ndarray:
        """Share of the bought followers there at ``at`` (default: the snapshot), per row of
        creator codes: the arrival ramp, then steady attrition (``profiles.purchase_left``)."""
        at = self.snapshot[code] if at is None else at
        arrival = self.hours[code] * C.HOUR
        days_after = np.maximum((at - self.start[code] - arrival) / C.DAY, 0.0)
        return ramp(at, self.start[code], arrival) * np.exp(-self.decay[code] * days_after)


def _organic_history(
    rng: np.random.Generator, audience: np.ndarray, snapshot: np.ndarray, days: np.ndarray
) -> dict[str, np.ndarray]:
    """Daily readings back from the snapshot (``followers.follower_counts``): organic growth,
    a random walk of churn anchored at the snapshot, irregular crawls late and gappy."""
    code, k = ragged(days + 1)  # k days before the snapshot; k = 0 is the snapshot itself
    step = rng.normal(0.0, C.FOLLOWER_NOISE_PER_DAY, code.size) * (k > 0)
    cumulative = np.cumsum(step)
    starts = np.cumsum(days + 1) - (days + 1)
    walk = cumulative - np.repeat(cumulative[starts], days + 1)
    growth = rng.normal(C.GROWTH_PER_DAY_MEAN, C.GROWTH_PER_DAY_SD, len(audience))
    irregular = (rng.random(len(audience)) < C.HISTORY_IRREGULAR_SHARE)[code]
    late = np.where(irregular & (k > 0), rng.uniform(0, IRREGULAR_LATE_S, code.size), 0.0)
    at = snapshot[code] - k * C.DAY - np.round(late)
    organic = audience[code] * np.exp(-growth[code] * (snapshot[code] - at) / C.DAY + walk)
    keep = ~irregular | (k == 0) | (rng.random(code.size) >= IRREGULAR_SKIP)
    order = np.lexsort((at[keep], code[keep]))
    return {
        "reading_creator": code[keep][order],
        "reading_at": at[keep][order],
        "organic": organic[keep][order],
    }
