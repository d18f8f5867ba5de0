"""The comment model: is this comment conversation, or spam (stock praise, promotions, "get in
touch", crypto offers)? Learned from real labelled Instagram comments (``training.comments``).

Text → p_spam with character n-grams (2-5, within words) and word n-grams (1-2), each present
n-gram weighted by its naive-Bayes log-count ratio (NB-LR, Wang & Manning 2012), into a logistic
regression; beside them, signals of a promotion's form that do not depend on a language or a
niche (``scoring.comment_signals``: length, links, @handles, phone numbers, calls to action,
capitals, emoji only, repeats, and near-duplicate text by the same author when authors are
given) that generalise across accounts and platforms where a scammer's handle or a niche's
vocabulary does not. Handles and digits are normalised
first, so "@berto_delvanicci__1 made me $8,500" reads as "@handle made me $0,000". Held out by
account, NB weighting beat tf-idf (mean per-account ROC-AUC 0.964 against 0.949; see
docs/models/comment.md).

``fit(texts, spam)`` and ``p_spam(texts)`` need texts only; ``authors`` and ``groups`` (the post
or video each comment is under) are optional, and without them the author signals are missing
and add nothing to the score.

The bundle holds plain data only (vocabularies, n-gram weights, signal names, coefficients), like
the other bundles: JSON, nothing pickled. A ``/2`` bundle (seven counts, no signal names) still
loads and scores as it did.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from creator_audit.bundle import BundleError, payload_read_as, read_bundle, write_bundle
from scoring.comment_signals import (
    AUTHOR_SIGNALS,
    LEGACY_SIGNALS,
    SIGNALS,
    TEXT_SIGNALS,
    author_signals,
    text_signals,
)
from scoring.comment_vectors import NgramEncoder

BUNDLE_KIND = "comment-authenticity"
BUNDLE_FORMAT = "comment-authenticity/3"  # /3: named signals; /1 (tf-idf) was never released
READABLE_FORMATS = (BUNDLE_FORMAT, "comment-authenticity/2")  # /2: the seven legacy counts
DEFAULT_THRESHOLD = 0.5

_HANDLE = re.compile(r"@[\w.]+")
_DIGIT = re.compile(r"\d")
_HASHTAG = re.compile(r"#[\w.]+")
WORD_TOKENS = r"[@#$£€]?\w+|[^\w\s]"
VECTORIZERS = {
    "chars": {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2},
    "words": {"analyzer": "word", "ngram_range": (1, 2), "min_df": 1, "token_pattern": WORD_TOKENS},
}
C = 0.1  # inverse regularisation: chosen by grouped cross-validation (training.comments)
# A signal's scale is its spread in training, but at least SCALE_FLOOR: a signal rare in the
# training comments (handles in YouTube's: sd 0.04) would otherwise be scaled 25-fold, and one
# @reply read as strong spam evidence where replies are common (34% of ScamSpot's real comments
# flagged by a model trained on YouTube's; 15% with the floor).
SCALE_FLOOR = 0.5
# The signals' weight against the n-grams' (less penalised when larger): the form of a comment
# carries across niches and sources where n-grams do not. Chosen with each source held out whole
# (training.comment_sources), not on the held-out groups.
SIGNAL_WEIGHT = 3.0
NB_ALPHA = 1.0  # smoothing of the log-count ratios


def normalise(text: str) -> str:
    """Lowercase NFKC; handles, hashtags and digits made generic (they name, not mean)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _HANDLE.sub(" @handle ", text)
    text = _HASHTAG.sub(" #tag ", text)
    return _DIGIT.sub("0", text)


def signals(
    texts: Sequence[str],
    normalised: Sequence[str] | None = None,
    names: Sequence[str] = SIGNALS,
    authors: Sequence[str | None] | None = None,
    groups: Sequence[str | None] | None = None,
    author_values: np.ndarray | None = None,
) -> np.ndarray:
    """Per text, the named signals (``scoring.comment_signals``) in order; the author signals
    are NaN without ``authors`` (or ``author_values``: them worked out already, over a larger
    batch these texts are part of). Handles and digits are counted in the normalised text
    (``normalise``), where each is one fixed string."""
    normalised = [normalise(t) for t in texts] if normalised is None else normalised
    columns = [SIGNALS.index(name) for name in names]
    found = text_signals(texts, normalised)
    if any(name in AUTHOR_SIGNALS for name in names):
        if author_values is None:
            author_values = author_signals(texts, authors, groups)
        found = np.hstack([found, np.asarray(author_values, dtype=np.float64)])
    return found[:, columns] if len(found) else np.empty((0, len(columns)))


