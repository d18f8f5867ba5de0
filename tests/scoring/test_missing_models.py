"""The models a creator model scores without: named only when it takes their features, worded
once (``scoring.missing_models``)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from scoring.calibration import VectorScaling
from scoring.missing_models import ACCOUNT, COMMENT, main, missing_model_lines, missing_models
from scoring.model import CreatorFraudModel


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


def test_main_sh_prints_the_missing_models_of_a_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = CreatorFraudModel(
        booster_text="",  # never parsed: which scorers a model lacks needs no booster
        feature_names=["likes_cv", "sample_fake_share", "comment_spam_share"],
        labels=["genuine", "fake_followers"],
        calibration=VectorScaling(np.ones(2), np.zeros(2)),
    )
    main([str(bare.save(tmp_path / "creator-fraud-champion.bundle"))])
    assert capsys.readouterr().out == f"{ACCOUNT.sentence()}\n{COMMENT.sentence()}\n"
    main_sh = Path(__file__).resolve().parents[2] / "scripts" / "main.sh"
    assert "python -m scoring.missing_models models/creator-fraud-champion.bundle" in (
        main_sh.read_text()
    )
