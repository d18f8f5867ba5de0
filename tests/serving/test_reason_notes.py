"""Reasons in words: each reason's sentence names the evidence and compares it with genuine
creators of the same size, from norms that travel with the model."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from features import FEATURE_COLUMNS
from scoring.decision_paths import DecisionPaths
from scoring.model import CreatorFraudModel
from scoring.norms import MIN_CREATORS, FeatureNorms, tier_of
from scoring.reason_text import FEATURE_WORDS, reason_text, unknown_because
from scoring.scores import _Explainer, _fake_share_note
from serving.routes.score import MAX_REASONS


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


def test_comment_spam_as_fraud_evidence_says_which_genuine_creators_draw_it_too() -> None:
    """The data names no niche, so the sentence tells the reader to compare a finance or
    giveaway creator with creators of that kind; pointing to genuine, it needs no caveat."""
    norms = _norms("comment_spam_share", np.linspace(0.0, 0.06, 50), 20_000)
    band = norms.band("comment_spam_share", 20_000)
    text = reason_text("comment_spam_share", 0.31, 1.5, band)
    assert text.startswith("31% of comments look like spam or promotions, above the")
    assert text.endswith(
        "this points to fraud, though genuine finance, crypto and giveaway creators draw spam "
        "from others: compare with creators of that kind."
    )
    assert "finance" not in reason_text("comment_spam_share", 0.01, -0.3, band)


def test_a_missing_value_says_which_table_was_not_sent_and_claims_no_push() -> None:
    because = unknown_because("recurring_actor_event_share", sent=False)
    text = reason_text("recurring_actor_event_share", None, 0.4, None, because)
    assert text == (
        "The share of engagement from accounts that engage on most posts is unknown: no "
        "engagement events were sent on the posts the model reads, so the score could not "
        "check it."
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


# --- reasons that never contradict themselves -------------------------------------------------

NAMES = ["log_followers", "engagement_rate_log_ratio", "comment_share_within_5m", "likes_cv"]
FOLLOWERS = 20_000


def _explainer(paths: DecisionPaths | None = None, **unscored: str) -> _Explainer:
    """Norms for NAMES at 20K followers (engagement rate typically 0.74× to 2.06×, comments
    within 5 minutes 4% to 8%, likes CV 0.3 to 0.5) and, optionally, decision paths."""
    n = 101
    q = np.linspace(0.0, 1.0, n)
    frame = pd.DataFrame(
        {
            "log_followers": np.log1p(np.full(n, FOLLOWERS)),
            "engagement_rate_log_ratio": np.log(0.74) + (q - 0.25) * 2 * np.log(2.06 / 0.74),
            "comment_share_within_5m": 0.02 + q * 0.08,
            "likes_cv": 0.2 + q * 0.4,
        }
    )
    norms = FeatureNorms.fit(frame, np.ones(n, dtype=bool))
    return _Explainer(NAMES, norms, paths, dict(unscored))


def _paths_sharing(*together: str) -> DecisionPaths:
    """One tree of one leaf whose path splits on the features ``together``."""
    on_path = np.array([[name in together for name in NAMES]])
    return DecisionPaths(on_path, np.array([0]))


def _row(rate: float, comments_5m: float, cv: float) -> np.ndarray:
    return np.array([np.log1p(FOLLOWERS), np.log(rate), comments_5m, cv])


LEAF = np.array([0])


def test_a_value_within_the_genuine_band_is_never_called_a_sign_of_fraud() -> None:
    # Before: "... is 1.2×, within the 0.74× to 2.06× typical of genuine creators with
    # 10K-100K followers; this points to fraud."
    values = _row(rate=1.2, comments_5m=0.61, cv=0.4)
    contrib = np.array([0.0, 0.9, 0.5, 0.1])  # the typical engagement rate pushes to fraud
    paths = _paths_sharing("engagement_rate_log_ratio", "comment_share_within_5m")
    (rate, *_) = _explainer(paths).top(values, contrib, 1, leaves=LEAF)
    assert rate.text == (
        "The engagement rate against the usual for this size is 1.2×, within the 0.74× to 2.06× "
        "typical of genuine creators with 10K-100K followers; typical on its own, the model "
        "reads it together with the share of comments arriving within 5 minutes (61%), which "
        "points to fraud."
    )
    # Nothing it is read together with explains the push: the reason is left out, the next
    # strongest one (said truly) takes its place.
    left = _explainer(_paths_sharing()).top(values, contrib, 1, leaves=LEAF)
    assert [r.feature for r in left] == ["comment_share_within_5m"]
    assert left[0].text.endswith("; this points to fraud.")


def test_the_same_typical_value_reads_the_same_whichever_way_the_model_pushes() -> None:
    # Before: the same gap CV in the same tier read "points to a genuine account" for one
    # creator and "points to fraud" for another.
    explain = _explainer(_paths_sharing("likes_cv", "comment_share_within_5m"))
    genuine = explain.top(_row(1.0, 0.05, 0.4), np.array([0, 0, -0.1, -0.8]), 1, leaves=LEAF)
    fraud = explain.top(_row(1.0, 0.61, 0.4), np.array([0, 0, 0.5, 0.8]), 1, leaves=LEAF)
    band = "0.4, within the 0.3 to 0.5 typical of genuine creators with 10K-100K followers"
    assert genuine[0].text.endswith(f"{band}; this points to a genuine account.")
    assert fraud[0].text.endswith(
        f"{band}; typical on its own, the model reads it together with the share of comments "
        "arriving within 5 minutes (61%), which points to fraud."
    )


def test_an_unusual_value_is_a_sign_of_a_genuine_account_only_on_its_clean_side() -> None:
    explain = _explainer(_paths_sharing())  # nothing read together: contradictions left out
    low_share = explain.top(_row(1.0, 0.01, 0.4), np.array([0, 0, -0.6, 0]), 1, leaves=LEAF)
    assert low_share[0].text.endswith(
        "1%, below the 4% to 8% typical of genuine creators with 10K-100K followers; this "
        "points to a genuine account."
    )
    high_cv = explain.top(_row(1.0, 0.05, 2.5), np.array([0, 0, 0, -0.6]), 1, leaves=LEAF)
    assert high_cv == []  # a CV far above genuine creators' is no sign of a genuine account


def test_an_absent_table_is_said_absent_not_evidence() -> None:
    # Before: "... is unknown (no follower-count history was sent); its absence points to fraud."
    names = ["log_followers", "follower_jump_48h_rel"]
    explain = _Explainer(names, None)
    values, contrib = np.array([np.log1p(FOLLOWERS), np.nan]), np.array([0.0, 0.7])
    (jump,) = explain.top(values, contrib, 5, coverage={"follower_counts": False})
    assert jump.text == (
        "The largest 48-hour follower jump is unknown: no follower-count history was sent, so "
        "the score could not check it."
    )
    (sent,) = explain.top(values, contrib, 5, coverage={"follower_counts": True})
    assert "no two follower-count readings lie within 48 hours" in sent.text


def test_a_sample_without_its_optional_columns_is_a_sample() -> None:
    # Before: "... is unknown (no follower sample was sent); its absence points to ..."
    names = ["log_followers", "sample_no_pic_share", "sample_fake_share"]
    explain = _Explainer(names, None, unscored={"sample_fake_share": "account-authenticity"})
    values = np.array([np.log1p(FOLLOWERS), np.nan, np.nan])
    sample_sent = {"follower_samples": True}
    no_pic, fake = explain.top(values, np.array([0.0, 0.4, -0.3]), 5, coverage=sample_sent)
    assert no_pic.text == (
        "The share of sampled followers without a profile picture is unknown: the follower "
        "sample does not say which followers have a profile picture, so the score could not "
        "check it."
    )
    assert fake.text == (
        "The share of sampled followers that look fake is unknown: the model has no "
        "account-authenticity model, so the score could not check it."
    )
    (not_sent, _) = explain.top(values, np.array([0.0, 0.4, -0.3]), 5, {"follower_samples": False})
    assert "no follower sample was sent" in not_sent.text


def _without_optional_sample_columns(body: dict[str, Any]) -> dict[str, Any]:
    required = ("creator_id", "account_id", "followers", "following", "media_count")
    samples = [{k: v for k, v in row.items() if k in required} for row in body["follower_samples"]]
    return {**body, "follower_samples": samples}


def test_reasons_through_the_api_never_contradict_themselves(
    client: TestClient, sample: SimpleNamespace, models: SimpleNamespace
) -> None:
    bodies = [b for b in sample.bodies.values() if b.get("posts")]
    bodies += [_without_optional_sample_columns(b) for b in bodies if b.get("follower_samples")]
    said = []
    for body in bodies:
        response = client.post(f"/v1/score?reasons={MAX_REASONS}", json=body)
        assert response.status_code == 200, response.text
        followers = body["creator"]["followers"]
        for reason in response.json()["reasons"]:
            said.append(reason["text"])
            if reason["value"] is None:
                assert "points to" not in reason["text"]
                continue
            band = models.a.norms.band(reason["feature"], followers)
            if band is not None and band.p25 <= reason["value"] <= band.p75:
                assert "; this points to fraud." not in reason["text"], reason
    assert not [t for t in said if "no follower sample was sent" in t and "does not" in t]
    stripped = [t for t in said if t.startswith("The share of sampled followers without a prof")]
    assert any(
        "the follower sample does not say which followers have a profile" in t for t in stripped
    )
