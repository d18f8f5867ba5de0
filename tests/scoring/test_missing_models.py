"""The models a creator model scores without: named only when it takes their features, worded
once (``scoring.missing_models``)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from scoring.missing_models import ACCOUNT, COMMENT, missing_model_lines, missing_models


def _model(features: list[str], account: Any = None, comment: Any = None) -> Any:
    return SimpleNamespace(feature_names=features, account_model=account, comment_model=comment)


def test_a_model_without_scorers_misses_both() -> None:
    bare = _model(["likes_cv", "sample_fake_share", "comment_spam_share"])
    assert missing_models(bare) == [ACCOUNT, COMMENT]
    lines = missing_model_lines(bare)
    assert lines[0] == (
        "No account-authenticity model: the score cannot see the share of sampled followers "
        "that look fake (sample_fake_share, sample_fake_share_ci95). To get it: creator-audit "
        "data fetch, then creator-audit accounts train, then train the creator model again "
        "(creator-audit train)."
    )
    assert "creator-audit comments train" in lines[1]


def test_only_the_scorers_whose_features_the_model_takes_are_missed() -> None:
    assert missing_models(_model(["likes_cv", "sample_fake_share"])) == [ACCOUNT]
    assert missing_models(_model(["sample_fake_share"], account=object())) == []
    assert missing_model_lines(_model(["likes_cv"])) == [
        "the creator model misses no account or comment model"
    ]
