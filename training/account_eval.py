"""How the account model does on a collection it has never seen: each source held out in turn.

For each labelled source, a model is fitted (with its own features that transfer, calibration
and share profiles, all from the other sources) on every other source, and judged on the one
left out:

- with the source's own fields, with only the fields every source has (``common``: what the
  poorest collection gives), and with a public profile's fields (``public``: counts, picture,
  private, username; no bio or link);
- ROC-AUC, and at the operating point (p_fake ≥ threshold) the share of real accounts flagged,
  of real lurkers (≤ 3 posts) flagged and of fakes caught, beside the auditor's rule (two or more
  of its three flags) and a plain 200-tree LightGBM on the same fields, unweighted, and the
  source's in-source ceiling (the same recipe cross-validated inside it);
- the fake-share estimate on audiences of 50, 200 and 1,000 of the source's accounts (public
  fields) at 0-60% fake: bias, mean absolute error, how often the 95% interval covers the
  audience's true share, and how wide it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from creator_audit.dataset.real_accounts import PROFILE_FIELDS
from features.accounts import ACCOUNT_FEATURES, account_matrix
from scoring.account_model import AUDIENCE_PRIOR, AccountModel
from training.account_fit import FOLD_SEED, LURKER_POSTS, fit_account_model, fit_on
from training.account_transfer import feature_transfer, transferring_features

Log = Callable[[str], None]
MASS_FOLLOW_RATIO = 2.0  # auditor's rule: following more than twice the followers
RULE_FLAGS = 2  # the rule flags an account raising at least two of its three flags
ALWAYS_GIVEN = ("followers", "following", "media_count")
FIELD_SETS: dict[str, tuple[str, ...] | None] = {
    "own": None,
    "common": (*ALWAYS_GIVEN, "bio_length", "has_profile_pic"),
    "public": (
        *ALWAYS_GIVEN,
        "has_profile_pic",
        "is_private",
        "username_length",
        "username_digits",
        "username_digit_share",
    ),
}
AUDIENCE_SHARES = (0.0, 0.05, 0.1, 0.2, 0.3, 0.6)
AUDIENCE_SIZES = (50, 200, 1_000)  # a small follower sample, a usual one, a large one
AUDIENCES = 200  # per size and share: coverage to ±3 points
CEILING_FOLDS = 5
PLAIN_ROUNDS = 200


def auditor_rule(accounts: pd.DataFrame) -> np.ndarray:
    """The manual check, as a score 0-3: follows > 2× its followers, no posts, no picture.
    A field the source lacks counts as not raised."""
    following = accounts["following"].to_numpy(np.float64)
    followers = accounts["followers"].to_numpy(np.float64)
    flags = [
        following > MASS_FOLLOW_RATIO * np.maximum(followers, 1.0),
        accounts["media_count"].to_numpy(np.float64) == 0,
        accounts["has_profile_pic"].to_numpy(np.float64) == 0,
    ]
    return np.sum(flags, axis=0).astype(np.float64)


def keep_fields(accounts: pd.DataFrame, fields: tuple[str, ...] | None) -> pd.DataFrame:
    """The accounts with every profile field outside ``fields`` made missing."""
    if fields is None:
        return accounts
    out = accounts.copy()
    for column in PROFILE_FIELDS:
        if column not in fields:
            out[column] = np.nan
    return out


def operating_point(y: np.ndarray, flagged: np.ndarray, lurker: np.ndarray) -> dict[str, float]:
    """Real accounts flagged, real lurkers flagged (NaN without any), fakes caught."""
    lurkers = (y == 0) & lurker
    return {
        "fpr": float(flagged[y == 0].mean()),
        "recall": float(flagged[y == 1].mean()),
        "lurker_fpr": float(flagged[lurkers].mean()) if lurkers.any() else np.nan,
    }


def fit_plain(accounts: pd.DataFrame, seed: int) -> lgb.Booster:
    """The baseline: LightGBM's defaults, 200 trees, no weights, masking or constraints."""
    x = account_matrix(accounts)
    params = {"objective": "binary", "seed": seed, "num_threads": 2, "verbosity": -1}
    return lgb.train(params, lgb.Dataset(x, accounts["is_fake"].to_numpy()), PLAIN_ROUNDS)


