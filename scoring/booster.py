"""What both model kinds share: a LightGBM booster kept as text in the bundle, built on first use,
its trees compiled for the kernels that predict and explain, and the registered version the
model was loaded as."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import lightgbm as lgb
import numpy as np

from scoring.compiled_trees import CompiledTrees

UNREGISTERED = "unregistered"  # the version of a model that was never registered
# Below this many rows per thread, starting threads costs more than the walk they share.
MIN_ROWS_PER_THREAD = 2_048
Walk = tuple[np.ndarray, np.ndarray, np.ndarray | None]  # raw scores, leaves, contributions


class BoosterModel:
    """Mixin for dataclasses with ``booster_text``, ``metadata`` and ``_booster`` and ``_trees``
    cache fields."""

    booster_text: str
    metadata: dict[str, Any]
    _booster: lgb.Booster | None
    _trees: CompiledTrees | None

    @property
    def version(self) -> str:
        """The registered version this model was loaded as, or ``unregistered``."""
        return str(self.metadata.get("model_version", UNREGISTERED))

    @property
    def booster(self) -> lgb.Booster:
        if self._booster is None:
            self._booster = lgb.Booster(model_str=self.booster_text)
        return self._booster

    @property
    def trees(self) -> CompiledTrees:
        """The booster's trees as the compiled kernels walk them (built on first use)."""
        if self._trees is None:
            self._trees = CompiledTrees.of(self.booster)
        return self._trees

    def walk(self, x: np.ndarray, threads: int = 1, with_contributions: bool = False) -> Walk:
        """Raw scores (rows, classes), leaves (rows, trees) and, if asked, TreeSHAP contributions
        (rows, classes, features + 1) of the rows of ``x``: one compiled pass, the same for a
        request and a batch. ``threads`` (0: every core) share the rows of a large batch."""
        workers = (os.cpu_count() or 1) if threads <= 0 else threads
        workers = min(workers, len(x) // MIN_ROWS_PER_THREAD)
        if workers <= 1:
            return self.trees.predict_all(x, with_contributions)
        trees = self.trees
        chunks = np.array_split(np.ascontiguousarray(x, dtype=np.float64), workers)
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(lambda c: trees.predict_all(c, with_contributions), chunks))
        raw, leaves, contrib = zip(*parts, strict=True)
        joined = np.concatenate(contrib) if with_contributions else None
        return np.concatenate(raw), np.concatenate(leaves), joined
