"""The compiled (numba) kernels that walk a model's flattened trees (``scoring.compiled_trees``):
raw scores and leaves (``walk_predict``), the same with exact TreeSHAP contributions
(``walk_explain``: tabled shares where ``scoring.shap_tables`` built them, else Lundberg's
Algorithm 2 as LightGBM's ``Tree::TreeSHAP`` does it), and the builders of those tables
(``build_leaf_tables``, ``build_unit_tables``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# LightGBM's ``const double kZeroThreshold = 1e-35f``: a float32 literal widened to double.
ZERO_THRESHOLD = float(np.float32(1e-35))
MISSING_TYPES = {"None": 0, "Zero": 1, "NaN": 2}  # decision_type bits 2-3 in LightGBM
_ZERO, _NAN = MISSING_TYPES["Zero"], MISSING_TYPES["NaN"]
# error_model "numpy": float division by zero gives inf/nan as in C++, and no checks slow it down.
_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}


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
def walk_predict(
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
def walk_explain(
    x, slots, contrib, roots, tree_class, num_class, feature, threshold, missing, default_left,
    left, right, value, leaf_index, cover, max_depth, tree_units, tree_edges, edges, unit_root,
    unit_k0, unit_splits, unit_nodes, unit_width, unit_table, tree_features, share_feature,
    feature_shares, shares, table, max_nodes,
):  # fmt: skip
    """``walk_predict``, and each explained row's (``slots[r] >= 0``) TreeSHAP values added into
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
def build_leaf_tables(leaf_path, path_zero, leaf_value, leaf_table):
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
def build_unit_tables(
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
