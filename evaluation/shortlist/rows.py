"""The shortlist's rows: per creator the verdict, the audience's fake share and real size, the
authentic engagement and, given prices, what a real follower and a real engagement cost.

Every figure comes from the creator's ``Evidence`` (its score from the one scoring path, its
features, its tables); one that cannot be known is NaN, and ``missing`` says why.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import pandas as pd

from evaluation.audit.audience_charts import fake_share_interval
from evaluation.audit.evidence import Evidence
from evaluation.shortlist.authentic import BOUGHT, POD, AuthenticEngagement, authentic_engagement
from scoring.account_model import AccountModel

PER_MILLE = 1_000.0
# What a missing figure is, in ``missing``: the figure → why it is unknown.
FAKE_SHARE, AUTHENTIC, PRICE = "fake share", "authentic engagement", "price"


@dataclass(frozen=True)
class ShortlistRow:
    creator_id: str
    label: str
    fraud_score: int
    followers: float
    fake_share: float  # of the followers, with its 95% interval
    fake_share_low: float
    fake_share_high: float
    real_audience: float  # followers × (1 − fake share), the interval carried through
    real_audience_low: float
    real_audience_high: float
    engagement_rate: float  # (likes + comments) per post ÷ followers
    authentic_engagement_rate: float
    engagement_removed_share: float  # of the observed engagement, as not authentic
    pod_like_event_share: float  # of the engagement events: what the removal weighs
    burst_event_share: float
    p_engagement_pod: float  # ...and what it weighs them by
    p_bot_engagement: float
    price: float  # per post
    currency: str | None
    cost_per_1000_real_followers: float
    cost_per_1000_real_followers_low: float
    cost_per_1000_real_followers_high: float
    cost_per_real_engagement: float
    missing: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Audience:
    """The fake share with its interval and the real audience it leaves; NaN when unknown."""

    share: float = math.nan
    low: float = math.nan
    high: float = math.nan
    missing: str | None = None

    def real(self, followers: float) -> tuple[float, float, float]:
        """Followers less the fake share: estimate, low and high (the high share gives low)."""
        return (
            followers * (1.0 - self.share),
            followers * (1.0 - self.high),
            followers * (1.0 - self.low),
        )


def shortlist_rows(
    evidence: list[Evidence], accounts: AccountModel | None, prices: pd.DataFrame | None = None
) -> list[ShortlistRow]:
    """One row per creator of ``evidence``, in its order; ``prices`` as ``read_prices`` gives
    them (None: no costs; a creator without a price has none)."""
    priced = None if prices is None else prices.set_index("creator_id")
    return [_row(ev, accounts, priced) for ev in evidence]


def _row(ev: Evidence, accounts: AccountModel | None, priced: pd.DataFrame | None) -> ShortlistRow:
    audience = audience_of(ev, accounts)
    engagement = authentic_engagement(ev)
    price, currency = _price_of(ev.creator_id, priced)
    real, real_low, real_high = audience.real(ev.followers)
    cost_low, cost_high = _per_mille(price, real_high), _per_mille(price, real_low)
    return ShortlistRow(
        creator_id=ev.creator_id,
        label=ev.score.label,
        fraud_score=ev.score.fraud_score,
        followers=ev.followers,
        fake_share=audience.share,
        fake_share_low=audience.low,
        fake_share_high=audience.high,
        real_audience=real,
        real_audience_low=real_low,
        real_audience_high=real_high,
        engagement_rate=engagement.rate,
        authentic_engagement_rate=engagement.authentic_rate,
        engagement_removed_share=engagement.removed_share,
        pod_like_event_share=engagement.pod_like_share,
        burst_event_share=engagement.burst_share,
        p_engagement_pod=ev.score.probabilities.get(POD, math.nan),
        p_bot_engagement=ev.score.probabilities.get(BOUGHT, math.nan),
        price=price,
        currency=currency,
        cost_per_1000_real_followers=_per_mille(price, real),
        cost_per_1000_real_followers_low=cost_low,
        cost_per_1000_real_followers_high=cost_high,
        cost_per_real_engagement=_cost_per(price, engagement.authentic_rate * ev.followers),
        missing=_missing(audience, engagement, priced is not None and math.isnan(price)),
    )


def audience_of(ev: Evidence, accounts: AccountModel | None) -> Audience:
    """The fake share of the creator's followers as its sampled followers show it (the feature
    ``sample_fake_share``), with the interval whose half-width ``sample_fake_share_ci95`` is."""
    if ev.sample is None:
        return Audience(missing="no follower sample")
    if accounts is None:
        return Audience(missing="the model has no account model")
    if math.isnan(ev.features.get("sample_fake_share", math.nan)):
        return Audience(missing="follower sample not judged")
    interval = fake_share_interval(accounts.p_fake(ev.sample.reset_index(drop=True)), accounts)
    return Audience(interval.share, interval.low, interval.high)


def _price_of(creator_id: str, priced: pd.DataFrame | None) -> tuple[float, str | None]:
    if priced is None or creator_id not in priced.index:
        return math.nan, None
    row = priced.loc[creator_id]
    return float(row["price"]), row["currency"]


def _per_mille(price: float, followers: float) -> float:
    return _cost_per(price, followers / PER_MILLE)


def _cost_per(price: float, amount: float) -> float:
    """``price`` ÷ ``amount``; infinite for none of it (a price buys no real follower), NaN
    where either is unknown."""
    if math.isnan(price) or math.isnan(amount):
        return math.nan
    return price / amount if amount > 0 else math.inf


def _missing(audience: Audience, engagement: AuthenticEngagement, unpriced: bool) -> dict[str, str]:
    missing = {FAKE_SHARE: audience.missing, AUTHENTIC: engagement.missing}
    if unpriced:
        missing[PRICE] = "no price given"
    return {figure: why for figure, why in missing.items() if why is not None}


def rows_frame(rows: list[ShortlistRow]) -> pd.DataFrame:
    """The rows as a table (the CSV's columns); ``missing`` as ``figure: why`` joined by
    semicolons, empty when every figure is known."""
    records = [asdict(row) for row in rows]
    for record in records:
        record["missing"] = "; ".join(f"{k}: {v}" for k, v in record["missing"].items())
    columns = [f.name for f in ShortlistRow.__dataclass_fields__.values()]
    return pd.DataFrame.from_records(records, columns=columns)
