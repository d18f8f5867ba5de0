"""Small account and comment models for tests that need them without the real data.

The account model is trained on made-up profiles: real-looking accounts (followed back, posting,
with a picture) against fake-looking ones (followed by few, following many, no posts), with
overlap. The comment model on the simulator's fan comments against its promotions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from creator_audit.simulator import text as simulated_text
from features.accounts import ACCOUNT_FEATURES, account_features
from scoring.account_model import AccountModel
from scoring.comment_model import CommentModel
from training.accounts import default_account_params, fit_account_booster


def made_up_accounts(n: int = 2_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    fake = rng.random(n) < 0.4

    def pick(real: float, fake_value: float) -> np.ndarray:
        return np.where(fake, fake_value, real)

    return pd.DataFrame(
        {
            "followers": np.round(rng.lognormal(pick(np.log(400), np.log(30)), 1.2)),
            "following": np.round(rng.lognormal(pick(np.log(400), np.log(1_500)), 0.8)),
            "media_count": np.where(
                rng.random(n) < pick(0.1, 0.6), 0, np.round(rng.lognormal(np.log(40), 1.0))
            ),
            "bio_length": np.where(rng.random(n) < pick(0.4, 0.8), 0, 30.0),
            "has_profile_pic": (rng.random(n) < pick(0.95, 0.5)).astype(float),
            "is_fake": fake.astype(np.int64),
            "source": "made-up",
        }
    )


def small_account_model(seed: int = 0, version: str = "1") -> AccountModel:
    accounts = made_up_accounts(seed=seed)
    params = {**default_account_params(seed), "n_rounds": 40}
    booster = fit_account_booster(
        account_features(accounts)[list(ACCOUNT_FEATURES)],
        accounts["is_fake"].to_numpy(),
        accounts["source"].to_numpy(),
        params,
    )
    return AccountModel(
        booster_text=booster.model_to_string(),
        feature_names=list(ACCOUNT_FEATURES),
        metadata={"model_name": "account-authenticity-test", "model_version": version},
    )


def small_comment_model(seed: int = 0, version: str = "1") -> CommentModel:
    """A comment model fit on simulated texts (fans' comments against promotions): tests get
    comment-spam features without the real labelled comments."""
    rng = np.random.default_rng(seed)
    real = simulated_text.genuine_comments(rng, 600, promo_share=0.0).to_pylist()
    spam = simulated_text.promotions(rng, 300).to_pylist()
    model = CommentModel.fit(real + spam, np.array([False] * len(real) + [True] * len(spam)))
    model.metadata = {"model_name": "comment-authenticity-test", "model_version": version}
    return model
