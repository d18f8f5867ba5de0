"""Split creators into train / validation / test, stratified by label.

The test part is only ever measured: early stopping and calibration use validation alone. It is
chosen by the creators' ids alone, not by the seed: every version trained on the same creators is
tested on the same ones, and no version trains on another's test creators, so the registry gate
can compare two versions on creators neither has seen (``scoring.store.registry``). The seed
moves only the line between train and validation, and the model's own randomness.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

# Fewer creators per label leave one or two per label in validation and test: no measurement.
MIN_PER_LABEL = 10
TEST_SHARE = 0.2


@dataclass(frozen=True)
class Split:
    train: pd.Index
    validation: pd.Index
    test: pd.Index

    @property
    def trained_on(self) -> pd.Index:
        """The creators the model learned from: its trees (train) and its early stopping and
        calibration (validation)."""
        return self.train.append(self.validation)


def id_hashes(ids: Iterable[object]) -> np.ndarray:
    """A 64-bit hash of each id's text, the same in every process, version and machine (unlike
    Python's ``hash`` or pandas' hashing): what a version records of the creators it trained on,
    without keeping their ids."""
    digests = (hashlib.blake2b(str(i).encode(), digest_size=8).digest() for i in ids)
    return np.fromiter((int.from_bytes(d, "little") for d in digests), dtype=np.uint64)


def check_label_counts(counts: pd.Series) -> None:
    """Refuse labels a model cannot be trained and tested on: one class only, or a label with
    too few creators to appear in validation and test."""
    if len(counts) < 2:
        only = ", ".join(f"{k} ({v})" for k, v in counts.items()) or "none"
        raise ValueError(
            f"the labels hold one class only: {only}; training needs labelled creators of at "
            "least two classes"
        )
    if (counts < MIN_PER_LABEL).any():
        rare = ", ".join(f"{k} ({v})" for k, v in counts[counts < MIN_PER_LABEL].items())
        raise ValueError(
            f"every label needs at least {MIN_PER_LABEL} labelled creators to train and test on; "
            f"too few: {rare}"
        )


def test_creators(labels: pd.Series, share: float = TEST_SHARE) -> pd.Index:
    """Per label, the ``share`` of its creators (rounded up) with the smallest id hashes; in
    the order of ``labels``."""
    hashes = pd.Series(id_hashes(labels.index), index=labels.index)
    chosen = [
        hashes.loc[ids].nsmallest(int(np.ceil(share * len(ids)))).index
        for ids in labels.groupby(labels, sort=True).groups.values()
    ]
    return labels.index[labels.index.isin(np.concatenate([c.to_numpy() for c in chosen]))]


def split_creators(
    labels: pd.Series, seed: int, validation_share: float = 0.2, test_share: float = TEST_SHARE
) -> Split:
    """Stratified split of ``labels`` (indexed by creator_id) into three disjoint id sets; the
    test set does not depend on ``seed``."""
    if not 0 < validation_share < 1 or not 0 < test_share < 1 or validation_share + test_share >= 1:
        raise ValueError("validation_share and test_share must be in (0, 1) and sum below 1")
    check_label_counts(labels.value_counts())
    test = test_creators(labels, test_share)
    rest = labels.index[~labels.index.isin(test)]
    train, validation = train_test_split(
        np.asarray(rest),
        test_size=validation_share / (1 - test_share),
        stratify=labels.loc[rest].to_numpy(),
        random_state=seed + 1,
    )
    return Split(pd.Index(train), pd.Index(validation), test)
