"""Which account features separate fakes from real accounts in every source, the same way.

The account model meets collections none of its sources resembles, so a feature earns its place
by pointing the same way everywhere: per source, its ROC-AUC alone (0.5: no signal; above: more
of it, more fake; below: less fake). A feature that points one way in one source and the other
way in another is a source's quirk, not a trait of fakes, and is masked (left out of the model),
unless its direction is already left free (``ACCOUNT_FEATURE_DIRECTIONS`` 0): then the model
may only use it jointly with the features that fix its meaning. ``log_following`` is the one:
fakes follow many in most sources, but Kaggle's spammers and Twitter's bought followers follow
few, and following *relative to followers* (which is constrained) is what carries.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from features.accounts import ACCOUNT_FEATURE_DIRECTIONS, ACCOUNT_FEATURES, account_features

REVERSAL = 0.1  # AUC beyond 0.5 ± this, both ways in two sources: the feature reverses
MIN_KNOWN = 30  # accounts of each label with the feature known, for its AUC in a source


def feature_transfer(accounts: pd.DataFrame) -> pd.DataFrame:
    """One row per feature: its ROC-AUC alone in each source (NaN where a source lacks it or
    it is constant), whether it reverses between sources, and whether the model keeps it."""
    x = account_features(accounts)
    y = accounts["is_fake"].to_numpy()
    sources = [str(s) for s in pd.unique(accounts["source"])]
    rows = []
    for feature in ACCOUNT_FEATURES:
        row: dict[str, object] = {"feature": feature}
        for source in sources:
            at = (accounts["source"].astype(str) == source).to_numpy()
            row[source] = _auc_alone(x[feature].to_numpy()[at], y[at])
        aucs = np.array([row[s] for s in sources], dtype=np.float64)
        reverses = bool(np.nanmax(aucs, initial=0.5) > 0.5 + REVERSAL) and bool(
            np.nanmin(aucs, initial=0.5) < 0.5 - REVERSAL
        )
        row["reverses"] = reverses
        row["kept"] = not reverses or ACCOUNT_FEATURE_DIRECTIONS[feature] == 0
        rows.append(row)
    return pd.DataFrame(rows).set_index("feature")


def transferring_features(table: pd.DataFrame) -> tuple[str, ...]:
    """The features :func:`feature_transfer` keeps, in ``ACCOUNT_FEATURES`` order."""
    kept = set(table.index[table["kept"].astype(bool)])
    return tuple(f for f in ACCOUNT_FEATURES if f in kept)


def _auc_alone(values: np.ndarray, y: np.ndarray) -> float:
    known = ~np.isnan(values)
    labels = y[known]
    if min(int((labels == 0).sum()), int((labels == 1).sum())) < MIN_KNOWN:
        return np.nan
    if np.unique(values[known]).size < 2:
        return np.nan
    return float(roc_auc_score(labels, values[known]))


def format_transfer(table: pd.DataFrame, sources: Sequence[str]) -> list[str]:
    """The table as lines for a terminal."""
    head = "feature".ljust(30) + "".join(s[:10].rjust(11) for s in sources) + "  verdict"
    lines = [head]
    for feature, row in table.iterrows():
        cells = "".join(("—" if np.isnan(row[s]) else f"{row[s]:.2f}").rjust(11) for s in sources)
        verdict = "kept" if row["kept"] else "masked: reverses"
        if row["kept"] and row["reverses"]:
            verdict = "kept, direction free: reverses alone"
        lines.append(str(feature).ljust(30) + cells + "  " + verdict)
    return lines
