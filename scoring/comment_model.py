"""The comment model: is this comment conversation, or spam (stock praise, promotions, "get in
touch", crypto offers)? Learned from real labelled Instagram comments (``training.comments``).

Text → p_spam with character n-grams (2-5, within words) and word n-grams (1-2), tf-idf weighted,
into a logistic regression; a few counts beside them (length, @handles, emoji, money and contact
words) that generalise across accounts where a scammer's handle does not. Handles and digits are
normalised first, so "@berto_delvanicci__1 made me $8,500" reads as "@handle made me $0,000".

The bundle holds plain data only (vocabularies, idf weights, coefficients), like the other
bundles: nothing but numbers and strings is unpickled, and the scikit-learn objects are rebuilt
from them on load.
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
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from creator_audit.bundle import BundleError, read_bundle, write_bundle

BUNDLE_KIND = "comment-authenticity"
BUNDLE_FORMAT = "comment-authenticity/1"
DEFAULT_THRESHOLD = 0.5

_HANDLE = re.compile(r"@[\w.]+")
_DIGIT = re.compile(r"\d")
_HASHTAG = re.compile(r"#[\w.]+")
_EMOJI = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_MONEY_OR_CONTACT = re.compile(
    r"[$£€]\s?\d|\d\s?(k|usd|btc|eth)\b|\bbtc\b|\bprofit|\binvest|\bdm\b|\binbox\b"
    r"|\bmessage me\b|\bget in touch\b|\bwhatsapp\b|\btelegram\b"
)
WORD_TOKENS = r"[@#$£€]?\w+|[^\w\s]"
VECTORIZERS = {
    "chars": {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2, "sublinear_tf": True},
    "words": {
        "analyzer": "word",
        "ngram_range": (1, 2),
        "min_df": 1,
        "sublinear_tf": True,
        "token_pattern": WORD_TOKENS,
    },
}
C = 4.0  # inverse regularisation: chosen by grouped cross-validation (training.comments)


def normalise(text: str) -> str:
    """Lowercase NFKC; handles, hashtags and digits made generic (they name, not mean)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _HANDLE.sub(" @handle ", text)
    text = _HASHTAG.sub(" #tag ", text)
    return _DIGIT.sub("0", text)


def counts(texts: Sequence[str]) -> np.ndarray:
    """Per text: log length, log words, @handles, emoji share, money/contact words, digit share,
    and whether a handle sits in a long comment (the promoter's pattern)."""
    rows = []
    for raw in texts:
        text = raw.lower()
        words = text.split()
        n = max(len(text), 1)
        handles = len(_HANDLE.findall(text))
        rows.append(
            [
                np.log1p(len(text)),
                np.log1p(len(words)),
                handles,
                len(_EMOJI.findall(text)) / n,
                len(_MONEY_OR_CONTACT.findall(text)),
                sum(c.isdigit() for c in text) / n,
                float(handles > 0 and len(words) > 8),
            ]
        )
    return np.asarray(rows, dtype=np.float64).reshape(len(texts), 7)


@dataclass
class CommentModel:
    """Fitted vectorizers, count scaling and logistic regression; ``p_spam(texts)``."""

    vocabularies: dict[str, dict[str, int]]
    idf: dict[str, list[float]]
    count_mean: list[float]
    count_scale: list[float]
    coef: list[float]
    intercept: float
    threshold: float = DEFAULT_THRESHOLD
    metadata: dict[str, Any] = field(default_factory=dict)
    _vectorizers: dict[str, TfidfVectorizer] | None = field(default=None, repr=False)

    @classmethod
    def fit(cls, texts: Sequence[str], spam: np.ndarray, c: float = C) -> CommentModel:
        vectorizers = {
            name: TfidfVectorizer(preprocessor=normalise, **params)
            for name, params in VECTORIZERS.items()
        }
        parts = [v.fit_transform(texts) for v in vectorizers.values()]
        raw = counts(texts)
        mean, scale = raw.mean(axis=0), raw.std(axis=0)
        scale[scale == 0] = 1.0
        x = sparse.hstack([*parts, sparse.csr_matrix((raw - mean) / scale)]).tocsr()
        lr = LogisticRegression(C=c, max_iter=4000, class_weight="balanced")
        lr.fit(x, np.asarray(spam, dtype=bool))
        return cls(
            vocabularies={
                k: {t: int(i) for t, i in v.vocabulary_.items()} for k, v in vectorizers.items()
            },
            idf={k: v.idf_.tolist() for k, v in vectorizers.items()},
            count_mean=mean.tolist(),
            count_scale=scale.tolist(),
            coef=lr.coef_[0].tolist(),
            intercept=float(lr.intercept_[0]),
            _vectorizers=vectorizers,
        )

    def p_spam(self, texts: Sequence[str]) -> np.ndarray:
        """Probability that each text is spam, in order."""
        texts = list(texts)
        if not texts:
            return np.empty(0)
        vectorizers = self._fitted_vectorizers()
        parts = [vectorizers[name].transform(texts) for name in VECTORIZERS]
        raw = (counts(texts) - np.asarray(self.count_mean)) / np.asarray(self.count_scale)
        x = sparse.hstack([*parts, sparse.csr_matrix(raw)]).tocsr()
        margin = x @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-margin))

    def _fitted_vectorizers(self) -> dict[str, TfidfVectorizer]:
        """The vectorizers rebuilt from the bundle's vocabularies and idf weights."""
        if self._vectorizers is None:
            built = {}
            for name, params in VECTORIZERS.items():
                vectorizer = TfidfVectorizer(preprocessor=normalise, **params)
                vectorizer.vocabulary_ = dict(self.vocabularies[name])
                vectorizer.idf_ = np.asarray(self.idf[name])
                built[name] = vectorizer
            self._vectorizers = built
        return self._vectorizers

    def to_payload(self) -> dict[str, Any]:
        return {
            "format": BUNDLE_FORMAT,
            "vocabularies": self.vocabularies,
            "idf": self.idf,
            "count_mean": self.count_mean,
            "count_scale": self.count_scale,
            "coef": self.coef,
            "intercept": self.intercept,
            "threshold": self.threshold,
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_payload(cls, payload: Any, where: str) -> CommentModel:
        if not isinstance(payload, dict) or payload.get("format") != BUNDLE_FORMAT:
            raise BundleError(f"{where} is not a comment-authenticity model ({BUNDLE_FORMAT})")
        fields = {k: v for k, v in payload.items() if k != "format"}
        return cls(**fields)

    def save(self, path: str | os.PathLike[str]) -> Path:
        return write_bundle(path, self.to_payload(), BUNDLE_KIND)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> CommentModel:
        return cls.from_payload(read_bundle(path, BUNDLE_KIND), str(path))

    @property
    def version(self) -> str:
        return str(self.metadata.get("model_version", "unregistered"))
