"""The models a creator model scores without, worded once for every place that says so.

A creator model carries the account model that judged its follower samples and the comment
model that read its comment texts (``scoring.model``). One trained without them (``creator-audit
train --accounts-model none``, or on a clone without the real labelled data) scores without
their features. ``GET /v1/model``, ``report.html``, the audit page and the end of
``scripts/main.sh`` all say which one is missing, what the score cannot see without it and how to
get it, from :func:`missing_models`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from features.audience import ACCOUNT_MODEL_COLUMNS
from features.engagers import COMMENT_MODEL_COLUMNS
from scoring.names import ACCOUNT_MODEL_NAME, COMMENT_MODEL_NAME

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


ACCOUNT = MissingModel(
    model=ACCOUNT_MODEL_NAME,
    cannot_see="the share of sampled followers that look fake (sample_fake_share, "
    "sample_fake_share_ci95)",
    how_to_get=f"creator-audit data fetch, then creator-audit accounts train, {RETRAIN}",
)
COMMENT = MissingModel(
    model=COMMENT_MODEL_NAME,
    cannot_see="the share of comments that look like spam or promotions (comment_spam_share, "
    "comment_spam_mean)",
    how_to_get=f"creator-audit data fetch, then creator-audit comments train, {RETRAIN}",
)


def missing_models(model: CreatorFraudModel) -> list[MissingModel]:
    """The account and comment models ``model`` lacks, among those whose features it takes (a
    model that never took the comment-spam features misses no comment model)."""
    takes = set(model.feature_names)
    missing = []
    if model.account_model is None and takes & set(ACCOUNT_MODEL_COLUMNS):
        missing.append(ACCOUNT)
    if model.comment_model is None and takes & set(COMMENT_MODEL_COLUMNS):
        missing.append(COMMENT)
    return missing


def missing_model_lines(model: CreatorFraudModel) -> list[str]:
    """:func:`missing_models` as lines for a terminal; one line saying so when none is."""
    missing = missing_models(model)
    if not missing:
        return ["the creator model misses no account or comment model"]
    return [m.sentence() for m in missing]
