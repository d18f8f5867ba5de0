"""What the model reads a feature together with, for one creator: the features split on along
the same decision paths (one root-to-leaf path per tree).

A value typical of genuine creators can still push a score towards fraud: the trees that split on
it also split on other features, and the push comes from the combination. The reasons name the
feature that shares those paths and pushes the same way (``scoring.scores``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np


@dataclass(frozen=True)
class DecisionPaths:
    """``on_path[first_leaf[t] + leaf, j]``: feature ``j`` is split on along tree ``t``'s path
    from its root to ``leaf``."""

    on_path: np.ndarray  # (leaves of all trees, features), bool
    first_leaf: np.ndarray  # per tree, its leaf 0's row in on_path

    @classmethod
    def of(cls, booster: lgb.Booster) -> DecisionPaths:
        trees = booster.dump_model()["tree_info"]
        n_features = booster.num_feature()
        first_leaf = np.cumsum([0] + [tree["num_leaves"] for tree in trees[:-1]])
        on_path = np.zeros((sum(t["num_leaves"] for t in trees), n_features), dtype=bool)
        for tree, first in zip(trees, first_leaf, strict=True):
            for leaf, features in _leaf_paths(tree["tree_structure"]):
                on_path[first + leaf, features] = True
        return cls(on_path, first_leaf)

    def shared(self, leaves: np.ndarray, feature: int) -> np.ndarray:
        """Per feature, on how many of a row's paths (``leaves``: its leaf in each tree, as
        LightGBM's ``pred_leaf`` gives them) it is split on together with ``feature``."""
        paths = self.on_path[self.first_leaf + leaves]
        return paths[paths[:, feature]].sum(axis=0)


def _leaf_paths(root: dict[str, Any]) -> list[tuple[int, list[int]]]:
    """(leaf index, the features split on from the root to it) for every leaf of a tree."""
    out, stack = [], [(root, [])]
    while stack:
        node, above = stack.pop()
        if "leaf_index" in node or "split_feature" not in node:
            out.append((node.get("leaf_index", 0), above))  # a stump is one leaf, index 0
            continue
        below = [*above, node["split_feature"]]
        stack += [(node["left_child"], below), (node["right_child"], below)]
    return out
