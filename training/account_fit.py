"""Fitting the account model so that it carries to collections it has never seen.

Three things stand between the labelled collections and a real audience:

- **Fields.** A collection gives only some profile fields. Each training row is copied with
  optional fields masked at random, independently of the label, so that a missing field carries no
  label information and the model has seen every field missing (LightGBM otherwise sends a value it
  never saw missing down the zero side: no bio read as an empty bio).
- **Lurkers.** In every labelled collection almost all inactive accounts are fakes (89% of
  InstaFake's fakes show ≤ 3 posts, 14% of its real accounts), so "few posts" alone reads as
  fake. A real audience holds many real people who rarely post. The real class is reweighted so
  that accounts with ≤ ``LURKER_POSTS`` posts make up ``REAL_LURKER_SHARE`` of it in every
  source: "few posts" then counts only with what separates a bought shell from a lurker (following
  thousands, followed by few, no picture, digit-heavy name).
- **Scale.** Scores are recalibrated on predictions for held-out sources, not on the training
  rows, and the rates at which the calibrated model flags real and fake accounts of a held-out
  source are what the fake-share estimate inverts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from features.accounts import (
    ACCOUNT_FEATURE_DIRECTIONS,
    ACCOUNT_FEATURES,
    account_features,
    account_matrix,
)
from features.fake_share import ShareRates
from features.share_profiles import ShareProfiles
from scoring.account_model import AUDIENCE_PRIOR, AccountModel, calibrated, prior_logit

LURKER_POSTS = 3
# Assumed share of real accounts in an audience that have posted ≤ 3 times; the labelled
# collections' real classes hold 6-14% (their crawlers found active users). An assumption, stated.
REAL_LURKER_SHARE = 0.35
MASKED_COPIES = 2
MASK_RATE = 0.5
# Fields masked together: a collection gives the username or it does not.
OPTIONAL_FIELD_GROUPS: tuple[tuple[str, ...], ...] = (
    ("bio_length",),
    ("has_profile_pic",),
    ("is_private",),
    ("has_external_url",),
    ("username", "username_length", "username_digits", "username_digit_share"),
)
SINGLE_SOURCE_FOLDS = 5
FOLD_SEED = 20_240_502


def default_account_params(seed: int, features: Sequence[str] = ACCOUNT_FEATURES) -> dict[str, Any]:
    """A small, monotone-constrained model over ``features``: few leaves and signs that hold in
    every source generalise across collections better than a model free to learn one
    collection's quirks."""
    return {
        "objective": "binary",
        "learning_rate": 0.05,
        "num_leaves": 7,
        "min_data_in_leaf": 50,
        "n_rounds": 200,
        "monotone_constraints": [ACCOUNT_FEATURE_DIRECTIONS[f] for f in features],
        "seed": seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": 2,
        "verbosity": -1,
    }


