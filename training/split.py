"""Split creators into train / validation / test, stratified by label.

The test part is only ever measured: early stopping and calibration use validation alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

# Fewer creators per label leave one or two per label in validation and test: no measurement.
MIN_PER_LABEL = 10


@dataclass(frozen=True)
class Split:
    train: pd.Index
    validation: pd.Index
    test: pd.Index


def split_creators(
    labels: pd.Series, seed: int, validation_share: float = 0.2, test_share: float = 0.2
) -> Split:
    """Stratified split of ``labels`` (indexed by creator_id) into three disjoint id sets."""
    if not 0 < validation_share < 1 or not 0 < test_share < 1 or validation_share + test_share >= 1:
        raise ValueError("validation_share and test_share must be in (0, 1) and sum below 1")
    counts = labels.value_counts()
    if (counts < MIN_PER_LABEL).any():
        rare = ", ".join(f"{k} ({v})" for k, v in counts[counts < MIN_PER_LABEL].items())
        raise ValueError(
            f"every label needs at least {MIN_PER_LABEL} labelled creators to train and test on; "
            f"too few: {rare}"
        )
    ids = np.asarray(labels.index)
    rest, test = train_test_split(
        ids, test_size=test_share, stratify=labels.to_numpy(), random_state=seed
    )
    rest_labels = labels.loc[rest].to_numpy()
    train, validation = train_test_split(
        rest,
        test_size=validation_share / (1 - test_share),
        stratify=rest_labels,
        random_state=seed + 1,
    )
    return Split(pd.Index(train), pd.Index(validation), pd.Index(test))
