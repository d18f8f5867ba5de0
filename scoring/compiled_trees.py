"""A LightGBM model's own trees, flattened into arrays and walked by compiled (numba) kernels: raw
scores, leaf indices and exact TreeSHAP contributions in one pass over the rows.

``booster.predict(pred_contrib=True)`` costs about 70 predictions, and the reasons also needed
``raw_score`` and ``pred_leaf`` as separate calls. These kernels give all three from one walk:

- routing is ``Tree::NumericalDecision`` (include/LightGBM/tree.h) on the values LightGBM's
  dense-matrix reader passes it, and raw scores add the leaf values in LightGBM's order, so leaves
  and raw scores are LightGBM's exactly;
- contributions are ``Tree::TreeSHAP`` (src/io/tree.cpp: Lundberg's Algorithm 2, training row
  counts as cover) step for step, with two rearrangements of its arithmetic (precomputed ratios
  instead of divisions, one shared sum for the elements off the row's path) that agree with
  LightGBM's ``pred_contrib`` to about 1e-15, not bit for bit.

For one row a leaf's TreeSHAP shares depend only on which of its path's conditions the row meets
(one fractions are 0 or 1), so for trees of bounded depth they are tabled once per model
(``ShapTables``, the precomputed-path idea of Fast TreeSHAP v2 and GPUTreeShap), and summed
further over small subtrees: a row then costs, per tree, one decision per split and a table entry
per subtree of up to ``MAX_UNIT_SPLITS`` splits, instead of Algorithm 2's extend/unwind at every
leaf. Trees whose leaves have more than ``MAX_TABLE_PATH`` distinct path features, or past the
``MAX_TABLE_BYTES`` budget, keep Algorithm 2.

Categorical splits and linear trees are refused: the project trains neither.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import lightgbm as lgb
import numpy as np

from scoring.shap_tables import ShapTables
from scoring.tree_kernels import MISSING_TYPES, walk_explain, walk_predict

_TABLES_LOCK = threading.Lock()  # one build per model, however many threads ask at once


@dataclass(frozen=True, eq=False)
class CompiledTrees:
    """Every tree of a model as one node table (read-only arrays, one entry per node). Safe to
    share between threads: the kernels release the GIL and allocate their own scratch.

    Tree ``t``'s nodes are a contiguous block starting at ``roots[t]``: its internal nodes by
    LightGBM's split index, then its leaves by leaf index. A leaf has ``feature == -1``;
    children are global node numbers.
    """

    num_class: int  # LightGBM's num_tree_per_iteration: tree t adds to class t % num_class
    num_features: int
    feature: np.ndarray  # int32, -1 for a leaf
    threshold: np.ndarray  # float64: left when value <= threshold
    missing: np.ndarray  # int8, MISSING_TYPES
    default_left: np.ndarray  # bool: where missing values go
    left: np.ndarray  # int32
    right: np.ndarray  # int32
    cover: np.ndarray  # float64: training rows through the node (internal_count / leaf_count)
    value: np.ndarray  # float64: leaf output (0 for internal nodes)
    leaf_index: np.ndarray  # int32: the leaf's index in its tree (-1 for internal nodes)
    roots: np.ndarray  # int32, per tree
    tree_class: np.ndarray  # int32, per tree
    bias: np.ndarray  # float64, per class: sum of the class's trees' expected values
    max_depth: int  # deepest leaf over all trees (root: 0)
    _shap: ShapTables | None = field(default=None, init=False, repr=False)  # built lazily

    @classmethod
    def of(cls, booster: lgb.Booster) -> CompiledTrees:
        """The booster's trees (the best iteration's, when it has one, as ``predict`` uses)."""
        return cls.from_dump(booster.dump_model())

    @classmethod
    def from_dump(cls, dump: dict[str, Any]) -> CompiledTrees:
        """From ``Booster.dump_model()``'s output; ValueError for what the kernels do not do."""
        if dump.get("average_output"):
            raise ValueError("random-forest models (average_output) are not supported")
        num_class = int(dump["num_tree_per_iteration"])
        table = _Table()
        for t, tree in enumerate(dump["tree_info"]):
            table.add_tree(tree, t, t % num_class)
        bias = np.zeros(num_class)
        for t, expected in enumerate(table.expected):
            bias[t % num_class] += expected  # LightGBM's order, so the sum rounds the same
        return cls(num_class, int(dump["max_feature_idx"]) + 1, **table.arrays(), bias=bias)

    @property
    def num_trees(self) -> int:
        return len(self.roots)

    def shap_tables(self) -> ShapTables:
        """The TreeSHAP tables, built on first use (once: later calls and threads share them)."""
        if self._shap is None:
            with _TABLES_LOCK:
                if self._shap is None:
                    object.__setattr__(self, "_shap", ShapTables.of(self))
        assert self._shap is not None
        return self._shap

    def raw_scores(self, x: np.ndarray) -> np.ndarray:
        """``booster.predict(x, raw_score=True)``, shape (rows, num_class) even for one class."""
        return self.predict_all(x)[0]

    def leaves(self, x: np.ndarray) -> np.ndarray:
        """``booster.predict(x, pred_leaf=True)``: shape (rows, trees), int64."""
        return self.predict_all(x)[1]

    def contributions(
        self, x: np.ndarray, rows: Sequence[int] | np.ndarray | None = None
    ) -> np.ndarray:
        """``booster.predict(x, pred_contrib=True)`` as (rows, num_class, features + 1), the
        last slot the bias; ``rows`` (indices or a mask): explain only those, in that order."""
        return cast(np.ndarray, self.predict_all(x, with_contributions=True, rows=rows)[2])

    def predict_all(
        self,
        x: np.ndarray,
        with_contributions: bool = False,
        rows: Sequence[int] | np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(raw scores, leaves, contributions or None) in one pass over rows and trees.

        ``rows``: which rows to explain (indices, repeats allowed, or a boolean mask; default
        every row); the contributions are then in that order. Without contributions only the
        prediction kernel runs.
        """
        x = self._matrix(x)
        if not with_contributions:
            if rows is not None:
                raise ValueError("rows selects rows to explain: it needs with_contributions")
            return (*walk_predict(x, *self._walk_tables()), None)
        slots, order = _slots(len(x), rows)
        contrib = np.zeros((int(slots.max(initial=-1)) + 1, self.num_class, self.num_features + 1))
        contrib[:, :, -1] = self.bias  # TreeSHAP never writes the bias slot
        raw, leaves = walk_explain(
            x, slots, contrib, *self._walk_tables(), self.cover, self.max_depth,
            *self.shap_tables().arrays(),
        )  # fmt: skip
        return raw, leaves, contrib if order is None else contrib[order]

    def _walk_tables(self) -> tuple[Any, ...]:
        """The kernels' shared arguments, in their order."""
        return (
            self.roots,
            self.tree_class,
            self.num_class,
            self.feature,
            self.threshold,
            self.missing,
            self.default_left,
            self.left,
            self.right,
            self.value,
            self.leaf_index,
        )

    def _matrix(self, x: np.ndarray) -> np.ndarray:
        """``x`` as the kernels take it: 2-D, float64, C-contiguous, the model's width, and a
        read-only view (numba compiles writable and read-only inputs separately: always the
        same one, so warm_up's compilation serves every call)."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(f"expected a (rows, {self.num_features}) matrix, got shape {x.shape}")
        x = x.view()
        x.flags.writeable = False
        return x


# The node table's columns and their types (see CompiledTrees).
_COLUMNS = {
    "feature": np.int32,
    "threshold": np.float64,
    "missing": np.int8,
    "default_left": np.bool_,
    "left": np.int32,
    "right": np.int32,
    "cover": np.float64,
    "value": np.float64,
    "leaf_index": np.int32,
}


class _Table:
    """Nodes collected tree by tree (Python lists), then frozen into arrays."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in _COLUMNS}
        self.roots: list[int] = []
        self.tree_class: list[int] = []
        self.expected: list[float] = []  # per tree, Tree::ExpectedValue
        self.max_depth = 0

    def add_tree(self, tree: dict[str, Any], t: int, k: int) -> None:
        """Append tree ``t`` (class ``k``): its split nodes by split index, then its leaves."""
        if tree.get("num_cat", 0):
            raise ValueError(f"tree {t} (class {k}) has categorical splits: not supported")
        base, n_split = len(self.columns["feature"]), tree["num_leaves"] - 1
        for column in self.columns.values():
            column.extend([0] * (2 * n_split + 1))
        self.roots.append(base)
        self.tree_class.append(k)
        leaves: dict[int, tuple[int, float]] = {}
        stack = [(tree["tree_structure"], 0)]
        while stack:
            node, depth = stack.pop()
            if "split_index" in node:
                self._split(node, base, n_split, t)
                stack += [(node["left_child"], depth + 1), (node["right_child"], depth + 1)]
            else:
                leaves[node.get("leaf_index", 0)] = self._leaf(node, base, n_split, t)
                self.max_depth = max(self.max_depth, depth)
        self.expected.append(_expected_value(leaves, tree["tree_structure"]))

    def _split(self, node: dict[str, Any], base: int, n_split: int, t: int) -> None:
        if node["decision_type"] != "<=":
            raise ValueError(
                f"tree {t} has a categorical split ({node['decision_type']}): not supported"
            )
        i, c = base + node["split_index"], self.columns
        c["feature"][i] = node["split_feature"]
        c["threshold"][i] = node["threshold"]
        c["missing"][i] = MISSING_TYPES[node["missing_type"]]
        c["default_left"][i] = node["default_left"]
        c["left"][i] = _node_number(node["left_child"], base, n_split)
        c["right"][i] = _node_number(node["right_child"], base, n_split)
        c["cover"][i] = node["internal_count"]
        c["leaf_index"][i] = -1

    def _leaf(self, node: dict[str, Any], base: int, n_split: int, t: int) -> tuple[int, float]:
        """Fill a leaf; its (count, value) for the tree's expected value."""
        if "leaf_coeff" in node or "leaf_const" in node:
            raise ValueError(f"tree {t} is a linear tree (linear_tree=True): not supported")
        i, c = _node_number(node, base, n_split), self.columns
        c["feature"][i] = -1
        c["cover"][i] = node.get("leaf_count", 0)
        c["value"][i] = node["leaf_value"]
        c["leaf_index"][i] = i - base - n_split
        return node.get("leaf_count", 0), node["leaf_value"]

    def arrays(self) -> dict[str, Any]:
        """CompiledTrees' node table and per-tree fields, read-only: every request shares
        them."""
        out = {name: np.array(self.columns[name], dtype=dtype) for name, dtype in _COLUMNS.items()}
        out["roots"] = np.array(self.roots, dtype=np.int32)
        out["tree_class"] = np.array(self.tree_class, dtype=np.int32)
        for array in out.values():
            array.setflags(write=False)
        return {**out, "max_depth": self.max_depth}


def _node_number(node: dict[str, Any], base: int, n_split: int) -> int:
    """Global number of a dumped node: split nodes first, then leaves (a stump's leaf is 0)."""
    if "split_index" in node:
        return base + node["split_index"]
    return base + n_split + node.get("leaf_index", 0)


def _expected_value(leaves: dict[int, tuple[int, float]], root: dict[str, Any]) -> float:
    """``Tree::ExpectedValue``: leaf outputs weighted by count / root count, in leaf order."""
    if "split_index" not in root:
        return float(root["leaf_value"])
    total = float(root["internal_count"])
    expected = 0.0
    for leaf in range(len(leaves)):
        count, value = leaves[leaf]
        expected += (count / total) * value
    return expected


def _slots(n: int, rows: Sequence[int] | np.ndarray | None) -> tuple[np.ndarray, Any]:
    """Per row, its slot in the contributions (-1: not explained), and the order that turns
    the slots (distinct rows, ascending) into the order asked for (None: already that)."""
    if rows is None:
        return np.arange(n, dtype=np.int64), None
    rows = np.asarray(rows)
    if rows.dtype == np.bool_:
        if rows.shape != (n,):
            raise ValueError(f"a row mask needs {n} entries, got shape {rows.shape}")
        rows = np.flatnonzero(rows)
    elif rows.size == 0:
        rows = rows.astype(np.int64)  # [] reads as float64
    elif not np.issubdtype(rows.dtype, np.integer):
        raise TypeError(f"rows to explain are indices or a mask, got {rows.dtype}")
    rows = rows.astype(np.int64).ravel()
    if rows.size and (rows.min() < 0 or rows.max() >= n):
        raise IndexError(f"rows to explain must be in [0, {n})")
    distinct, order = np.unique(rows, return_inverse=True)
    slots = np.full(n, -1, dtype=np.int64)
    slots[distinct] = np.arange(len(distinct))
    return slots, order


def warm_up() -> None:
    """Compile (or load from numba's cache) every kernel, on a two-tree model of our own: a
    server calls it before it reports ready, so no request pays for compilation."""
    trees = CompiledTrees.from_dump(_WARM_UP_MODEL)
    x = np.array([[0.0, np.nan], [1.0, -2.0], [np.nan, 0.0]])
    trees.predict_all(x)
    trees.predict_all(x, with_contributions=True, rows=[2, 0])


# One split on feature 0 (NaN goes left) and one constant tree: the same array types as a real
# model's, so the kernels compiled for it are the ones every model uses.
_WARM_UP_MODEL: dict[str, Any] = {
    "num_tree_per_iteration": 1,
    "max_feature_idx": 1,
    "tree_info": [
        {
            "num_leaves": 2,
            "tree_structure": {
                "split_index": 0,
                "split_feature": 0,
                "threshold": 0.5,
                "decision_type": "<=",
                "default_left": True,
                "missing_type": "NaN",
                "internal_count": 4,
                "left_child": {"leaf_index": 0, "leaf_value": -1.0, "leaf_count": 1},
                "right_child": {"leaf_index": 1, "leaf_value": 1.0, "leaf_count": 3},
            },
        },
        {"num_leaves": 1, "tree_structure": {"leaf_value": 0.25, "leaf_count": 4}},
    ],
}
