"""The account model as one self-contained object: is this single account fake?

A LightGBM binary model over :data:`features.accounts.ACCOUNT_FEATURES`, trained on real labelled
profiles. It is saved as a joblib bundle (``models/``), logged to MLflow as a pyfunc wrapping that
bundle, and carried inside every creator model trained with it, so a creator's audience features
are computed by the very account model the creator model learned from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import lightgbm as lgb
import numpy as np
import pandas as pd

from creator_audit.atomic import atomic_path
from features.accounts import account_features, audience_types

ACCOUNT_BUNDLE_FORMAT = "account-authenticity/1"
DEFAULT_THRESHOLD = 0.5  # classes are weighted equally in training, so 0.5 is the even-odds point


@dataclass
class AccountModel:
    """p_fake for account profiles; ``audience_type`` from it and the HypeAuditor-style rules."""

    booster_text: str
    feature_names: list[str]
    threshold: float = DEFAULT_THRESHOLD
    metadata: dict[str, Any] = field(default_factory=dict)
    predict_threads: int = field(default=1, compare=False)
    _booster: lgb.Booster | None = field(default=None, repr=False, compare=False)

    @property
    def booster(self) -> lgb.Booster:
        if self._booster is None:
            self._booster = lgb.Booster(model_str=self.booster_text)
        return self._booster

    def p_fake(self, accounts: pd.DataFrame) -> np.ndarray:
        """Probability that each account is fake, in row order."""
        if len(accounts) == 0:
            return np.empty(0)
        matrix = account_features(accounts)[self.feature_names].to_numpy(np.float64)
        return np.asarray(self.booster.predict(matrix, num_threads=self.predict_threads))

    def score(self, accounts: pd.DataFrame) -> pd.DataFrame:
        """``p_fake`` and ``audience_type`` per account, same index as ``accounts``."""
        p_fake = self.p_fake(accounts)
        return pd.DataFrame(
            {"p_fake": p_fake, "audience_type": audience_types(accounts, p_fake, self.threshold)},
            index=accounts.index,
        )

    def to_payload(self) -> dict[str, Any]:
        return {
            "format": ACCOUNT_BUNDLE_FORMAT,
            "booster_text": self.booster_text,
            "feature_names": list(self.feature_names),
            "threshold": float(self.threshold),
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_payload(cls, payload: Any, where: str) -> AccountModel:
        if not isinstance(payload, dict) or payload.get("format") != ACCOUNT_BUNDLE_FORMAT:
            raise ValueError(f"{where}: not an account model bundle ({ACCOUNT_BUNDLE_FORMAT})")
        return cls(
            booster_text=payload["booster_text"],
            feature_names=list(payload["feature_names"]),
            threshold=float(payload["threshold"]),
            metadata=dict(payload["metadata"]),
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        path = Path(path)
        with atomic_path(path) as tmp:
            joblib.dump(self.to_payload(), tmp, compress=3)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> AccountModel:
        return cls.from_payload(joblib.load(path), str(path))
