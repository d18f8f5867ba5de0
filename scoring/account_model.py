"""The account model as one self-contained object: is this single account fake?

A LightGBM binary model over :data:`features.accounts.ACCOUNT_FEATURES`, trained on real labelled
profiles with every (source, label) weighted equally. Its raw output is recalibrated on
predictions for sources it was not trained on (Platt scaling), then moved from the training's
even odds to an audience's prior (``AUDIENCE_PRIOR``): a follower drawn from a creator's audience
is far more likely real than fake, so an account needs odds of about 6:1 on its own traits
before ``p_fake`` reaches 0.5. It also carries how its scores fall for real accounts and for fakes
of each source it was not trained on (:mod:`features.share_profiles`): an audience's fake share is
estimated by matching its scores against them (:mod:`features.fake_share`). It is saved as a
bundle of plain data (``models/``), logged to MLflow as a pyfunc wrapping that bundle, and
carried inside every creator model trained with it, so a creator's audience features are
computed by the very account model the creator model learned from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from creator_audit.bundle import BundleError, payload_read_as, read_bundle, write_bundle
from features.accounts import account_matrix, audience_types
from features.fake_share import ShareRates, group_fake_share
from features.share_profiles import ShareProfiles
from scoring.booster import BoosterModel
from scoring.compiled_trees import CompiledTrees

ACCOUNT_BUNDLE_FORMAT = "account-authenticity/3"
# /1: no calibration or rates; /2: rates, no share profiles (fake share by adjusted count)
READABLE_FORMATS = ("account-authenticity/1", "account-authenticity/2", ACCOUNT_BUNDLE_FORMAT)
BUNDLE_KIND = "account-authenticity"
DEFAULT_THRESHOLD = 0.5
# The fake share p_fake assumes of the audience an account comes from, which sets the operating
# point (p_fake >= 0.5: odds of about 6:1 on the account's traits alone). Industry audits put
# typical fake-follower shares at 10-30%; 15% is chosen so that held out, every source's real
# accounts are flagged at most 5% of the time (20% flagged 6-7% of Purba's; measured over seeds
# in training.account_eval). An audience's own share is estimated separately, not from it.
AUDIENCE_PRIOR = 0.15


@dataclass
class AccountModel(BoosterModel):
    """p_fake for account profiles; ``audience_type`` from it and the HypeAuditor-style rules."""

    booster_text: str
    feature_names: list[str]
    threshold: float = DEFAULT_THRESHOLD
    metadata: dict[str, Any] = field(default_factory=dict)
    # logit(p_fake) = slope * raw margin + intercept (Platt on out-of-source predictions, prior
    # included); identity for bundles of format /1
    calibration: tuple[float, float] = (1.0, 0.0)
    share_rates: ShareRates | None = None
    # held-out sources' score profiles: the fake-share estimate (None in bundles before /3)
    share_profiles: ShareProfiles | None = None
    _booster: lgb.Booster | None = field(default=None, repr=False, compare=False)
    _trees: CompiledTrees | None = field(default=None, repr=False, compare=False)

    def p_fake(self, accounts: pd.DataFrame, threads: int = 1) -> np.ndarray:
        """Probability that each account is fake, in row order. ``threads`` share the rows of a
        large table (0: every core, for batch)."""
        if len(accounts) == 0:
            return np.empty(0)
        return calibrated(self.raw_margin(accounts, threads), self.calibration)

    def raw_margin(self, accounts: pd.DataFrame, threads: int = 1) -> np.ndarray:
        """The booster's log-odds at the training's even odds, before calibration."""
        raw, _, _ = self.walk(account_matrix(accounts, self.feature_names), threads)
        return raw[:, 0]

    def fake_share(
        self, p_fake: np.ndarray, code: np.ndarray, n_groups: int
    ) -> dict[str, np.ndarray]:
        """The fake share of ``n_groups`` audiences (account i in group ``code[i]``, scored
        ``p_fake[i]``) with its 95% interval (:func:`features.fake_share.group_fake_share`)."""
        return group_fake_share(self, p_fake, code, n_groups)

    def score(self, accounts: pd.DataFrame, threads: int = 1) -> pd.DataFrame:
        """``p_fake`` and ``audience_type`` per account, same index as ``accounts``."""
        p_fake = self.p_fake(accounts, threads)
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
            "calibration": [float(v) for v in self.calibration],
            "share_rates": None if self.share_rates is None else self.share_rates.to_dict(),
            "share_profiles": None
            if self.share_profiles is None
            else self.share_profiles.to_dict(),
        }

    @classmethod
    def from_payload(cls, payload: Any, where: str) -> AccountModel:
        if not isinstance(payload, dict) or payload.get("format") not in READABLE_FORMATS:
            raise BundleError(f"{where} is not an account model bundle ({ACCOUNT_BUNDLE_FORMAT})")
        if payload["format"] == "account-authenticity/1":  # raw booster probabilities
            slope, intercept = 1.0, 0.0
        else:
            slope, intercept = payload["calibration"]
        rates = payload.get("share_rates")
        profiles = payload.get("share_profiles")
        return cls(
            booster_text=payload["booster_text"],
            feature_names=list(payload["feature_names"]),
            threshold=float(payload["threshold"]),
            metadata=dict(payload["metadata"]),
            calibration=(float(slope), float(intercept)),
            share_rates=None if rates is None else ShareRates.from_dict(rates),
            share_profiles=None if profiles is None else ShareProfiles.from_dict(profiles),
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        return write_bundle(path, self.to_payload(), BUNDLE_KIND)

    @classmethod
    def load(cls, path: str | os.PathLike[str], name: str | None = None) -> AccountModel:
        """The bundle at ``path``; ``name`` is what errors call it (its path by default)."""
        where = name or str(path)
        payload = read_bundle(path, BUNDLE_KIND, where)
        with payload_read_as(where):
            return cls.from_payload(payload, where)


def calibrated(margin: np.ndarray, calibration: tuple[float, float]) -> np.ndarray:
    slope, intercept = calibration
    return 1.0 / (1.0 + np.exp(-(slope * np.asarray(margin, dtype=np.float64) + intercept)))


def prior_logit(prior: float = AUDIENCE_PRIOR) -> float:
    """The shift from the training's even odds to an audience where ``prior`` are fake."""
    return float(np.log(prior / (1.0 - prior)))
