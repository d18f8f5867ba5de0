"""Reasons in words: each reason's sentence names the evidence and compares it with genuine
creators of the same size, from norms that travel with the model."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from features import FEATURE_COLUMNS
from scoring.model import CreatorFraudModel
from scoring.norms import MIN_CREATORS, FeatureNorms, tier_of
from scoring.reason_text import FEATURE_WORDS, reason_text
from scoring.scores import _Explainer, _fake_share_note


def test_fake_share_note_reads_like_the_brief() -> None:
    note = _fake_share_note({"sample_fake_share": 0.38, "sample_fake_share_ci95": 0.06})
    assert note == "38% of sampled followers look fake (±6%)"
    assert _fake_share_note({"sample_fake_share": 0.2, "sample_fake_share_ci95": np.nan}) == (
        "20% of sampled followers look fake"
    )
    assert _fake_share_note({"sample_fake_share": np.nan}) is None


def test_only_features_with_a_note_get_one_but_all_get_text() -> None:
    names = ["likes_per_follower", "sample_fake_share", "sample_fake_share_ci95"]
    explain = _Explainer(names, None)
    reasons = explain.top(np.array([0.01, 0.5, 0.1]), np.array([0.3, 1.2, 0.0]), 5)
    assert [r.feature for r in reasons] == ["sample_fake_share", "likes_per_follower"]
    assert reasons[0].note == "50% of sampled followers look fake (±10%)"
    assert reasons[1].note is None
    assert (
        reasons[0].text
        == "The share of sampled followers that look fake is 50%; this points to fraud."
    )


def test_every_feature_has_words() -> None:
    assert set(FEATURE_COLUMNS) <= set(FEATURE_WORDS)


def _norms(feature: str, values: np.ndarray, followers: float) -> FeatureNorms:
    frame = pd.DataFrame(
        {"log_followers": np.log1p(np.full(len(values), followers)), feature: values}
    )
    return FeatureNorms.fit(frame, np.ones(len(values), dtype=bool))


def test_a_rate_reads_as_a_multiple_of_the_genuine_median() -> None:
    norms = _norms("likes_per_follower_median", np.linspace(0.07, 0.14, 101), 20_000)
    band = norms.band("likes_per_follower_median", 30_000)
    assert band is not None and band.tier == "10K-100K" and band.n == 101
    text = reason_text("likes_per_follower_median", 0.3255, 1.4, band)
    assert text == (
        "Likes per follower (median post) is 0.33: 3.1× what genuine creators with 10K-100K "
        "followers get (typical 0.8-1.2× their median); this points to fraud."
    )


def test_other_features_read_against_the_typical_range() -> None:
    norms = _norms("like_share_within_5m", np.linspace(0.02, 0.10, 50), 3_000)
    band = norms.band("like_share_within_5m", 5_000)
    text = reason_text("like_share_within_5m", 0.61, 2.0, band)
    assert "61%" in text and "above the 4% to 8% typical of genuine creators with under 10K" in text
    assert reason_text("like_share_within_5m", 0.05, -0.2, band).endswith(
        "within the 4% to 8% typical of genuine creators with under 10K followers; "
        "this points to a genuine account."
    )


def test_a_missing_value_says_which_table_was_not_sent() -> None:
    text = reason_text("recurring_actor_event_share", None, 0.4, None)
    assert text == (
        "The share of engagement from accounts that engage on most posts is unknown (no "
        "engagement events were sent); its absence points to fraud."
    )


def test_norms_need_enough_genuine_creators_and_ignore_other_rows() -> None:
    values = np.arange(MIN_CREATORS - 1, dtype=np.float64)
    frame = pd.DataFrame({"log_followers": np.log1p(np.full(len(values), 500.0)), "x": values})
    assert FeatureNorms.fit(frame, np.ones(len(values), bool)).band("x", 500) is None
    doubled = pd.concat([frame, frame.assign(x=1e9)])  # fraud rows: not genuine, so left out
    genuine = np.r_[np.ones(len(frame), bool), np.zeros(len(frame), bool)]
    more = pd.concat([doubled, frame.head(1)])
    band = FeatureNorms.fit(more, np.r_[genuine, True]).band("x", 500)
    assert band is None  # the repeated id (a posts-only copy) counts once: still too few


def test_norms_round_trip_through_the_bundle_payload() -> None:
    norms = _norms("likes_cv", np.linspace(0.1, 0.5, 40), 200_000)
    again = FeatureNorms.from_payload(norms.to_payload())
    assert again.band("likes_cv", 150_000) == norms.band("likes_cv", 150_000)
    with pytest.raises(ValueError, match="quantiles"):
        FeatureNorms.from_payload({**norms.to_payload(), "quantiles": [50]})


@pytest.mark.parametrize(
    ("followers", "tier"),
    [(0, "under 10K"), (9_999, "under 10K"), (10_000, "10K-100K"), (1e6, "over 100K")],
)
def test_tiers(followers: float, tier: str) -> None:
    assert tier_of(followers) == tier


def test_the_model_bundle_carries_its_norms(models: SimpleNamespace, tmp_path: Path) -> None:
    assert models.a.norms is not None
    loaded = CreatorFraudModel.load(models.a.save(tmp_path / "model.bundle"))
    assert loaded.norms == models.a.norms
    followers = 20_000
    assert loaded.norms.band("likes_per_follower_median", followers) is not None