def balanced_weights(source: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Every (source, label) cell gets the same total weight: no collection dominates by size,
    and the booster's even odds mean even odds whatever each collection's fake share."""
    cells = pd.Series(1.0, index=pd.MultiIndex.from_arrays([source, y]))
    size = cells.groupby(level=[0, 1]).transform("size").to_numpy()
    weights = 1.0 / size
    return weights * len(weights) / weights.sum()


def lurker_weights(
    source: np.ndarray, y: np.ndarray, lurker: np.ndarray, share: float = REAL_LURKER_SHARE
) -> np.ndarray:
    """Multipliers that make real lurkers ``share`` of each source's real class (fakes: 1)."""
    weights = np.ones(len(y))
    for name in pd.unique(source):
        real = (source == name) & (y == 0)
        seen = lurker[real].mean() if real.any() else 0.0
        if 0.0 < seen < 1.0:
            weights[real & lurker] = share / seen
            weights[real & ~lurker] = (1.0 - share) / (1.0 - seen)
    return weights


def account_weights(x: pd.DataFrame, y: np.ndarray, source: np.ndarray) -> np.ndarray:
    lurker = (x["log_media_count"] <= np.log1p(LURKER_POSTS)).to_numpy()
    return balanced_weights(source, y) * lurker_weights(source, y, lurker)


def fit_account_booster(
    x: pd.DataFrame, y: np.ndarray, source: np.ndarray, params: dict[str, Any]
) -> lgb.Booster:
    params = dict(params)
    rounds = params.pop("n_rounds")
    data = lgb.Dataset(
        x.to_numpy(np.float64),
        y,
        weight=account_weights(x, np.asarray(y), np.asarray(source)),
        feature_name=list(x.columns),
        free_raw_data=True,
    )
    return lgb.train(params, data, num_boost_round=rounds)


def with_masked_copies(
    accounts: pd.DataFrame, rng: np.random.Generator, copies: int = MASKED_COPIES
) -> pd.DataFrame:
    """The accounts plus ``copies`` copies with each optional field group masked at random."""
    frames = [accounts]
    for _ in range(copies):
        copy = accounts.copy()
        for group in OPTIONAL_FIELD_GROUPS:
            drop = rng.random(len(copy)) < MASK_RATE
            for column in group:
                if column in copy.columns:
                    copy[column] = copy[column].where(~drop)
        frames.append(copy)
    return pd.concat(frames, ignore_index=True)


def fit_on(
    accounts: pd.DataFrame, params: dict[str, Any], seed: int, features: Sequence[str]
) -> lgb.Booster:
    """A booster over ``features`` on ``accounts`` and their masked copies; ``params``'
    monotone constraints are taken per feature by name."""
    rows = with_masked_copies(accounts, np.random.default_rng(seed))
    x = account_features(rows)[list(features)]
    params = {**params, "monotone_constraints": [ACCOUNT_FEATURE_DIRECTIONS[f] for f in features]}
    return fit_account_booster(x, rows["is_fake"].to_numpy(), rows["source"].to_numpy(), params)


def held_out_groups(accounts: pd.DataFrame) -> np.ndarray:
    """Sources, where there are two or more; otherwise stratified folds of the one source (its
    rates then come from accounts like the training ones: optimistic for an unseen collection)."""
    sources = accounts["source"].astype(str).to_numpy()
    if len(pd.unique(sources)) >= 2:
        return sources
    groups = np.empty(len(accounts), dtype=object)
    folds = StratifiedKFold(SINGLE_SOURCE_FOLDS, shuffle=True, random_state=FOLD_SEED)
    for k, (_, rows) in enumerate(folds.split(np.zeros(len(accounts)), accounts["is_fake"])):
        groups[rows] = f"{sources[0]}-fold{k}"
    return groups


def out_of_group_margins(
    accounts: pd.DataFrame, params: dict[str, Any], seed: int, features: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Each account's raw margin from a booster that never saw its group, and the groups."""
    groups = held_out_groups(accounts)
    margin = np.empty(len(accounts))
    for group in pd.unique(groups):
        at = groups == group
        booster = fit_on(accounts[~at], params, seed, features)
        margin[at] = booster.predict(account_matrix(accounts[at], features), raw_score=True)
    return margin, groups


def fit_calibration(
    margin: np.ndarray, y: np.ndarray, groups: np.ndarray, prior: float = AUDIENCE_PRIOR
) -> tuple[float, float]:
    """Platt scaling of held-out margins, each (group, label) weighted equally, then moved from
    even odds to ``prior``."""
    platt = LogisticRegression(C=1e6)
    platt.fit(margin[:, None], y, sample_weight=balanced_weights(groups, y))
    return float(platt.coef_[0, 0]), float(platt.intercept_[0]) + prior_logit(prior)


def measure_share_rates(
    p_fake: np.ndarray, y: np.ndarray, groups: np.ndarray, threshold: float
) -> ShareRates:
    names = [str(g) for g in pd.unique(groups)]
    flagged = p_fake >= threshold
    real = [(groups == g) & (y == 0) for g in names]
    fake = [(groups == g) & (y == 1) for g in names]
    return ShareRates(
        fpr=tuple(float(flagged[m].mean()) for m in real),
        tpr=tuple(float(flagged[m].mean()) for m in fake),
        n_real=tuple(int(m.sum()) for m in real),
        n_fake=tuple(int(m.sum()) for m in fake),
        sources=tuple(names),
    )


def fit_account_model(
    accounts: pd.DataFrame,
    params: dict[str, Any],
    seed: int,
    metadata: dict[str, Any] | None = None,
    prior: float = AUDIENCE_PRIOR,
    features: Sequence[str] = ACCOUNT_FEATURES,
) -> tuple[AccountModel, pd.DataFrame]:
    """The account model over ``features`` on ``accounts``: booster, calibration, the share
    profiles its fake-share estimate matches audiences against, its rates at the operating
    point, and the held-out predictions (per account: group, margin, calibrated p_fake) they
    were all measured on."""
    margin, groups = out_of_group_margins(accounts, params, seed, features)
    y = accounts["is_fake"].to_numpy()
    calibration = fit_calibration(margin, y, groups, prior)
    model = AccountModel(
        booster_text=fit_on(accounts, params, seed, features).model_to_string(),
        feature_names=list(features),
        metadata=dict(metadata or {}),
        calibration=calibration,
    )
    p_fake = calibrated(margin, calibration)
    model.share_rates = measure_share_rates(p_fake, y, groups, model.threshold)
    model.share_profiles = ShareProfiles.measure(p_fake, y, groups, prior)
    held_out = pd.DataFrame(
        {"group": groups, "is_fake": y, "margin": margin, "p_fake": p_fake}, index=accounts.index
    )
    return model, held_out
