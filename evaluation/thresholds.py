"""The fraud_score cut-off table: precision and recall of "any fraud" against genuine."""

from __future__ import annotations

import numpy as np
import pandas as pd

CUTOFFS = (10, 20, 30, 40, 50, 60, 70, 80, 90)


def threshold_table(is_fraud: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """For each cut-off c, creators with fraud_score >= c are flagged."""
    rows = []
    positives = int(is_fraud.sum())
    for cutoff in CUTOFFS:
        flagged = scores >= cutoff
        hits = int((flagged & is_fraud).sum())
        rows.append(
            {
                "fraud_score_cutoff": cutoff,
                "flagged_share": float(flagged.mean()) if len(scores) else float("nan"),
                "precision": hits / int(flagged.sum()) if flagged.any() else float("nan"),
                "recall": hits / positives if positives else float("nan"),
                "genuine_flagged_share": (
                    float(flagged[~is_fraud].mean()) if (~is_fraud).any() else float("nan")
                ),
            }
        )
    return pd.DataFrame(rows)
