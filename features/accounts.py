"""Features of single accounts (a follower's profile) and the audience-type rule.

The account model is trained on real labelled profiles, scores ``creator-audit accounts score``
and ``POST /v1/accounts/score``, and scores each creator's follower sample for the audience
features: all three use :func:`account_features`, so they cannot drift apart.

Input columns are the contract's ``follower_samples`` fields: followers, following, media_count
(required) and optionally username, bio_length, has_profile_pic, is_private, has_external_url.
Real collections give the username only as counts, so ``username_length``, ``username_digits`` or
``username_digit_share`` are read when ``username`` is absent. Anything absent is NaN.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creator_audit.dataset.columnar import ColumnTable, text_array
from features._tables import trait
from features.fake_share import ShareRates, ShareScorer, group_fake_share
from features.share_profiles import ShareProfiles

MASS_FOLLOWING = 1_500  # HypeAuditor's mass followers: following more than 1,500
INFLUENCER_FOLLOWERS = 5_000  # ...and influencers: over 5,000 followers, following fewer
AUDIENCE_TYPES: tuple[str, ...] = ("real", "suspicious", "mass_follower", "influencer")

ACCOUNT_FEATURES: tuple[str, ...] = (
    "log_followers",
    "log_following",
    "log_follower_following_ratio",
    "log_media_count",
    "no_media",
    "log_bio_length",
    "has_profile_pic",
    "is_private",
    "has_external_url",
    "username_digit_share",
)
# Direction each feature may push p_fake (LightGBM monotone constraints: -1 lowers, +1 raises,
# 0 free). They hold in every source and are what lets a model trained on some collections carry
# to another: a collection's quirks cannot make more followers or a picture look *more* fake.
ACCOUNT_FEATURE_DIRECTIONS: dict[str, int] = {
    "log_followers": -1,
    "log_following": 0,  # real mass-followers exist; fakes follow many
    "log_follower_following_ratio": -1,
    "log_media_count": -1,
    "no_media": 1,
    "log_bio_length": -1,
    "has_profile_pic": -1,
    "is_private": 0,  # private real people and private shells both exist
    "has_external_url": -1,
    "username_digit_share": 1,
}
REQUIRED_ACCOUNT_COLUMNS: tuple[str, ...] = ("followers", "following", "media_count")


Accounts = pd.DataFrame | ColumnTable  # a frame of accounts, or the follower sample's columns


class AccountScorer(Protocol):
    """What the audience features need from an account model: p_fake, the threshold it flags
    at, and what its fake-share estimate reads (:func:`features.fake_share.group_fake_share`)."""

    threshold: float
    share_rates: ShareRates | None
    share_profiles: ShareProfiles | None

    def p_fake(self, accounts: Accounts) -> np.ndarray: ...


def account_features(accounts: pd.DataFrame) -> pd.DataFrame:
    """One row per account (same index), float64 columns ``ACCOUNT_FEATURES``."""
    return pd.DataFrame(account_columns(accounts), index=accounts.index, dtype=np.float64)


def account_columns(accounts: Accounts) -> dict[str, np.ndarray]:
    """``ACCOUNT_FEATURES`` as float64 arrays, one value per account in row order."""
    missing = [c for c in REQUIRED_ACCOUNT_COLUMNS if not _has(accounts, c)]
    if missing:
        raise ValueError(f"accounts lack required column(s): {', '.join(missing)}")
    followers = trait(accounts, "followers")
    following = trait(accounts, "following")
    media = trait(accounts, "media_count")
    columns = {
        "log_followers": np.log1p(followers),
        "log_following": np.log1p(following),
        "log_follower_following_ratio": np.log1p(followers) - np.log1p(following),
        "log_media_count": np.log1p(media),
        "no_media": np.where(np.isnan(media), np.nan, media == 0),
        "log_bio_length": np.log1p(trait(accounts, "bio_length")),
        "has_profile_pic": trait(accounts, "has_profile_pic"),
        "is_private": trait(accounts, "is_private"),
        "has_external_url": trait(accounts, "has_external_url"),
        "username_digit_share": username_digit_share(accounts),
    }
    return {name: np.asarray(values, dtype=np.float64) for name, values in columns.items()}


def account_matrix(
    accounts: Accounts, names: tuple[str, ...] | list[str] = ACCOUNT_FEATURES
) -> np.ndarray:
    """The float64 matrix a booster takes: :func:`account_columns`' ``names`` columns."""
    columns = account_columns(accounts)
    return np.column_stack([columns[name] for name in names]).reshape(len(accounts), len(names))


