"""The fast n-gram encoder finds scikit-learn's n-grams exactly, and caches words safely."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from scoring import comment_vectors
from scoring.comment_model import VECTORIZERS, normalise
from scoring.comment_vectors import NgramEncoder, char_wb_ngrams
from tests.shared_data import SHARED, needs_comments
from training.comments import load_comments

EDGE_TEXTS = [
    "",
    "   ",
    "a",
    "ab",
    "abcd abcd abcd",
    "Nice pic!! 🔥🔥",
    "DM @crypto_king for $5,000 profit\tnow\n\nreally",
    "ÉTÉ façon naïve",
    "x " * 40,
]
TRAIN_TEXTS = [
    "nice pic love it",
    "dm @someone for profit now",
    "great shot 🔥",
    "message me on whatsapp to invest",
    "love this so much",
    "abcd efgh",
]


def _both(texts_to_fit: list[str], name: str) -> tuple[CountVectorizer, NgramEncoder]:
    params = VECTORIZERS[name]
    fitted = CountVectorizer(preprocessor=normalise, binary=True, **params).fit(texts_to_fit)
    weights = np.random.default_rng(0).normal(size=len(fitted.vocabulary_))
    encoder = NgramEncoder(
        fitted.vocabulary_,
        weights,
        params["analyzer"],
        params["ngram_range"],
        params.get("token_pattern"),
    )
    return fitted, encoder


def _same_vectors(fitted: CountVectorizer, encoder: NgramEncoder, texts: list[str]) -> None:
    want = (fitted.transform(texts) @ sparse.diags(encoder.weights)).toarray()
    normalised = [normalise(t) for t in texts]
    got = encoder.transform(normalised).toarray()
    np.testing.assert_allclose(got, want, atol=1e-12)
    coef = np.random.default_rng(1).normal(size=len(encoder.weights))
    np.testing.assert_allclose(encoder.margins(normalised, coef), want @ coef, atol=1e-9)


@pytest.mark.parametrize("name", list(VECTORIZERS))
def test_vectors_equal_scikit_learns_on_edge_cases(name: str) -> None:
    fitted, encoder = _both(TRAIN_TEXTS + EDGE_TEXTS, name)
    _same_vectors(fitted, encoder, EDGE_TEXTS + TRAIN_TEXTS)
    _same_vectors(fitted, encoder, EDGE_TEXTS)  # again, now from the word cache


@pytest.mark.parametrize("word", ["a", "ab", "abc", "abcd", "abcdefgh"])
def test_char_ngrams_are_scikit_learns(word: str) -> None:
    analyzer = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    assert char_wb_ngrams(word, 2, 5) == analyzer(word)


@pytest.mark.parametrize("name", list(VECTORIZERS))
@needs_comments[0]
@needs_comments[1]
def test_vectors_equal_scikit_learns_on_the_real_comments(name: str) -> None:
    texts = load_comments(SHARED)["text"].tolist()
    fitted, encoder = _both(texts[::2], name)
    _same_vectors(fitted, encoder, texts[1::2])


def test_a_full_word_cache_starts_over_and_stays_right(monkeypatch) -> None:
    monkeypatch.setattr(comment_vectors, "WORD_CACHE_LIMIT", 3)
    fitted, encoder = _both(TRAIN_TEXTS, "chars")
    _same_vectors(fitted, encoder, TRAIN_TEXTS + EDGE_TEXTS)
    assert len(encoder._word_columns) <= 3


def test_only_known_analyzers_get_an_encoder() -> None:
    with pytest.raises(ValueError, match="no fast encoder for analyzer 'char'"):
        NgramEncoder({}, [], "char", (2, 5))
