"""The models a creator model scores without, worded once for every place that says so.

A creator model carries the account model that judged its follower samples and the comment
model that read its comment texts (``scoring.model``). One trained without them (``creator-audit
train --accounts-model none``, or on a clone without the real labelled data) scores without
their features. ``GET /v1/model``, ``report.html``, the audit page and the end of
``scripts/main.sh`` all say which one is missing, what the score cannot see without it and how to
get it, from :func:`missing_models` (``python -m scoring.missing_models BUNDLE`` prints it).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from features.audience import ACCOUNT_MODEL_COLUMNS
from features.engagers import COMMENT_MODEL_COLUMNS
from scoring.store.names import ACCOUNT_MODEL_NAME, COMMENT_MODEL_NAME

if TYPE_CHECKING:
    from scoring.model import CreatorFraudModel

RETRAIN = "then train the creator model again (creator-audit train)"


@dataclass(frozen=True)
class MissingModel:
    """A model the creator model scores without: its registered name, what the score cannot
    see without it, and the commands that give it."""

    model: str
    cannot_see: str
    how_to_get: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def sentence(self) -> str:
        """One line for pages and terminals."""
        return (
            f"No {self.model} model: the score cannot see {self.cannot_see}. "
            f"To get it: {self.how_to_get}."
        )


# The features each scorer computes, by its registered name.
FEATURES_OF = {
    ACCOUNT_MODEL_NAME: ACCOUNT_MODEL_COLUMNS,
    COMMENT_MODEL_NAME: COMMENT_MODEL_COLUMNS,
}
ACCOUNT = MissingModel(
    model=ACCOUNT_MODEL_NAME,
    cannot_see="the share of sampled followers that look fake "
    f"({', '.join(ACCOUNT_MODEL_COLUMNS)})",
    how_to_get=f"creator-audit data fetch, then creator-audit accounts train, {RETRAIN}",
)
COMMENT = MissingModel(
    model=COMMENT_MODEL_NAME,
    cannot_see="the share of comments that look like spam or promotions "
    f"({', '.join(COMMENT_MODEL_COLUMNS)})",
    how_to_get=f"creator-audit data fetch, then creator-audit comments train, {RETRAIN}",
)


def missing_models(model: CreatorFraudModel) -> list[MissingModel]:
    """The account and comment models ``model`` lacks, among those whose features it takes (a
    model that never took the comment-spam features misses no comment model)."""
    takes = set(model.feature_names)
    has = {ACCOUNT: model.account_model is not None, COMMENT: model.comment_model is not None}
    return [m for m, present in has.items() if not present and takes & set(FEATURES_OF[m.model])]


def unscored_features(model: CreatorFraudModel) -> dict[str, str]:
    """The features ``model`` takes but cannot compute for want of a scorer, each with the
    missing scorer's registered name."""
    takes = set(model.feature_names)
    return {f: m.model for m in missing_models(model) for f in FEATURES_OF[m.model] if f in takes}


def missing_model_lines(model: CreatorFraudModel) -> list[str]:
    """:func:`missing_models` as lines for a terminal; one line saying so when none is."""
    missing = missing_models(model)
    if not missing:
        return ["the creator model misses no account or comment model"]
    return [m.sentence() for m in missing]


def main(argv: Sequence[str] | None = None) -> None:
    """Print :func:`missing_model_lines` of the creator model bundle named in ``argv``."""
    from scoring.model import CreatorFraudModel

    (bundle,) = sys.argv[1:] if argv is None else argv
    print(*missing_model_lines(CreatorFraudModel.load(bundle)), sep="\n")


if __name__ == "__main__":
    main()
