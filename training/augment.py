"""Missing-table augmentation: teach the model to judge creators from what exports usually hold.

Most real exports carry profile counts and posts only (no engagement events, follower history or
follower sample). The simulator leaves tables out for some creators, but too few creators lack
all of them for LightGBM to learn good routes for that pattern. So every training creator with
optional data also appears once more with that data honestly removed: its optional-table features
set to NaN, exactly what ``build_features`` gives when the tables are absent. Nothing is invented.
Training adds the copies to the validation part too, so early stopping and calibration judge the
model on both regimes; test data is never augmented.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.build import OPTIONAL_TABLE_FEATURES

OPTIONAL_FEATURES = tuple(c for cols in OPTIONAL_TABLE_FEATURES.values() for c in cols)
AUGMENTATION = "posts-only copy of each training creator with optional tables"  # as logged


def posts_only_copies(table: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """A copy of every row that has any optional-table feature, with those features missing, and
    which rows were copied. The one definition, for the in-memory and the Dask training."""
    optional = [c for c in OPTIONAL_FEATURES if c in table.columns]
    has_optional = table[optional].notna().any(axis=1).to_numpy()
    copies = table[has_optional].copy()
    copies[optional] = np.nan
    return copies, has_optional


def with_posts_only_copies(
    features: pd.DataFrame, y: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """``features`` plus a posts-only copy of every row that has any optional-table feature."""
    copies, has_optional = posts_only_copies(features)
    return pd.concat([features, copies]), np.concatenate([y, y[has_optional]])
