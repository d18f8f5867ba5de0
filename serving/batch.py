"""Batch scoring of a whole dataset: the same features and scoring code as the API."""

from __future__ import annotations

import pandas as pd

from creator_audit.dataset import Dataset
from features import build_features
from serving.scoring import DEFAULT_REASONS, score_features, scores_to_frame
from training.model import CreatorFraudModel


def score_dataset(
    model: CreatorFraudModel, ds: Dataset, n_reasons: int = DEFAULT_REASONS
) -> pd.DataFrame:
    """One row per creator, in the dataset's order, with every field of CONTRACT.md §3."""
    scores = score_features(model, build_features(ds, model.account_model), n_reasons=n_reasons)
    return scores_to_frame(scores, model.labels)