def _has(accounts: Accounts, column: str) -> bool:
    return column in accounts if isinstance(accounts, ColumnTable) else column in accounts.columns


def _text(accounts: Accounts, column: str) -> pa.Array:
    if isinstance(accounts, ColumnTable):
        return accounts.text(column)
    return text_array(accounts[column])


def username_digit_share(accounts: Accounts) -> np.ndarray:
    """Digits ÷ characters of the username; NaN when unknown or empty."""
    if _has(accounts, "username"):
        names = _text(accounts, "username")
        digits = pc.count_substring_regex(names, r"\d").to_numpy(zero_copy_only=False)
        length = pc.utf8_length(names).to_numpy(zero_copy_only=False)
    elif _has(accounts, "username_digit_share"):
        return trait(accounts, "username_digit_share")
    else:
        digits = trait(accounts, "username_digits")
        length = trait(accounts, "username_length")
    digits = np.asarray(digits, dtype=np.float64)
    length = np.asarray(length, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(length > 0, digits / length, np.nan)


def audience_types(accounts: pd.DataFrame, p_fake: np.ndarray, threshold: float) -> np.ndarray:
    """``suspicious`` when p_fake ≥ threshold; else ``mass_follower`` (following > 1,500), else
    ``influencer`` (> 5,000 followers), else ``real``. Suspicious comes first: a fake account that
    follows thousands is counted as fake, not as a real person who follows many."""
    following = trait(accounts, "following")
    followers = trait(accounts, "followers")
    return np.select(
        [p_fake >= threshold, following > MASS_FOLLOWING, followers > INFLUENCER_FOLLOWERS],
        ["suspicious", "mass_follower", "influencer"],
        default="real",
    )


SUMMARY_COLUMNS: tuple[str, ...] = (
    "creator_id",
    "accounts",
    "fake_share",
    "fake_share_low",
    "fake_share_high",
    *(f"share_{kind}" for kind in AUDIENCE_TYPES),
)


def audience_summary(
    accounts: pd.DataFrame, scores: pd.DataFrame, scorer: ShareScorer
) -> pd.DataFrame:
    """The audience report: one row per ``creator_id`` (one in all, creator_id missing, when the
    accounts name none): how many accounts, the estimated fake share with its 95% interval
    (:func:`features.fake_share.group_fake_share`) and the share of each audience type.
    ``scores`` is the account model's ``score`` of ``accounts`` (same index)."""
    if "creator_id" in accounts.columns:
        named = accounts["creator_id"].notna().to_numpy()
        ids = accounts["creator_id"].to_numpy(dtype=object)[named].astype(str)
    else:
        named, ids = np.zeros(len(accounts), dtype=bool), np.array([], dtype=str)
    names = np.unique(ids)
    code = np.full(len(accounts), len(names))  # unnamed accounts: one row after the named
    code[named] = np.searchsorted(names, ids)
    creators = [*names.tolist(), None][: len(names) + int((~named).any())]
    n = len(creators)
    size = np.bincount(code, minlength=n).astype(np.float64)
    kind = scores["audience_type"].to_numpy(dtype=str)
    p_fake = scores["p_fake"].to_numpy(np.float64)
    table = {
        "creator_id": creators,
        "accounts": size.astype(np.int64),
        **group_fake_share(scorer, p_fake, code, n),
    }
    for name in AUDIENCE_TYPES:
        table[f"share_{name}"] = np.bincount(code, weights=kind == name, minlength=n) / size
    return pd.DataFrame(table, columns=list(SUMMARY_COLUMNS))
