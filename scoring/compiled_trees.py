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
from numba import njit

# LightGBM's ``const double kZeroThreshold = 1e-35f``: a float32 literal widened to double.
ZERO_THRESHOLD = float(np.float32(1e-35))
MISSING_TYPES = {"None": 0, "Zero": 1, "NaN": 2}  # decision_type bits 2-3 in LightGBM
_ZERO, _NAN = MISSING_TYPES["Zero"], MISSING_TYPES["NaN"]
# error_model "numpy": float division by zero gives inf/nan as in C++, and no checks slow it down.
_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}
# A leaf's own table holds k * 2**k shares for its k distinct path features: 16 KiB at k = 8.
# Depth-5 trees (the project's) need k <= 5 (1.25 KiB a leaf: 3.5 MB for its 340 trees, once
# summed by subtree); deeper trees grow as 2**k for little gain per row (a row still reads O(k)
# shares per leaf, from tables that stop fitting in cache), so a tree with a leaf that needs more
# keeps Algorithm 2, as do trees past the model's budget (in tree order).
MAX_TABLE_PATH = 8
MAX_TABLE_BYTES = 64 << 20
# A unit holds at most this many splits (a depth-2 subtree): its table has 2**(k0 + s) entries of
# up to k0 + s shares, about half its leaves' own tables, and a row reads one entry instead of up
# to 2**s leaves'. On the production model: 0 (leaves alone) 5.8 MB, 3: 3.5 MB and a third less
# time per row; 7 (depth 3): 7.2 MB and no faster.
MAX_UNIT_SPLITS = 3
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
            return (*_predict(x, *self._walk_tables()), None)
        slots, order = _slots(len(x), rows)
        contrib = np.zeros((int(slots.max(initial=-1)) + 1, self.num_class, self.num_features + 1))
        contrib[:, :, -1] = self.bias  # TreeSHAP never writes the bias slot
        raw, leaves = _predict_explain(
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


@dataclass(frozen=True, eq=False)
class ShapTables:
    """TreeSHAP shares tabled for a model's trees of bounded depth (read-only arrays).

    For one row a leaf's shares depend only on its pattern: which of its k distinct path
    features' conditions the row meets (its one fractions). A tree is cut into units: subtrees of
    at most ``MAX_UNIT_SPLITS`` splits (single leaves where the subtree below is bigger). A unit
    at node u is indexed by the pattern of the k0 distinct features above u (bits 0 to k0 - 1)
    and the row's decision at each of its s splits (bits k0 up: 1 for left); its entry holds, for
    each of the unit's features (those above u first), the sum of its leaves' shares.

    Tree ``t``'s units are ``tree_units[t]:tree_units[t + 1]`` (none: the tree keeps
    Algorithm 2). Unit ``j`` is at node ``unit_root[j]`` (within its tree), its splits are
    ``unit_nodes[unit_splits[j]:unit_splits[j + 1]]`` and its entry for index p is
    ``table[unit_table[j] + p * unit_width[j]:][:unit_width[j]]``.

    Per row and tree: every split's decision; then along the tree's edges down to the units,
    ``edges[tree_edges[t]:tree_edges[t + 1]]`` (parents first, each ``child << 24 | parent <<
    8 | i << 1 | left``: i, the parent's feature's place among the distinct features above the
    child; left: the child is the left one), the conditions each node's row missed (a node's: its
    parent's, and bit i if the row went the other way); then each unit's index; then per
    feature of the tree (``share_feature[tree_features[t]:tree_features[t + 1]]``) the sum of
    its shares ``shares[feature_shares[g]:feature_shares[g + 1]]``, each ``unit << 8 | i``
    (the tree's unit-th unit, its i-th feature): summed in registers, not through memory.
    """

    tree_units: np.ndarray  # int64, trees + 1
    tree_edges: np.ndarray  # int64, trees + 1
    edges: np.ndarray  # int64
    unit_root: np.ndarray  # int64, per unit
    unit_k0: np.ndarray  # int64, per unit
    unit_splits: np.ndarray  # int64, units + 1
    unit_nodes: np.ndarray  # int64
    unit_width: np.ndarray  # int64, per unit
    unit_table: np.ndarray  # int64, per unit
    tree_features: np.ndarray  # int64, trees + 1
    share_feature: np.ndarray  # int64
    feature_shares: np.ndarray  # int64, len(share_feature) + 1
    shares: np.ndarray  # int64
    table: np.ndarray  # float64
    max_nodes: int  # most nodes in a tabled tree

    @classmethod
    def of(cls, trees: CompiledTrees) -> ShapTables:
        """Tables for every tree whose leaves have at most ``MAX_TABLE_PATH`` distinct path
        features, in tree order while they fit in ``MAX_TABLE_BYTES``."""
        build = _TableBuild(trees)
        for t, root in enumerate(trees.roots.tolist()):
            build.add_tree(t, root)
        return build.tables()

    @property
    def nbytes(self) -> int:
        """Memory of the arrays."""
        arrays = [value for value in vars(self).values() if isinstance(value, np.ndarray)]
        return sum(array.nbytes for array in arrays)

    @property
    def tabled(self) -> np.ndarray:
        """Per tree: whether it has tables (else Algorithm 2 explains it)."""
        return cast(np.ndarray, np.diff(self.tree_units) > 0)

    def arrays(self) -> tuple[Any, ...]:
        """``_predict_explain``'s table arguments, in its order."""
        return (
            self.tree_units,
            self.tree_edges,
            self.edges,
            self.unit_root,
            self.unit_k0,
            self.unit_splits,
            self.unit_nodes,
            self.unit_width,
            self.unit_table,
            self.tree_features,
            self.share_feature,
            self.feature_shares,
            self.shares,
            self.table,
            self.max_nodes,
        )


class _TableBuild:
    """ShapTables collected tree by tree (Python lists); the shares by ``_unit_tables``."""

    def __init__(self, trees: CompiledTrees) -> None:
        self.feature = trees.feature.tolist()
        self.left, self.right = trees.left.tolist(), trees.right.tolist()
        self.cover, self.value = trees.cover.tolist(), trees.value.tolist()
        self.ends = [*trees.roots.tolist()[1:], len(self.feature)]
        self.budget = MAX_TABLE_BYTES // 8  # table entries left
        self.max_nodes = 0
        self.lists: dict[str, list[Any]] = {
            name: []
            for name in ShapTables.__dataclass_fields__
            if name not in ("table", "max_nodes")
        }
        for name in ("tree_units", "tree_edges", "unit_splits", "tree_features"):
            self.lists[name].append(0)
        self.lists["feature_shares"].append(0)
        # Leaves (for _leaf_tables) and unit leaves (for _unit_tables).
        self.leaf_path: list[int] = [0]
        self.path_zero: list[float] = []
        self.leaf_value: list[float] = []
        self.unit_leaves, self.unit_leaf, self.leaf_steps, self.steps = [0], [], [0], []
        self.maps: list[int] = []  # per unit leaf, per path feature: its place in the unit
        self.size = 0

    def add_tree(self, t: int, root: int) -> None:
        nodes = self.ends[t] - root
        units, edges = self._units(root)
        need = sum(len(u[2]) << (u[1] + len(u[3])) for u in units)
        widest = max(len(leaf[1]) for u in units for leaf in u[4])
        if widest <= min(MAX_TABLE_PATH, 62) and need <= self.budget and nodes < 1 << 16:
            self.budget -= need
            self.max_nodes = max(self.max_nodes, nodes)
            self._add_units(root, units)
            self.lists["edges"] += edges
        lists = self.lists
        lists["tree_units"].append(len(lists["unit_root"]))
        lists["tree_edges"].append(len(lists["edges"]))
        lists["tree_features"].append(len(lists["share_feature"]))

    def _units(self, root: int) -> tuple[list[tuple[Any, ...]], list[int]]:
        """The tree's units, each (node, k0, features, splits, leaves): features are the unit's
        (the k0 distinct ones above its node first), splits its split nodes, leaves (node, path
        features, zero fractions, steps inside the unit as (split's bit, place, left)); and
        the edges from the root down to the units' nodes, parents first."""
        feature, left, right, cover = self.feature, self.left, self.right, self.cover
        order, stack = [], [root]
        while stack:
            node = stack.pop()
            order.append(node)
            if feature[node] >= 0:
                stack += [left[node], right[node]]
        splits_below: dict[int, int] = {}
        for node in reversed(order):
            below = 0
            if feature[node] >= 0:
                below = 1 + splits_below[left[node]] + splits_below[right[node]]
            splits_below[node] = below
        units: list[tuple[Any, ...]] = []
        edges: list[int] = []
        # (node, features above, their zeros, edge code into it, its unit: None above units)
        todo: list[tuple[int, list[int], list[float], int, Any]] = [(root, [], [], -1, None)]
        limit = min(MAX_TABLE_PATH, 62)
        while todo:
            node, features, zeros, edge, unit = todo.pop()
            split = feature[node]
            if unit is None:
                if edge >= 0:
                    edges.append(edge)
                below = splits_below[node]
                if split < 0 or (below <= MAX_UNIT_SPLITS and len(features) + below <= limit):
                    unit = (node, len(features), list(features), [], [], [])
                    units.append(unit)
            if split < 0:
                unit[4].append((node, features, zeros, unit[5]))
                continue
            bit = -1
            if unit is not None:
                unit[3].append(node)
                bit = len(unit[3]) - 1
                if split not in unit[2]:
                    unit[2].append(split)
            for child, went_left in ((left[node], 1), (right[node], 0)):
                ratio = _ratio(cover[child], cover[node])
                if split in features:
                    i = features.index(split)
                    child_features, child_zeros = features, list(zeros)
                    child_zeros[i] = ratio * zeros[i]
                else:
                    i = len(features)
                    child_features, child_zeros = [*features, split], [*zeros, ratio]
                child_unit = None
                if unit is not None:
                    child_unit = (*unit[:5], [*unit[5], (bit, i, went_left)])
                code = (child - root) << 24 | (node - root) << 8 | i << 1 | went_left
                todo.append((child, child_features, child_zeros, code, child_unit))
        return units, edges

    def _add_units(self, root: int, units: list[tuple[Any, ...]]) -> None:
        lists = self.lists
        by_feature: dict[int, list[int]] = {}
        first = len(lists["unit_root"])
        for node, k0, features, splits, leaves, _ in units:
            j = len(lists["unit_root"]) - first
            lists["unit_root"].append(node - root)
            lists["unit_k0"].append(k0)
            lists["unit_nodes"].extend(split - root for split in splits)
            lists["unit_splits"].append(len(lists["unit_nodes"]))
            lists["unit_width"].append(len(features))
            lists["unit_table"].append(self.size)
            self.size += len(features) << (k0 + len(splits))
            for i, f in enumerate(features):
                by_feature.setdefault(f, []).append(j << 8 | i)
            for leaf, leaf_features, zeros, steps in leaves:
                self.leaf_path.append(self.leaf_path[-1] + len(leaf_features))
                self.path_zero += zeros
                self.leaf_value.append(self.value[leaf])
                self.unit_leaf.append(len(self.leaf_value) - 1)
                self.steps += [bit << 8 | i << 1 | went_left for bit, i, went_left in steps]
                self.leaf_steps.append(len(self.steps))
                self.maps += [features.index(f) for f in leaf_features]
            self.unit_leaves.append(len(self.unit_leaf))
        for f, codes in sorted(by_feature.items()):
            lists["share_feature"].append(f)
            lists["shares"] += codes
            lists["feature_shares"].append(len(lists["shares"]))

    def tables(self) -> ShapTables:
        """The arrays: each leaf's own shares (``_leaf_tables``: discarded after, at most four
        times the budget, since a unit's table is at least as big as any of its leaves'), summed
        into its unit's."""
        leaf_path = np.array(self.leaf_path, dtype=np.int64)
        widths = np.diff(leaf_path)
        sizes = widths << widths
        leaf_table = np.cumsum(sizes) - sizes
        leaf_shares = _leaf_tables(
            leaf_path, np.array(self.path_zero), np.array(self.leaf_value), leaf_table
        )
        ints = {name: np.array(values, dtype=np.int64) for name, values in self.lists.items()}
        table = _unit_tables(
            ints["unit_k0"], ints["unit_splits"], ints["unit_width"], ints["unit_table"],
            self.size, *(np.array(v, dtype=np.int64) for v in (
                self.unit_leaves, self.unit_leaf, self.leaf_steps, self.steps, self.maps
            )), leaf_path, leaf_table, leaf_shares,
        )  # fmt: skip
        for array in (*ints.values(), table):
            array.setflags(write=False)
        return ShapTables(**ints, table=table, max_nodes=self.max_nodes)


def _ratio(a: float, b: float) -> float:
    """``a / b`` as C++ divides (a split with no rows: inf or nan, as the kernels get)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(a) / np.float64(b))


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


# ---- kernels -------------------------------------------------------------------------------
# The small helpers are inlined (numba IR inlining): as calls they cost twice the arithmetic. Not
# too many arrays through them, though: each inlined array argument costs reference counting.


@njit(inline="always", **_JIT)
def _goes_left(value, threshold, missing, default_left):
    """``Tree::NumericalDecision`` on the value LightGBM's predictor sees."""
    if np.isnan(value):
        if missing == _NAN:
            return default_left
        value = 0.0  # NaN is zero unless the split has NaN as its missing value
    elif abs(value) <= ZERO_THRESHOLD:
        value = 0.0  # the dense-input reader drops |x| <= kZeroThreshold: it reads as 0.0
    if missing == _ZERO and value == 0.0:
        return default_left
    return value <= threshold


@njit(inline="always", **_JIT)
def _route(row, node, feature, threshold, missing, default_left, left, right):
    """The leaf (node number) ``row`` reaches from ``node``."""
    while feature[node] >= 0:
        if _goes_left(row[feature[node]], threshold[node], missing[node], default_left[node]):
            node = left[node]
        else:
            node = right[node]
    return node


@njit(**_JIT)
def _predict(
    x, roots, tree_class, num_class, feature, threshold, missing, default_left, left, right,
    value, leaf_index,
):  # fmt: skip
    """Raw scores (rows, num_class) and leaves (rows, trees), summed in LightGBM's tree order."""
    raw = np.zeros((x.shape[0], num_class))
    leaves = np.empty((x.shape[0], roots.shape[0]), dtype=np.int64)
    for r in range(x.shape[0]):
        for t in range(roots.shape[0]):
            leaf = _route(x[r], roots[t], feature, threshold, missing, default_left, left, right)
            leaves[r, t] = leaf_index[leaf]
            raw[r, tree_class[t]] += value[leaf]
    return raw, leaves


@njit(**_JIT)
def _predict_explain(
    x, slots, contrib, roots, tree_class, num_class, feature, threshold, missing, default_left,
    left, right, value, leaf_index, cover, max_depth, tree_units, tree_edges, edges, unit_root,
    unit_k0, unit_splits, unit_nodes, unit_width, unit_table, tree_features, share_feature,
    feature_shares, shares, table, max_nodes,
):  # fmt: skip
    """``_predict``, and each explained row's (``slots[r] >= 0``) TreeSHAP values added into
    ``contrib[slots[r], class]`` tree by tree, as ``GBDT::PredictContrib`` does: from the
    tables (``ShapTables``) for the trees they cover, by Algorithm 2 (``_tree_shap``) for the
    others. Tree by tree, each tree over every row (its tables stay in cache); each row's raw
    score still adds its trees in LightGBM's order.

    Algorithm 2's scratch as LightGBM sizes it: each level of the recursion owns a copy of the
    unique path, (D+1)(D+2)/2 elements in all, and the stack holds at most two pending calls per
    level. The tables': the rows' values as the splits see them, and a tree's decisions.
    """
    n_rows = x.shape[0]
    raw = np.zeros((n_rows, num_class))
    leaves = np.empty((n_rows, roots.shape[0]), dtype=np.int64)
    size, frames = (max_depth + 1) * (max_depth + 2) // 2, 2 * max_depth + 4
    p_feature, p_zero = np.empty(size, np.int64), np.empty(size)
    p_one, p_w = np.empty(size), np.empty(size)
    s_node, s_depth = np.empty(frames, np.int64), np.empty(frames, np.int64)
    s_parent, s_feature = np.empty(frames, np.int64), np.empty(frames, np.int64)
    s_zero, s_one = np.empty(frames), np.empty(frames)
    up, down, inv_up, inv_down = _ratios(max_depth + 1)
    # _goes_left without branches: a split takes its default side when the row's flags have the
    # split's missing type's bit (NaN: the value is NaN; Zero: it reads as 0.0), else it
    # compares the value as read (NaN and |x| <= kZeroThreshold as 0.0).
    read, flags = np.empty(x.shape), np.empty(x.shape, np.int64)
    for r in range(n_rows):
        for f in range(x.shape[1]):
            v = x[r, f]
            if np.isnan(v):
                read[r, f], flags[r, f] = 0.0, (1 << _NAN) | (1 << _ZERO)
            elif abs(v) <= ZERO_THRESHOLD:
                read[r, f], flags[r, f] = 0.0, 1 << _ZERO
            else:
                read[r, f], flags[r, f] = v, 0
    goes_left, missed = np.empty(max(max_nodes, 1), np.int64), np.empty(max(max_nodes, 1), np.int64)
    at = np.empty(max(max_nodes, 1), np.int64)  # per unit of the tree: the row's entry
    for t in range(roots.shape[0]):
        root, k = roots[t], tree_class[t]
        tabled = tree_units[t + 1] > tree_units[t]
        n_split = ((roots[t + 1] if t + 1 < roots.shape[0] else feature.shape[0]) - root) // 2
        for r in range(n_rows):
            slot = slots[r]
            if slot < 0 or not tabled:
                leaf = _route(x[r], root, feature, threshold, missing, default_left, left, right)
                leaves[r, t] = leaf_index[leaf]
                raw[r, k] += value[leaf]
                if slot >= 0:
                    _tree_shap(
                        x[r], contrib, slot, k, root, feature, threshold, missing,
                        default_left, left, right, value, cover, p_feature, p_zero, p_one, p_w,
                        s_node, s_depth, s_parent, s_feature, s_zero, s_one, up, down, inv_up,
                        inv_down,
                    )  # fmt: skip
                continue
            for i in range(n_split):
                n = root + i
                f = feature[n]
                default = (flags[r, f] >> missing[n]) & 1
                goes_left[i] = default & default_left[n] | (1 - default) & (
                    read[r, f] <= threshold[n]
                )
            leaf = root
            while feature[leaf] >= 0:
                leaf = left[leaf] if goes_left[leaf - root] else right[leaf]
            leaves[r, t] = leaf_index[leaf]
            raw[r, k] += value[leaf]
            missed[0] = 0
            for e in range(tree_edges[t], tree_edges[t + 1]):
                code = edges[e]
                parent = (code >> 8) & 0xFFFF
                went_other_way = goes_left[parent] ^ (code & 1)
                missed[code >> 24] = missed[parent] | (went_other_way << ((code >> 1) & 127))
            first_unit = tree_units[t]
            for j in range(first_unit, tree_units[t + 1]):
                k0 = unit_k0[j]
                index = ((1 << k0) - 1) & ~missed[unit_root[j]]
                for b in range(unit_splits[j + 1] - unit_splits[j]):
                    index |= goes_left[unit_nodes[unit_splits[j] + b]] << (k0 + b)
                at[j - first_unit] = unit_table[j] + index * unit_width[j]
            for g in range(tree_features[t], tree_features[t + 1]):
                total = 0.0
                for s in range(feature_shares[g], feature_shares[g + 1]):
                    code = shares[s]
                    total += table[at[code >> 8] + (code & 255)]
                contrib[slot, k, share_feature[g]] += total
    return raw, leaves


@njit(**_JIT)
def _leaf_tables(leaf_path, path_zero, leaf_value, leaf_table):
    """Each leaf's shares, per pattern of one fractions (``leaf_table[l] + pattern * k + i``
    for its i-th path feature, bit i of the pattern its one fraction): Algorithm 2 at that leaf
    (``ExtendPath`` over the root and the path's features, then per feature ``UnwoundPathSum``
    times (one - zero fraction) times the leaf value), in LightGBM's arithmetic."""
    leaves = leaf_table.shape[0]
    size, widest = 0, 0
    for lf in range(leaves):
        width = leaf_path[lf + 1] - leaf_path[lf]
        size = max(size, leaf_table[lf] + (width << width))
        widest = max(widest, width)
    table = np.empty(size)
    p_zero, p_one, p_w = np.empty(widest + 1), np.empty(widest + 1), np.empty(widest + 1)
    for lf in range(leaves):
        first, width, v = leaf_path[lf], leaf_path[lf + 1] - leaf_path[lf], leaf_value[lf]
        for pattern in range(1 << width):
            p_zero[0], p_one[0], p_w[0] = 1.0, 1.0, 1.0
            for d in range(1, width + 1):
                zero, one = path_zero[first + d - 1], float((pattern >> (d - 1)) & 1)
                p_zero[d], p_one[d], p_w[d] = zero, one, 0.0
                for i in range(d - 1, -1, -1):
                    p_w[i + 1] += one * p_w[i] * (i + 1) / (d + 1)
                    p_w[i] = zero * p_w[i] * (d - i) / (d + 1)
            at = leaf_table[lf] + pattern * width
            for e in range(1, width + 1):
                w = _unwound_path_sum(p_w, width, p_zero[e], p_one[e])
                table[at + e - 1] = w * (p_one[e] - p_zero[e]) * v
    return table


@njit(**_JIT)
def _unit_tables(
    unit_k0, unit_splits, unit_width, unit_table, size, unit_leaves, unit_leaf, leaf_steps, steps,
    maps, leaf_path, leaf_table, leaf_shares,
):  # fmt: skip
    """``ShapTables.table``: per unit and index, its leaves' shares for the patterns the index
    gives them (a feature above the unit: met if the index says so and the leaf's path inside
    the unit goes the row's way at each split on it; one first split inside: the latter)."""
    table = np.zeros(size)
    for j in range(unit_k0.shape[0]):
        k0, width = unit_k0[j], unit_width[j]
        n_bits = k0 + unit_splits[j + 1] - unit_splits[j]
        for index in range(1 << n_bits):
            at = unit_table[j] + index * width
            for e in range(unit_leaves[j], unit_leaves[j + 1]):
                leaf = unit_leaf[e]
                first, k = leaf_path[leaf], leaf_path[leaf + 1] - leaf_path[leaf]
                pattern = (index & ((1 << k0) - 1)) | (((1 << k) - 1) ^ ((1 << k0) - 1))
                for s in range(leaf_steps[e], leaf_steps[e + 1]):
                    step = steps[s]
                    if ((index >> (k0 + (step >> 8))) & 1) != (step & 1):
                        pattern &= ~(1 << ((step >> 1) & 127))
                src = leaf_table[leaf] + pattern * k
                for i in range(k):
                    table[at + maps[first + i]] += leaf_shares[src + i]
    return table


@njit(inline="always", **_JIT)
def _unwound_path_sum(p_w, depth, zero, one):
    """``Tree::UnwoundPathSum`` for an element with these fractions."""
    next_one, total = p_w[depth], 0.0
    for i in range(depth - 1, -1, -1):
        if one != 0:
            tmp = next_one * (depth + 1) / ((i + 1) * one)
            total += tmp
            next_one = p_w[i] - tmp * zero * ((depth - i) / (depth + 1))
        elif zero != 0:
            total += (p_w[i] / zero) / ((depth - i) / (depth + 1))
    return total


@njit(**_JIT)
def _ratios(n):
    """Per unique_depth d and i: (i+1)/(d+1), (d-i)/(d+1) and their inverses, so that the path
    weight updates multiply where LightGBM divides (a quarter faster; a few ulps apart)."""
    up, down = np.zeros((n + 1, n + 1)), np.zeros((n + 1, n + 1))
    inv_up, inv_down = np.zeros((n + 1, n + 1)), np.zeros((n + 1, n + 1))
    for d in range(n + 1):
        for i in range(d + 1):
            up[d, i], down[d, i] = (i + 1) / (d + 1), (d - i) / (d + 1)
            inv_up[d, i] = (d + 1) / (i + 1)
            if i < d:
                inv_down[d, i] = (d + 1) / (d - i)
    return up, down, inv_up, inv_down


@njit(**_JIT)
def _tree_shap(
    row, contrib, slot, k, root, feature, threshold, missing, default_left, left, right, value,
    cover, p_feature, p_zero, p_one, p_w, s_node, s_depth, s_parent, s_feature, s_zero, s_one,
    up, down, inv_up, inv_down,
):  # fmt: skip
    """``Tree::TreeSHAP`` from ``root``, added into ``contrib[slot, k]``; its recursion on a
    stack. (``contrib`` is indexed in place: through a view of it, this ran a third slower.)

    A frame is a call: node, unique_depth, the parent path's offset, and the split feature and
    zero/one fractions it extends the path with. The hot child is pushed last so that its subtree
    runs first, as in the recursion; the cold child's parent path lies below every offset the hot
    subtree writes, so it is intact when the cold frame runs. One fractions are always 0 or 1.
    """
    s_node[0], s_depth[0], s_parent[0], s_feature[0] = root, 0, 0, -1
    s_zero[0], s_one[0] = 1.0, 1.0
    top = 1
    while top > 0:
        top -= 1
        node, depth, parent = s_node[top], s_depth[top], s_parent[top]
        at = parent + depth  # this call's path: parent_unique_path + unique_depth
        for i in range(depth):
            p_feature[at + i] = p_feature[parent + i]
            p_zero[at + i] = p_zero[parent + i]
            p_one[at + i] = p_one[parent + i]
            p_w[at + i] = p_w[parent + i]
        zero, one = s_zero[top], s_one[top]
        _extend(p_feature, p_zero, p_one, p_w, at, depth, zero, one, s_feature[top], up[depth],
                down[depth])  # fmt: skip
        if feature[node] < 0:
            # The leaf's share for each feature on the path: UnwoundPathSum's weight times (one -
            # zero fraction) times the leaf value. A cold element's (one fraction 0) weight is
            # sum(p_w[i] * inv_down[i]) / zero, one sum for them all, and the zero cancels.
            v = value[node]
            cold_weight = 0.0
            inv_down_d = inv_down[depth]
            for i in range(depth):
                cold_weight += p_w[at + i] * inv_down_d[i]
            for i in range(1, depth + 1):
                zero = p_zero[at + i]
                if p_one[at + i] == 0.0:
                    contrib[slot, k, p_feature[at + i]] -= cold_weight * v
                else:
                    w = _hot_weight(p_w, at, depth, zero, down[depth], inv_up[depth])
                    contrib[slot, k, p_feature[at + i]] += w * (1.0 - zero) * v
            continue
        split = feature[node]
        if _goes_left(row[split], threshold[node], missing[node], default_left[node]):
            hot, cold = left[node], right[node]
        else:
            hot, cold = right[node], left[node]
        # Split on this feature higher up: undo that split, to redo it here.
        incoming_zero, incoming_one, j = 1.0, 1.0, 0
        while j <= depth and p_feature[at + j] != split:
            j += 1
        if j <= depth:
            incoming_zero, incoming_one = p_zero[at + j], p_one[at + j]
            _unwind(p_feature, p_zero, p_one, p_w, at, depth, j, down[depth], inv_up[depth],
                    inv_down[depth])  # fmt: skip
            depth -= 1
        s_node[top], s_depth[top], s_parent[top], s_feature[top] = cold, depth + 1, at, split
        s_zero[top], s_one[top] = cover[cold] / cover[node] * incoming_zero, 0.0
        top += 1
        s_node[top], s_depth[top], s_parent[top], s_feature[top] = hot, depth + 1, at, split
        s_zero[top], s_one[top] = cover[hot] / cover[node] * incoming_zero, incoming_one
        top += 1


@njit(inline="always", **_JIT)
def _extend(p_feature, p_zero, p_one, p_w, at, depth, zero, one, feature, up, down):
    """``Tree::ExtendPath``: append a split to the path, updating the permutation weights."""
    p_feature[at + depth], p_zero[at + depth], p_one[at + depth] = feature, zero, one
    p_w[at + depth] = 1.0 if depth == 0 else 0.0
    for i in range(depth - 1, -1, -1):
        p_w[at + i + 1] += one * p_w[at + i] * up[i]
        p_w[at + i] = zero * p_w[at + i] * down[i]


@njit(inline="always", **_JIT)
def _unwind(p_feature, p_zero, p_one, p_w, at, depth, j, down, inv_up, inv_down):
    """``Tree::UnwindPath``: remove path element ``j``, its weights and its slot."""
    zero, one = p_zero[at + j], p_one[at + j]
    if one != 0:
        next_one = p_w[at + depth]
        for i in range(depth - 1, -1, -1):
            before = p_w[at + i]
            p_w[at + i] = next_one * inv_up[i]
            next_one = before - p_w[at + i] * zero * down[i]
    else:
        for i in range(depth - 1, -1, -1):
            p_w[at + i] = p_w[at + i] * inv_down[i] / zero
    for i in range(j, depth):
        p_feature[at + i] = p_feature[at + i + 1]
        p_zero[at + i] = p_zero[at + i + 1]
        p_one[at + i] = p_one[at + i + 1]


@njit(inline="always", **_JIT)
def _hot_weight(p_w, at, depth, zero, down, inv_up):
    """``UnwoundPathSum`` for an element with one fraction 1 and this zero fraction."""
    next_one, total = p_w[at + depth], 0.0
    for i in range(depth - 1, -1, -1):
        tmp = next_one * inv_up[i]
        total += tmp
        next_one = p_w[at + i] - tmp * zero * down[i]
    return total
