"""The comment model's n-gram vectors (each n-gram present in a text, times its weight), computed
from the n-grams scikit-learn's ``CountVectorizer`` would find, but fast enough for the request
path.

scikit-learn builds every character n-gram of every comment in Python, once per vectorizer, and
that was three quarters of the comment model's cost (286 ms per 1,000 comments). Character
n-grams within words (``char_wb``) depend on the word alone, so here each distinct word's
vocabulary indices are computed once and kept (words repeat: 15,669 words of 1,000 real comments
are 4,331 distinct ones, and a serving process sees the same words request after request); a
comment's n-grams are then the union of its words'. Word n-grams are looked up directly. The
result equals ``CountVectorizer(binary=True).transform`` times the weights
(``tests/scoring/test_comment_vectors.py`` checks it on the real comments), and ``fit`` still uses
scikit-learn to choose the vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numba
import numpy as np
from scipy import sparse

WORD_CACHE_LIMIT = 200_000  # distinct words kept per encoder (~100 MB at most); then start over


def char_wb_ngrams(word: str, low: int, high: int) -> list[str]:
    """scikit-learn's ``char_wb`` n-grams of one word: padded with a space each side; a word
    shorter than n gives itself once."""
    padded = f" {word} "
    grams = []
    for n in range(low, high + 1):
        grams.extend(padded[i : i + n] for i in range(max(len(padded) - n + 1, 1)))
        if len(padded) <= n:
            break
    return grams


class NgramEncoder:
    """Sparse rows for already normalised texts: each vocabulary n-gram present, its weight."""

    def __init__(
        self,
        vocabulary: Mapping[str, int],
        weights: Sequence[float],
        analyzer: str,
        ngram_range: tuple[int, int],
        token_pattern: str | None = None,
    ) -> None:
        if analyzer not in ("char_wb", "word"):
            raise ValueError(f"no fast encoder for analyzer {analyzer!r}")
        self.vocabulary = dict(vocabulary)
        self.weights = np.asarray(weights, dtype=np.float64)
        self.analyzer = analyzer
        self.low, self.high = ngram_range
        self._tokens = None if token_pattern is None else re.compile(token_pattern)
        self._word_columns: dict[str, np.ndarray] = {}

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Each text's row: the weight of every vocabulary n-gram it has."""
        columns, offsets = self.ngram_columns(texts)
        found = sparse.csr_matrix(
            (np.ones(len(columns)), columns, offsets), shape=(len(texts), len(self.weights))
        )
        found.sum_duplicates()
        found.data = self.weights[found.indices]  # present once or more: the n-gram's weight
        return found

    def margins(self, texts: Sequence[str], coef: np.ndarray) -> np.ndarray:
        """``transform(texts) @ coef`` without the sparse matrix: per text, the sum of
        ``weight × coef`` over the distinct n-grams it has (scipy's fixed costs were most of
        the comment model's time on a request's few hundred comments)."""
        columns, offsets = self.ngram_columns(texts)
        return distinct_sums(columns, offsets, self.weights * np.asarray(coef, dtype=np.float64))

    def ngram_columns(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Every vocabulary n-gram occurrence's column, text after text (a text's repeated
        n-grams repeat), and where each text's start: ``columns[offsets[i]:offsets[i + 1]]``."""
        if self.analyzer == "char_wb":
            return self._char_columns(texts)
        return self._word_gram_columns(texts)

    def _char_columns(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """A text's n-grams are its words' (each distinct word's listed once, then cached)."""
        arrays: list[np.ndarray] = []
        sizes = [0]
        for text in texts:
            words = [self._columns_of_word(w) for w in text.split()]
            arrays.extend(words)
            sizes.append(sum(map(len, words)))
        columns = np.concatenate(arrays) if arrays else np.empty(0, dtype=np.int64)
        return columns, np.cumsum(sizes, dtype=np.int64)

    def _columns_of_word(self, word: str) -> np.ndarray:
        found = self._word_columns.get(word)
        if found is None:
            if len(self._word_columns) >= WORD_CACHE_LIMIT:
                self._word_columns.clear()
            vocabulary = self.vocabulary
            grams = char_wb_ngrams(word, self.low, self.high)
            found = np.array([vocabulary[g] for g in grams if g in vocabulary], dtype=np.int64)
            self._word_columns[word] = found
        return found

    def _word_gram_columns(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        assert self._tokens is not None
        get, columns, offsets = self.vocabulary.get, [], [0]
        for text in texts:
            tokens = self._tokens.findall(text)
            for n in range(self.low, self.high + 1):
                grams = tokens if n == 1 else map(" ".join, _windows(tokens, n))
                columns.extend(c for c in map(get, grams) if c is not None)
            offsets.append(len(columns))
        return np.asarray(columns, dtype=np.int64), np.asarray(offsets, dtype=np.int64)


@numba.njit(cache=True, nogil=True)
def distinct_sums(columns: np.ndarray, offsets: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per text, the sum of ``values`` over the distinct columns among its own."""
    n_texts = offsets.shape[0] - 1
    out = np.zeros(n_texts)
    last_text = np.full(values.shape[0], -1, dtype=np.int64)  # the last text each column was in
    for t in range(n_texts):
        for k in range(offsets[t], offsets[t + 1]):
            column = columns[k]
            if last_text[column] != t:
                last_text[column] = t
                out[t] += values[column]
    return out


def _windows(tokens: list[str], n: int) -> zip:
    """Runs of ``n`` consecutive tokens (zip stops at the shortest shifted copy)."""
    return zip(*(tokens[k:] for k in range(n)), strict=False)


def warm_up() -> None:
    """Compile (or load from the cache) the kernel on one text of one n-gram."""
    distinct_sums(np.zeros(1, dtype=np.int64), np.array([0, 1], dtype=np.int64), np.ones(1))
