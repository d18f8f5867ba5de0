"""The audience's fake share as a quantity: adjusted classify-and-count and its interval."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from features import fake_share
from features.fake_share import ShareRates, adjusted_share, estimate_fake_share, group_fake_share

STEADY = ShareRates(fpr=(0.05,) * 3, tpr=(0.8,) * 3, n_real=(5_000,) * 3, n_fake=(5_000,) * 3)
SPREAD = ShareRates(
    fpr=(0.01, 0.05, 0.09), tpr=(0.6, 0.8, 0.95), n_real=(5_000,) * 3, n_fake=(5_000,) * 3
)


def test_adjustment_inverts_the_error_rates() -> None:
    # 30% fake, 80% of them caught, 5% of the real flagged: 0.24 + 0.035 = 27.5% flagged.
    assert adjusted_share(np.array([0.275]), 0.05, 0.8)[0] == pytest.approx(0.3)
    # Fewer flagged than the false alarms alone: no fakes, never a negative share.
    assert adjusted_share(np.array([0.02]), 0.05, 0.8)[0] == 0.0
    out = estimate_fake_share(np.array([55.0]), np.array([200.0]), STEADY)
    assert out["fake_share"][0] == pytest.approx(0.3)
    assert out["fake_share_low"][0] < 0.3 < out["fake_share_high"][0]


def test_interval_narrows_with_the_sample_and_widens_with_the_sources_spread() -> None:
    sizes = np.array([40.0, 200.0, 5_000.0])
    steady = estimate_fake_share(sizes * 0.275, sizes, STEADY)
    width = steady["fake_share_high"] - steady["fake_share_low"]
    assert width[0] > width[1] > width[2] > 0
    spread = estimate_fake_share(sizes * 0.275, sizes, SPREAD)
    assert (spread["fake_share_high"] - spread["fake_share_low"] > width).all()


def test_a_group_gets_the_same_estimate_alone_or_in_a_batch() -> None:
    alone = estimate_fake_share(np.array([17.0]), np.array([120.0]), SPREAD)
    batch = estimate_fake_share(np.array([3.0, 17.0, 90.0]), np.array([50.0, 120.0, 100.0]), SPREAD)
    for key, values in alone.items():
        assert batch[key][1] == values[0]


def test_interval_covers_the_truth_when_rates_vary_as_measured() -> None:
    """Audiences of 200 whose real error rates are any one of the sources': the 95% interval
    covers the true share in at least nine in ten of them."""
    rng = np.random.default_rng(3)
    covered = []
    for fpr, tpr in zip(SPREAD.fpr, SPREAD.tpr, strict=True):
        for truth in (0.1, 0.3):
            fakes = rng.binomial(200, truth, 300)
            flagged = rng.binomial(fakes, tpr) + rng.binomial(200 - fakes, fpr)
            out = estimate_fake_share(flagged, np.full(300, 200.0), SPREAD)
            share = fakes / 200
            covered.append((out["fake_share_low"] <= share) & (share <= out["fake_share_high"]))
    assert np.concatenate(covered).mean() >= 0.9


def test_without_rates_the_flagged_share_and_its_wilson_interval() -> None:
    out = estimate_fake_share(np.array([5.0, 0.0]), np.array([10.0, 0.0]), None)
    assert out["fake_share"][0] == 0.5
    # Wilson 95% interval for 5 of 10: 0.5 ± 0.263.
    assert out["fake_share_high"][0] - 0.5 == pytest.approx(0.2634, abs=1e-3)
    assert np.isnan([out[k][1] for k in out]).all()  # an empty group has no share


def test_rates_round_trip_and_refuse_ragged_input() -> None:
    assert ShareRates.from_dict(SPREAD.to_dict()) == SPREAD
    with pytest.raises(ValueError, match="one fpr, tpr"):
        ShareRates(fpr=(0.1,), tpr=(0.8, 0.9), n_real=(1,), n_fake=(1,))


@dataclass
class RatesOnly:
    """An account model bundled before share profiles: the adjusted count, at its threshold."""

    share_rates: ShareRates | None
    threshold: float = 0.5
    share_profiles: None = None


def test_a_model_without_profiles_keeps_its_adjusted_count() -> None:
    p_fake = np.array([0.9, 0.6, 0.1, 0.2, 0.7])
    out = group_fake_share(RatesOnly(STEADY), p_fake, np.array([0, 0, 0, 1, 1]), 3)
    expected = estimate_fake_share(np.array([2.0, 1.0]), np.array([3.0, 2.0]), STEADY)
    np.testing.assert_allclose(out["fake_share"][:2], expected["fake_share"])
    assert np.isnan(out["fake_share"][2])  # group 2 has no accounts


def test_audience_summary_one_row_per_creator() -> None:
    import pandas as pd

    from features.accounts import SUMMARY_COLUMNS, audience_summary

    accounts = pd.DataFrame({"creator_id": ["b", "a", "b", None], "followers": [1, 2, 3, 4]})
    scores = pd.DataFrame(
        {
            "p_fake": [0.9, 0.1, 0.2, 0.3],
            "audience_type": ["suspicious", "real", "real", "influencer"],
        }
    )
    out = audience_summary(accounts, scores, RatesOnly(STEADY))
    assert list(out.columns) == list(SUMMARY_COLUMNS)
    assert out["creator_id"].iloc[:2].tolist() == ["a", "b"]
    assert pd.isna(out["creator_id"].iloc[2])  # the unnamed accounts: a row of their own
    assert out["accounts"].tolist() == [1, 2, 1]
    b = out.set_index(out["creator_id"].fillna("-")).loc["b"]
    assert b["share_suspicious"] == 0.5 and b["share_real"] == 0.5
    expected = estimate_fake_share(np.array([1.0]), np.array([2.0]), STEADY)["fake_share"][0]
    assert b["fake_share"] == pytest.approx(expected)


def test_cached_intervals_are_those_of_one_computation_over_every_group() -> None:
    """The per-pair cache (a service sees the same sample shapes again) changes no value: groups
    computed together, alone, repeated, before and after the cache is cleared agree bit for bit."""
    rng = np.random.default_rng(3)
    size = rng.integers(1, 300, 400).astype(np.float64)
    flagged = np.floor(size * rng.random(400))
    fake_share._INTERVALS.clear()
    direct = fake_share._interval_draws(flagged, size, SPREAD)
    first = fake_share._interval(flagged, size, SPREAD)  # fills the cache
    again = fake_share._interval(flagged[::-1], size[::-1], SPREAD)  # every pair from the cache
    for ours, reversed_ in zip(first, again, strict=True):
        np.testing.assert_array_equal(ours, reversed_[::-1])
    for ours, theirs in zip(first, direct, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    assert len(fake_share._INTERVALS[SPREAD]) == len(set(zip(flagged, size, strict=True)))
    one = fake_share._interval(flagged[:1], size[:1], STEADY)  # other rates: their own entries
    assert one[0][0] == fake_share._interval_draws(flagged[:1], size[:1], STEADY)[0][0]
