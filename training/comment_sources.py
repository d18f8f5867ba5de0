"""The comment model held out by source: does it catch spam under creators it never saw, in a
niche or on a platform it never saw?

Every group (each ScamSpot account, each YouTube video) is held out in turn, the scorers trained
on everything else, both sources; the held-out scores give, per group and pooled per source,
ROC-AUC, the share of spam caught at p >= 0.5 and the share of real comments flagged at 0.5.
Three scorers: the comment model, a plain tf-idf + logistic regression and the word-list rule.
Beside them:

- the "before": the model as it was (seven counts, ``LEGACY_SIGNALS``) trained on ScamSpot only
  and read on the YouTube videos;
- each source held out whole: trained on the other source only, which is what a niche, language
  or platform nobody labelled looks like to the model.

The author signals are computed over all comments together: they use no labels, only who wrote
what where, as a batch of a creator's comments would give them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut
from sklearn.pipeline import make_pipeline

from creator_audit.progress import stage
from features.engagers import GENERIC_COMMENTS, GENERIC_MAX_WORDS
from scoring.comment_model import CommentModel
from scoring.comment_signals import AUTHOR_SIGNALS, LEGACY_SIGNALS, SIGNALS, author_signals

Log = Callable[[str], None]
THRESHOLD = 0.5
SCORERS = ("model", "plain_tfidf", "word_list_rule")
# The goals, held out, on every source: ROC-AUC, spam caught and real comments flagged at 0.5.
GOAL_AUC, GOAL_CAUGHT, GOAL_FLAGGED = 0.95, 0.60, 0.10


@dataclass(frozen=True)
class Figures:
    """One scorer on one set of held-out comments."""

    n: int
    n_spam: int
    roc_auc: float
    spam_caught: float
    real_flagged: float

    @classmethod
    def of(cls, spam: np.ndarray, scores: np.ndarray) -> Figures:
        spam = np.asarray(spam, dtype=bool)
        flagged = np.asarray(scores) >= THRESHOLD
        both = 0 < spam.sum() < len(spam)
        return cls(
            n=len(spam),
            n_spam=int(spam.sum()),
            roc_auc=float(roc_auc_score(spam, scores)) if both else float("nan"),
            spam_caught=float(flagged[spam].mean()) if spam.any() else float("nan"),
            real_flagged=float(flagged[~spam].mean()) if (~spam).any() else float("nan"),
        )

    def as_dict(self) -> dict[str, float]:
        return {k: v if isinstance(v, int) else round(v, 4) for k, v in vars(self).items()}

    def meets_goals(self) -> bool:
        return (
            self.roc_auc >= GOAL_AUC
            and self.spam_caught >= GOAL_CAUGHT
            and self.real_flagged <= GOAL_FLAGGED
        )


def word_list_rule(texts: pd.Series) -> np.ndarray:
    """The creator features' generic-comment rule as a score: 1 for a generic comment."""
    normal = texts.str.lower().str.replace(r"[^\w\s]|_", "", regex=True).str.split().str.join(" ")
    short = normal.str.split().str.len().fillna(0) <= GENERIC_MAX_WORDS
    return (short | normal.isin(GENERIC_COMMENTS)).to_numpy(dtype=np.float64)


def plain_tfidf() -> Any:
    """The plain baseline: tf-idf of words into a logistic regression."""
    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2000))


ModelFit = Callable[[pd.DataFrame], Callable[[pd.DataFrame], np.ndarray]]


