"""Reasons in words: the follower sample's fake share reads as a share with its margin."""

from __future__ import annotations

import numpy as np

from scoring.scores import _fake_share_note, _top_reasons


def test_fake_share_note_reads_like_the_brief() -> None:
    note = _fake_share_note({"sample_fake_share": 0.38, "sample_fake_share_ci95": 0.06})
    assert note == "38% of sampled followers look fake (±6%)"
    assert _fake_share_note({"sample_fake_share": 0.2, "sample_fake_share_ci95": np.nan}) == (
        "20% of sampled followers look fake"
    )
    assert _fake_share_note({"sample_fake_share": np.nan}) is None


def test_only_features_with_a_note_get_one() -> None:
    names = ["likes_per_follower", "sample_fake_share", "sample_fake_share_ci95"]
    reasons = _top_reasons(names, np.array([0.01, 0.5, 0.1]), np.array([0.3, 1.2, 0.0]), 5)
    assert [r.feature for r in reasons] == ["sample_fake_share", "likes_per_follower"]
    assert reasons[0].note == "50% of sampled followers look fake (±10%)"
    assert reasons[1].note is None
