"""Two questions about a creator model on a labelled dataset, side by side for several models:

    .venv/bin/python benchmarks/creator_slices.py --data work/holdout \
        --model models/creator-fraud-champion.bundle [--model other.bundle ...]

1. **Spam magnets**: genuine creators whose comment sections are spam-heavy (as ScamSpot's
   genuine finance and crypto accounts are: 38% of their labelled comments are scams) -- are
   they flagged more than other genuine creators? Genuine creators by ``comment_spam_share``.
2. **Without engagement events**: of the creators with events that the model calls clearly
   genuine (p_genuine > 0.9), how many does it call fraud once their events are removed? Absent
   data is no evidence; tests/training/test_behaviour.py holds the line at two in a hundred.

A creator is flagged when p_genuine < 0.5. Each model reads the dataset with its own account and
comment models, through the one feature path (``features.build_features``).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from creator_audit.dataset import read_dataset
from creator_audit.dataset.types import Dataset
from features import build_features
from scoring.model import CreatorFraudModel

SPAM_SHARE_BINS = ((0.25, 1.0, "over 25%"), (0.10, 0.25, "10-25%"), (0.0, 0.10, "up to 10%"))


def main() -> None:
    args = _parse()
    data = read_dataset(args.data)
    without_events = Dataset(
        data.creators, data.posts, None, data.follower_counts, data.follower_samples
    )
    labels = data.labels.set_index("creator_id")["label"]
    engaged = data.posts.loc[
        data.posts["post_id"].isin(data.engagements["post_id"]), "creator_id"
    ].unique()
    for path in args.model:
        model = CreatorFraudModel.load(path)
        features = _features(model, data)
        proba = _proba(model, features)
        print(f"\n{path}")
        _spam_magnets(proba, features, labels)
        without = _proba(model, _features(model, without_events))
        _without_events(proba.loc[engaged], without.loc[engaged])


def _features(model: CreatorFraudModel, data: Dataset) -> pd.DataFrame:
    return build_features(data, model.account_model, model.comment_model)


def _proba(model: CreatorFraudModel, features: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(model.predict_proba(features), index=features.index, columns=model.labels)


def _spam_magnets(proba: pd.DataFrame, features: pd.DataFrame, labels: pd.Series) -> None:
    genuine = labels.reindex(proba.index).to_numpy() == "genuine"
    flagged = proba["genuine"].to_numpy() < 0.5
    share = features["comment_spam_share"].to_numpy()
    for low, high, name in SPAM_SHARE_BINS:
        rows = genuine & (share > low if low else share >= 0) & (share <= high)
        print(f"  genuine, comment spam share {name}: {rows.sum()}, flagged {_pct(flagged[rows])}")
    rows = genuine & np.isnan(share)
    print(f"  genuine, no comment texts: {rows.sum()}, flagged {_pct(flagged[rows])}")


def _without_events(before: pd.DataFrame, after: pd.DataFrame) -> None:
    clear = before.index[before["genuine"] > 0.9]
    flipped = after.loc[clear].idxmax(axis=1) != "genuine"
    print(
        f"  clearly genuine with events: {len(clear)}; called fraud without them: "
        f"{int(flipped.sum())} ({_pct(flipped.to_numpy())})"
    )


def _pct(values: np.ndarray) -> str:
    return f"{values.mean():.1%}" if len(values) else "n/a"


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="A labelled dataset folder.")
    parser.add_argument("--model", action="append", required=True, help="A creator model bundle.")
    return parser.parse_args()


if __name__ == "__main__":
    main()
