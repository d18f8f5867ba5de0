"""TreeSHAP shares tabled once per model (``ShapTables``), so a row's contributions cost a
decision per split and a table entry per subtree instead of Algorithm 2's extend and unwind at
every leaf (``scoring.compiled_trees`` explains the idea; the kernels are in
``scoring.tree_kernels``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from scoring.tree_kernels import build_leaf_tables, build_unit_tables

if TYPE_CHECKING:
    from scoring.compiled_trees import CompiledTrees

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
        """``walk_explain``'s table arguments, in its order."""
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
    """ShapTables collected tree by tree (Python lists); the shares by ``build_unit_tables``."""

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
        # Leaves (for build_leaf_tables) and unit leaves (for build_unit_tables).
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
        """The arrays: each leaf's own shares (``build_leaf_tables``: discarded after, at most four
        times the budget, since a unit's table is at least as big as any of its leaves'), summed
        into its unit's."""
        leaf_path = np.array(self.leaf_path, dtype=np.int64)
        widths = np.diff(leaf_path)
        sizes = widths << widths
        leaf_table = np.cumsum(sizes) - sizes
        leaf_shares = build_leaf_tables(
            leaf_path, np.array(self.path_zero), np.array(self.leaf_value), leaf_table
        )
        ints = {name: np.array(values, dtype=np.int64) for name, values in self.lists.items()}
        table = build_unit_tables(
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