def counts(texts: Sequence[str], normalised: Sequence[str] | None = None) -> np.ndarray:
    """The seven counts of the ``/2`` model (``LEGACY_SIGNALS``)."""
    return signals(texts, normalised, LEGACY_SIGNALS)


def standardise(raw: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Signals centred and scaled; a missing one (NaN) is 0, so it adds nothing to the score."""
    return np.nan_to_num((raw - mean) / scale, nan=0.0)


def nb_log_count_ratio(presence: sparse.csr_matrix, spam: np.ndarray) -> np.ndarray:
    """Per column: log of its smoothed share among spam texts over its share among real ones."""
    in_spam = NB_ALPHA + np.asarray(presence[spam].sum(axis=0)).ravel()
    in_real = NB_ALPHA + np.asarray(presence[~spam].sum(axis=0)).ravel()
    return np.log((in_spam / in_spam.sum()) / (in_real / in_real.sum()))


@dataclass
class CommentModel:
    """Fitted vectorizers, count scaling and logistic regression; ``p_spam(texts)``."""

    vocabularies: dict[str, dict[str, int]]
    ngram_weights: dict[str, list[float]]  # per vocabulary entry: its NB log-count ratio
    count_mean: list[float]  # per signal (``signals``): its mean and scale in training
    count_scale: list[float]
    coef: list[float]
    intercept: float
    threshold: float = DEFAULT_THRESHOLD
    metadata: dict[str, Any] = field(default_factory=dict)
    signals: list[str] = field(default_factory=lambda: list(LEGACY_SIGNALS))
    _scorer: _LinearScorer | None = field(default=None, repr=False, compare=False)

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        spam: np.ndarray,
        c: float = C,
        authors: Sequence[str | None] | None = None,
        groups: Sequence[str | None] | None = None,
        names: Sequence[str] = SIGNALS,
        author_values: np.ndarray | None = None,
        signal_weight: float = SIGNAL_WEIGHT,
        scale_floor: float = SCALE_FLOOR,
    ) -> CommentModel:
        """Fit on ``texts`` and their ``spam`` labels; ``authors`` and ``groups`` (optional)
        feed the author signals (or ``author_values``, see :func:`signals`), ``names`` chooses
        the signals; ``signal_weight`` and ``scale_floor`` how they are scaled (the /2 model:
        ``LEGACY_SIGNALS``, weight 1, floor 0)."""
        spam = np.asarray(spam, dtype=bool)
        texts = list(texts)
        vectorizers = {
            name: CountVectorizer(preprocessor=normalise, binary=True, **params)
            for name, params in VECTORIZERS.items()
        }
        presence = {name: v.fit_transform(texts).tocsr() for name, v in vectorizers.items()}
        ratios = {name: nb_log_count_ratio(x, spam) for name, x in presence.items()}
        raw = signals(texts, None, names, authors, groups, author_values)
        known = ~np.isnan(raw)
        mean = np.array([raw[k, j].mean() if k.any() else 0.0 for j, k in enumerate(known.T)])
        scale = np.array([raw[k, j].std() if k.any() else 1.0 for j, k in enumerate(known.T)])
        scale[~(scale > 0)] = 1.0
        scale = np.maximum(scale, scale_floor) / signal_weight  # stored so: scoring needs no weight
        weighted = [presence[name] @ sparse.diags(ratios[name]) for name in VECTORIZERS]
        x = sparse.hstack([*weighted, sparse.csr_matrix(standardise(raw, mean, scale))]).tocsr()
        lr = LogisticRegression(C=c, max_iter=4000, class_weight="balanced")
        lr.fit(x, spam)
        return cls(
            vocabularies={
                k: {t: int(i) for t, i in v.vocabulary_.items()} for k, v in vectorizers.items()
            },
            ngram_weights={k: r.tolist() for k, r in ratios.items()},
            count_mean=mean.tolist(),
            count_scale=scale.tolist(),
            coef=lr.coef_[0].tolist(),
            intercept=float(lr.intercept_[0]),
            signals=list(names),
        )

    def p_spam(
        self,
        texts: Sequence[str],
        authors: Sequence[str | None] | None = None,
        groups: Sequence[str | None] | None = None,
        author_values: np.ndarray | None = None,
    ) -> np.ndarray:
        """Probability that each text is spam, in order. ``authors`` (and ``groups``, the post
        or video of each) let the author signals count near-duplicates among these texts (or
        ``author_values``, see :func:`signals`); without them those signals are missing and
        add nothing."""
        texts = list(texts)
        if not texts:
            return np.empty(0)
        return self._linear().p_spam(texts, authors, groups, author_values)

    def _linear(self) -> _LinearScorer:
        """The weights as arrays and the n-gram encoders, built once from the bundle's lists;
        the encoders keep their per-word caches for the life of the model."""
        if self._scorer is None:
            self._scorer = _LinearScorer(self)
        return self._scorer

    def to_payload(self) -> dict[str, Any]:
        return {
            "format": BUNDLE_FORMAT,
            "vocabularies": self.vocabularies,
            "ngram_weights": self.ngram_weights,
            "count_mean": self.count_mean,
            "count_scale": self.count_scale,
            "coef": self.coef,
            "intercept": self.intercept,
            "threshold": self.threshold,
            "metadata": dict(self.metadata),
            "signals": list(self.signals),
        }

    @classmethod
    def from_payload(cls, payload: Any, where: str) -> CommentModel:
        if not isinstance(payload, dict) or payload.get("format") not in READABLE_FORMATS:
            raise BundleError(f"{where} is not a comment-authenticity model ({BUNDLE_FORMAT})")
        fields = {k: v for k, v in payload.items() if k != "format"}
        unknown = set(fields.get("signals", ())) - set(SIGNALS)
        if unknown:
            raise BundleError(f"{where} uses signals this version does not know: {sorted(unknown)}")
        return cls(**fields)

    def save(self, path: str | os.PathLike[str]) -> Path:
        return write_bundle(path, self.to_payload(), BUNDLE_KIND)

    @classmethod
    def load(cls, path: str | os.PathLike[str], name: str | None = None) -> CommentModel:
        """The bundle at ``path``; ``name`` is what errors call it (its path by default)."""
        where = name or str(path)
        payload = read_bundle(path, BUNDLE_KIND, where)
        with payload_read_as(where):
            return cls.from_payload(payload, where)

    @property
    def version(self) -> str:
        return str(self.metadata.get("model_version", "unregistered"))


class _LinearScorer:
    """p_spam as the logistic regression computes it, part by part: each part's sparse rows times
    its slice of the weights, with no stacked matrix in between (small calls are all overhead)."""

    def __init__(self, model: CommentModel) -> None:
        coef = np.asarray(model.coef, dtype=np.float64)
        self.parts: list[tuple[NgramEncoder, np.ndarray]] = []
        start = 0
        for name, params in VECTORIZERS.items():
            encoder = NgramEncoder(
                model.vocabularies[name],
                model.ngram_weights[name],
                params["analyzer"],
                params["ngram_range"],
                params.get("token_pattern"),
            )
            self.parts.append((encoder, coef[start : start + len(encoder.weights)]))
            start += len(encoder.weights)
        self.signals = list(model.signals)
        self.text_columns = [TEXT_SIGNALS.index(n) for n in self.signals if n in TEXT_SIGNALS]
        self.is_text = np.asarray([n in TEXT_SIGNALS for n in self.signals], dtype=bool)
        self.count_mean = np.asarray(model.count_mean)
        self.count_scale = np.asarray(model.count_scale)
        self.count_coef = coef[start:]
        self.intercept = model.intercept

    def p_spam(
        self,
        texts: list[str],
        authors: Sequence[str | None] | None = None,
        groups: Sequence[str | None] | None = None,
        author_values: np.ndarray | None = None,
    ) -> np.ndarray:
        normalised = [normalise(t) for t in texts]
        if authors is None and author_values is None:
            # texts only (the API's case): the author signals are missing and add nothing, so
            # only the text signals are computed
            keep = self.is_text
            raw = text_signals(texts, normalised)[:, self.text_columns]
            z = standardise(raw, self.count_mean[keep], self.count_scale[keep])
            margin = z @ self.count_coef[keep] + self.intercept
        else:
            raw = signals(texts, normalised, self.signals, authors, groups, author_values)
            z = standardise(raw, self.count_mean, self.count_scale)
            margin = z @ self.count_coef + self.intercept
        for encoder, coef in self.parts:
            margin += encoder.margins(normalised, coef)
        return 1.0 / (1.0 + np.exp(-margin))