def judge_source(
    model: AccountModel, plain: lgb.Booster, accounts: pd.DataFrame, fields: str
) -> dict[str, Any]:
    shown = keep_fields(accounts, FIELD_SETS[fields])
    y = shown["is_fake"].to_numpy()
    lurker = shown["media_count"].to_numpy() <= LURKER_POSTS
    p_fake = model.p_fake(shown)
    rule = auditor_rule(shown)
    p_plain = plain.predict(account_matrix(shown))
    row = {"fields": fields, "n": len(shown), "fake": int(y.sum()), "auc": roc_auc_score(y, p_fake)}
    row.update(operating_point(y, p_fake >= model.threshold, lurker))
    row["rule_auc"] = roc_auc_score(y, rule)
    row.update({f"rule_{k}": v for k, v in operating_point(y, rule >= RULE_FLAGS, lurker).items()})
    row["plain_auc"] = roc_auc_score(y, p_plain)
    row.update({f"plain_{k}": v for k, v in operating_point(y, p_plain >= 0.5, lurker).items()})
    return row


def share_check(
    model: AccountModel, accounts: pd.DataFrame, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """The fake-share estimate on audiences drawn with replacement from ``accounts`` (a source
    the model never saw), AUDIENCES per size and true share: bias, mean absolute error, 95%
    interval coverage and mean width against each audience's own fake share."""
    y = accounts["is_fake"].to_numpy()
    p_fake = model.p_fake(accounts)
    real, fake = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    rows = []
    for size in AUDIENCE_SIZES:
        for share in AUDIENCE_SHARES:
            fakes = rng.binomial(size, share, AUDIENCES)
            drawn = [
                np.concatenate([rng.choice(fake, k), rng.choice(real, size - k)]) for k in fakes
            ]
            code = np.repeat(np.arange(AUDIENCES), size)
            est = model.fake_share(p_fake[np.concatenate(drawn)], code, AUDIENCES)
            rows.append({"size": size, "true_share": share, **_quantification(est, fakes / size)})
    return rows


def _quantification(est: dict[str, np.ndarray], truth: np.ndarray) -> dict[str, float]:
    error = est["fake_share"] - truth
    covered = (est["fake_share_low"] <= truth) & (truth <= est["fake_share_high"])
    return {
        "mean_estimate": float(est["fake_share"].mean()),
        "bias": float(error.mean()),
        "mean_abs_error": float(np.abs(error).mean()),
        "coverage": float(covered.mean()),
        "mean_width": float((est["fake_share_high"] - est["fake_share_low"]).mean()),
    }


def in_source_ceiling(accounts: pd.DataFrame, params: dict[str, Any], seed: int) -> float:
    """ROC-AUC of the same recipe trained and judged inside one source (stratified 5-fold
    cross-validation): what its fields allow when the source's own quirks may be learned."""
    y = accounts["is_fake"].to_numpy()
    folds = StratifiedKFold(CEILING_FOLDS, shuffle=True, random_state=FOLD_SEED)
    margin = np.empty(len(accounts))
    for train, test in folds.split(np.zeros(len(y)), y):
        booster = fit_on(accounts.iloc[train], params, seed, ACCOUNT_FEATURES)
        margin[test] = booster.predict(account_matrix(accounts.iloc[test]), raw_score=True)
    return float(roc_auc_score(y, margin))


def held_out_sources(
    accounts: pd.DataFrame, params: dict[str, Any], seed: int, log: Log = print
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per held-out source and field set: the classification table (with the source's in-source
    ceiling); per held-out source, audience size and true share: the quantification table, on a
    public profile's fields (what a follower sample gives)."""
    rows, shares = [], []
    rng = np.random.default_rng(seed)
    for held in pd.unique(accounts["source"]):
        at = (accounts["source"] == held).to_numpy()
        features = transferring_features(feature_transfer(accounts[~at]))
        model, _ = fit_account_model(accounts[~at], params, seed, features=features)
        plain = fit_plain(accounts[~at], seed)
        ceiling = in_source_ceiling(accounts[at], params, seed)
        for fields in FIELD_SETS:
            row = judge_source(model, plain, accounts[at], fields)
            rows.append({"source": held, **row, "ceiling_auc": ceiling})
        public = keep_fields(accounts[at], FIELD_SETS["public"])
        shares.extend({"source": held, **r} for r in share_check(model, public, rng))
        _log_source(
            rows[-len(FIELD_SETS) :], shares[-len(AUDIENCE_SIZES) * len(AUDIENCE_SHARES) :], log
        )
    return pd.DataFrame(rows), pd.DataFrame(shares)


def _log_source(rows: list[dict], shares: list[dict], log: Log) -> None:
    for r in rows:
        log(
            f"held out {r['source']} ({r['fields']} fields): ROC-AUC {r['auc']:.3f} "
            f"(in-source ceiling {r['ceiling_auc']:.3f}), "
            f"real flagged {r['fpr']:.1%} (lurkers {r['lurker_fpr']:.1%}), "
            f"fakes caught {r['recall']:.1%}; rule {r['rule_auc']:.3f} / {r['rule_fpr']:.1%} / "
            f"{r['rule_recall']:.1%}; plain LightGBM {r['plain_auc']:.3f} / {r['plain_fpr']:.1%} "
            f"/ {r['plain_recall']:.1%}"
        )
    for line in format_quantification(pd.DataFrame(shares)):
        log("  " + line)


def format_quantification(shares: pd.DataFrame) -> list[str]:
    """Per audience size: mean abs error / coverage / width per true share, in points."""
    lines = ["fake share, public fields: MAE pts / 95% coverage / width pts, by true share"]
    for size, part in shares.groupby("size", sort=False):
        cells = [
            f"{r.true_share:.0%}: {100 * r.mean_abs_error:.1f}/{r.coverage:.0%}/"
            f"{100 * r.mean_width:.0f}"
            for r in part.itertuples()
        ]
        lines.append(f"  {size:>5} accounts  " + "  ".join(cells))
    return lines


GOAL_SIZE = 200
GOAL_SHARES = (0.0, 0.05, 0.1, 0.2, 0.3)  # the shares a brand's audiences mostly hold


def quantification_summary(held_out: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Per held-out source, the figures a brand reads: ROC-AUC beside its in-source ceiling and
    the operating point on the source's own fields; for audiences of GOAL_SIZE at GOAL_SHARES
    fake, the worst mean absolute error, the lowest coverage and the widest mean interval."""
    own = held_out[held_out["fields"] == "own"].set_index("source")
    goal = shares[(shares["size"] == GOAL_SIZE) & shares["true_share"].isin(GOAL_SHARES)]
    worst = goal.groupby("source", sort=False).agg(
        max_abs_error=("mean_abs_error", "max"),
        min_coverage=("coverage", "min"),
        max_width=("mean_width", "max"),
    )
    table = own[["auc", "ceiling_auc", "fpr", "recall"]].join(worst)
    return table.rename(columns={"fpr": "real_flagged", "recall": "fakes_caught"})


def format_summary(summary: pd.DataFrame) -> list[str]:
    lines = [
        f"held-out source   ROC-AUC (ceiling)  real flagged  fakes caught   audiences of "
        f"{GOAL_SIZE} at 0-30% fake: worst MAE / lowest coverage / widest interval"
    ]
    for source, r in summary.iterrows():
        lines.append(
            f"{source!s:<16} {r.auc:.3f} ({r.ceiling_auc:.3f})   {r.real_flagged:>10.1%}"
            f"  {r.fakes_caught:>12.1%}   {100 * r.max_abs_error:.1f} pts / "
            f"{r.min_coverage:.0%} / {100 * r.max_width:.1f} pts"
        )
    return lines


def reliability(
    held_out: pd.DataFrame, prior: float = AUDIENCE_PRIOR, bins: int = 10
) -> pd.DataFrame:
    """Per held-out group and p_fake bin: accounts, mean p_fake and the fake share with each
    label weighted so that the group is ``prior`` fake, the audience p_fake is calibrated for.
    Judged per source, not pooled: a pooled curve can hide two sources miscalibrated both ways."""
    rows = []
    edges = np.linspace(0.0, 1.0, bins + 1)
    for group, part in held_out.groupby("group", sort=False):
        y = part["is_fake"].to_numpy()
        p = part["p_fake"].to_numpy()
        seen = y.mean()
        weight = np.where(y == 1, prior / seen, (1 - prior) / (1 - seen))
        which = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
        for b in np.unique(which):
            at = which == b
            rows.append(
                {
                    "group": group,
                    "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
                    "accounts": int(at.sum()),
                    "mean_p_fake": float(p[at].mean()),
                    "fake_share": float(np.average(y[at], weights=weight[at])),
                }
            )
    return pd.DataFrame(rows)


def expected_calibration_error(table: pd.DataFrame) -> pd.Series:
    """Per group: the accounts-weighted mean gap between p_fake and the fake share per bin."""
    gap = (table["mean_p_fake"] - table["fake_share"]).abs() * table["accounts"]
    return (
        gap.groupby(table["group"], sort=False).sum()
        / table.groupby("group", sort=False)["accounts"].sum()
    )
