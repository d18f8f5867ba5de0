"""Identifiers: one global numeric space, scrambled so that ids carry no class or pool information.

Audience pools, niche pools, pods, bot farms and follower farms are contiguous blocks of raw
integers; ``scramble`` maps them bijectively onto [0, 2^40), so every id looks like any other
(decimal, like Instagram's numeric ids) and uniqueness is preserved.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_BITS = 40
_MASK = np.uint64((1 << _BITS) - 1)
_MUL1 = np.uint64(0x9E3779B97F4A7C15 & ((1 << _BITS) - 1) | 1)
_MUL2 = np.uint64(0xBF58476D1CE4E5B9 & ((1 << _BITS) - 1) | 1)


def scramble(raw: np.ndarray, salt: int) -> np.ndarray:
    """Bijective mix of ``raw`` (< 2^40) into [0, 2^40); different salts give unrelated orders."""
    x = (np.asarray(raw, dtype=np.uint64) + np.uint64(salt)) & _MASK
    with np.errstate(over="ignore"):
        x = (x * _MUL1) & _MASK
        x ^= x >> np.uint64(19)
        x = (x * _MUL2) & _MASK
        x ^= x >> np.uint64(23)
    return x


def id_strings(raw: np.ndarray, salt: int) -> pa.Array:
    """Decimal string ids of scrambled raw integers (pyarrow, vectorised)."""
    return pc.cast(pa.array(scramble(raw, salt)), pa.string())


class IdSpace:
    """Hands out disjoint blocks of raw actor ids."""

    def __init__(self) -> None:
        self.size = 0

    def block(self, n: int) -> int:
        start = self.size
        self.size += int(n)
        if self.size >= 1 << _BITS:
            raise OverflowError("actor id space exhausted")
        return start

    def blocks(self, sizes: np.ndarray) -> np.ndarray:
        sizes = np.asarray(sizes, dtype=np.int64)
        starts = self.size + np.cumsum(sizes) - sizes
        self.block(int(sizes.sum()))
        return starts
