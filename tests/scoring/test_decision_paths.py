"""The features along a creator's decision paths, as LightGBM's own trees route the creator."""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np

from scoring.decision_paths import DecisionPaths


def _booster() -> tuple[lgb.Booster, np.ndarray]:
    """A few small trees on x0 and x1 (x2 is constant, so never split on)."""
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=400), rng.normal(size=400), np.ones(400)])
    y = ((x[:, 0] > 0) ^ (x[:, 1] > 0.5)).astype(int)
    params = {"objective": "binary", "num_leaves": 4, "verbose": -1, "min_data_in_leaf": 5}
    return lgb.train(params, lgb.Dataset(x, y), num_boost_round=6), x


def _walk(node: dict[str, Any], row: np.ndarray) -> set[int]:
    """The features split on from the root to the row's leaf, walking the dumped tree."""
    seen: set[int] = set()
    while "split_feature" in node:
        seen.add(node["split_feature"])
        left = row[node["split_feature"]] <= node["threshold"]
        node = node["left_child"] if left else node["right_child"]
    return seen


def test_shared_paths_count_the_trees_that_split_on_both_along_the_rows_way() -> None:
    booster, x = _booster()
    paths = DecisionPaths.of(booster)
    trees = [t["tree_structure"] for t in booster.dump_model()["tree_info"]]
    leaves = np.asarray(booster.predict(x[:20], pred_leaf=True), dtype=np.int64)
    for row, row_leaves in zip(x[:20], leaves, strict=True):
        walked = [_walk(tree, row) for tree in trees]
        for feature in (0, 1):
            expected = [sum(feature in w and other in w for w in walked) for other in range(3)]
            assert paths.shared(row_leaves, feature).tolist() == expected
    assert paths.shared(leaves[0], 0)[2] == 0  # the constant feature is on no path
