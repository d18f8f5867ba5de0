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
        found = self._char_counts(texts) if self.analyzer == "char_wb" else self._word_counts(texts)
        found.data = self.weights[found.indices]  # present once or more: the n-gram's weight
        return found

    def _char_counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """(texts × words) @ (words × n-grams): each distinct word's n-grams are listed once,
        and the sparse product sums them per text in C."""
        word_ids: dict[str, int] = {}
        occurrences: list[int] = []
        indptr = [0]
        for text in texts:
            occurrences.extend(word_ids.setdefault(w, len(word_ids)) for w in text.split())
            indptr.append(len(occurrences))
        per_text = sparse.csr_matrix(
            (np.ones(len(occurrences)), occurrences, indptr), shape=(len(texts), len(word_ids))
        )
        grams = [self._columns_of_word(word) for word in word_ids]
        starts = np.cumsum([0, *map(len, grams)])
        per_word = sparse.csr_matrix(
            (
                np.ones(starts[-1]),
                np.concatenate(grams) if grams else np.empty(0, dtype=np.int64),
                starts,
            ),
            shape=(len(word_ids), len(self.weights)),
        )
        return (per_text @ per_word).tocsr()

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

    def _word_counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        assert self._tokens is not None
        get, columns, indptr = self.vocabulary.get, [], [0]
        for text in texts:
            tokens = self._tokens.findall(text)
            for n in range(self.low, self.high + 1):
                grams = tokens if n == 1 else map(" ".join, _windows(tokens, n))
                columns.extend(c for c in map(get, grams) if c is not None)
            indptr.append(len(columns))
        counts = sparse.csr_matrix(
            (np.ones(len(columns)), np.asarray(columns, dtype=np.int64), indptr),
            shape=(len(texts), len(self.weights)),
        )
        counts.sum_duplicates()  # a repeated n-gram's ones become its count
        return counts


def _windows(tokens: list[str], n: int) -> zip:
    """Runs of ``n`` consecutive tokens (zip stops at the shortest shifted copy)."""
    return zip(*(tokens[k:] for k in range(n)), strict=False)
