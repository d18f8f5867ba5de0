"""What LightGBM must beat, on the same split: marketers' rules and a logistic regression.

The rules are the checks an influencer-marketing team applies by hand, with thresholds fixed in
advance (never tuned on the test data): engagement far below the tier benchmark means bought
followers; far above it with almost no conversation means bought likes; the same fast engagers on
every post means a pod.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import QuantileTransformer

# Rule thresholds (a priori, from the tier benchmarks in features/reference.py).
LOW_ENGAGEMENT_LOG_RATIO = np.log(0.4)  # engagement under 40% of the tier's expected rate
HIGH_ENGAGEMENT_LOG_RATIO = np.log(2.5)  # engagement over 2.5x the tier's expected rate
FEW_COMMENTS_PER_LIKE = 0.01  # under 1 comment per 100 likes
POD_RECURRING_SHARE = 0.3  # over 30% of engagement from accounts back on most posts
POD_FAST_SHARE = 0.5  # and over half of it in the first hour

RULE_COLUMNS = {
    "engagement": "engagement_rate_log_ratio",
    "comments_per_like": "comments_per_like_pooled",
    "recurring": "recurring_actor_event_share",
    "fast": "like_share_within_60m",
}


def rules_predict(features: pd.DataFrame, labels: Sequence[str]) -> np.ndarray:
    """One-hot 'probabilities' from the marketers' rules (first rule that fires wins)."""
    col = {k: features[v].to_numpy(dtype=float) for k, v in RULE_COLUMNS.items()}
    pred = np.full(len(features), labels.index("genuine"))
    with np.errstate(invalid="ignore"):
        pod = (col["recurring"] > POD_RECURRING_SHARE) & (col["fast"] > POD_FAST_SHARE)
        bots = (col["engagement"] > HIGH_ENGAGEMENT_LOG_RATIO) & (
            col["comments_per_like"] < FEW_COMMENTS_PER_LIKE
        )
        fake = col["engagement"] < LOW_ENGAGEMENT_LOG_RATIO
    pred[pod] = labels.index("engagement_pod")
    pred[bots & ~pod] = labels.index("bot_engagement")
    pred[fake & ~pod & ~bots] = labels.index("fake_followers")
    return np.eye(len(labels))[pred]


def logistic_baseline(seed: int) -> Pipeline:
    """Median imputation with missing-value indicators, rank-gaussian scaling, balanced LR."""
    return make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        QuantileTransformer(output_distribution="normal", n_quantiles=200, random_state=seed),
        LogisticRegression(max_iter=3000, C=1.0, class_weight="balanced", random_state=seed),
    )