def model_fit(names: Sequence[str] = SIGNALS, authors: bool = True, **options: float) -> ModelFit:
    """The comment model as a scorer: fit on a frame, score another (with its authors and posts
    when ``authors``; texts only otherwise); ``options`` go to ``CommentModel.fit``."""

    def fit(train: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
        extra = _authors_and_groups(train) if authors else {}
        model = CommentModel.fit(
            train["text"].tolist(), train["spam"].to_numpy(bool), names=names, **extra, **options
        )
        return lambda test: model.p_spam(
            test["text"].tolist(), **(_authors_and_groups(test) if authors else {})
        )

    return fit


def model_as_it_was() -> ModelFit:
    """The comment model before the signals: seven counts, z-scored, texts only."""
    return model_fit(LEGACY_SIGNALS, authors=False, signal_weight=1.0, scale_floor=0.0)


def plain_fit(train: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
    model = plain_tfidf().fit(train["text"].tolist(), train["spam"].to_numpy(bool))
    return lambda test: model.predict_proba(test["text"].tolist())[:, 1]


def rule_fit(train: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda test: word_list_rule(test["text"])


def author_values(frame: pd.DataFrame) -> np.ndarray:
    """The author signals as :func:`labelled_comments` worked them out over every comment."""
    return frame[list(AUTHOR_SIGNALS)].to_numpy(np.float64)


def _authors_and_groups(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {"author_values": author_values(frame)}


@dataclass
class SourceEvaluation:
    """Held-out scores per scorer (row-aligned with ``labelled``) and the figures from them."""

    labelled: pd.DataFrame
    scores: dict[str, np.ndarray]

    def per_source(self, scorer: str) -> dict[str, Figures]:
        return self._figures(scorer, "source")

    def per_group(self, scorer: str) -> dict[str, Figures]:
        return self._figures(scorer, "account")

    def _figures(self, scorer: str, by: str) -> dict[str, Figures]:
        spam, scores = self.labelled["spam"].to_numpy(bool), self.scores[scorer]
        keys = self.labelled[by].to_numpy()
        return {k: Figures.of(spam[keys == k], scores[keys == k]) for k in sorted(set(keys))}


def labelled_comments(comments: pd.DataFrame) -> pd.DataFrame:
    """The comments with a label (``unknown`` left out), with their author signals worked out
    first over every comment, labelled or not, of every group: who posted the same text under
    several posts or videos is seen across the whole batch, as when a creator's comments are
    scored together (no label is used)."""
    values = author_signals(
        comments["text"].tolist(), comments["author"].tolist(), comments["post"].tolist()
    )
    comments = comments.assign(**{name: values[:, k] for k, name in enumerate(AUTHOR_SIGNALS)})
    return comments[comments["spam"].notna()].reset_index(drop=True)


def held_out_by_group(
    labelled: pd.DataFrame,
    scorers: dict[str, ModelFit] | None = None,
    log: Log = print,
    n_folds: int | None = None,
) -> SourceEvaluation:
    """Each group (``account``: a ScamSpot account or a YouTube video) held out in turn, every
    scorer fit on all the other groups of every source; or ``n_folds`` sets of whole groups
    (quicker)."""
    scorers = scorers or {
        "model": model_fit(),
        "plain_tfidf": plain_fit,
        "word_list_rule": rule_fit,
    }
    scores = {name: np.zeros(len(labelled)) for name in scorers}
    splitter = LeaveOneGroupOut() if n_folds is None else GroupKFold(n_splits=n_folds)
    folds = list(splitter.split(labelled, groups=labelled["account"]))
    with stage(f"held out by group ({len(folds)} groups, {len(scorers)} scorers)", log) as step:
        for train, test in folds:
            for name, fit in scorers.items():
                scores[name][test] = fit(labelled.iloc[train])(labelled.iloc[test])
            step(1)
    return SourceEvaluation(labelled, scores)


def trained_on(
    labelled: pd.DataFrame, train_source: str, fit: ModelFit, test_source: str | None = None
) -> SourceEvaluation:
    """One scorer fit on the comments of ``train_source`` only, read on the other source (or
    ``test_source``): the source held out whole."""
    train = labelled[labelled["source"] == train_source]
    test_rows = (
        labelled["source"] != train_source
        if test_source is None
        else labelled["source"] == test_source
    )
    test = labelled[test_rows].reset_index(drop=True)
    return SourceEvaluation(test, {"model": fit(train)(test)})


def format_table(rows: list[tuple[str, str, str, Figures]]) -> str:
    """A Markdown table: what was trained, what is held out, the scorer, its figures."""
    head = (
        "| trained on | held out | scorer | n (spam) | ROC-AUC | spam caught at 0.5 "
        "| real flagged at 0.5 | goals |\n|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for trained, held, scorer, f in rows:
        lines.append(
            f"| {trained} | {held} | {scorer} | {f.n} ({f.n_spam}) | {_pct(f.roc_auc, 3)} "
            f"| {_pct(f.spam_caught)} | {_pct(f.real_flagged)} | "
            f"{'met' if f.meets_goals() else '-'} |"
        )
    return "\n".join(lines)


def _pct(value: float, digits: int | None = None) -> str:
    if value != value:
        return "n/a"
    return f"{value:.{digits}f}" if digits else f"{value:.1%}"


__all__ = [
    "Figures",
    "Log",
    "SourceEvaluation",
    "author_values",
    "format_table",
    "held_out_by_group",
    "labelled_comments",
    "model_as_it_was",
    "model_fit",
    "plain_fit",
    "plain_tfidf",
    "rule_fit",
    "trained_on",
    "word_list_rule",
]
