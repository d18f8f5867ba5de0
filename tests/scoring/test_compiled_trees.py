"""The compiled tree walk against LightGBM's own predict: raw scores, leaves and pred_contrib."""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pytest

from scoring import shap_tables, tree_kernels
from scoring.compiled_trees import CompiledTrees, warm_up
from scoring.tree_kernels import MISSING_TYPES, ZERO_THRESHOLD

N_FEATURES = 10
UNUSED = 9  # a constant column: never split on, its contributions must be exactly 0
TOLERANCE = 1e-9


def _data(seed: int, n: int) -> np.ndarray:
    """Features with NaN (columns 0-3), exact zeros (columns 2-5, often), a repeated-split
    favourite (column 0), and a constant column."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, N_FEATURES))
    x[:, :4][rng.random((n, 4)) < 0.15] = np.nan
    x[:, 2:6][rng.random((n, 4)) < 0.3] = 0.0
    x[:, UNUSED] = 1.0
    return x


def _labels(x: np.ndarray, n_classes: int, seed: int) -> np.ndarray:
    """Labels that depend on values, missingness and zeros, with noise."""
    v = np.nan_to_num(x)
    score = np.column_stack(
        [
            v[:, 0] + v[:, 1] * v[:, 2],
            np.isnan(x[:, 1]) * 1.5 + v[:, 3],
            (x[:, 4] == 0) * 1.2 - v[:, 0] * v[:, 5],
            v[:, 6] + np.sin(3 * v[:, 0]),
        ]
    )[:, :n_classes]
    score += np.random.default_rng(seed).normal(scale=0.7, size=score.shape)
    return score.argmax(axis=1) if n_classes > 1 else (score[:, 0] > 0.2).astype(int)


def _test_rows(seed: int, n: int = 2500) -> np.ndarray:
    """Fresh rows, NaN in columns never missing in training, and values at kZeroThreshold's
    edges (LightGBM's dense reader turns |x| <= kZeroThreshold into 0.0)."""
    x = _data(seed, n)
    rng = np.random.default_rng(seed + 1)
    x[rng.random(x.shape) < 0.03] = np.nan
    edges = [ZERO_THRESHOLD, -ZERO_THRESHOLD, 1e-40, -1e-40, -0.0, 2 * ZERO_THRESHOLD]
    cells = rng.random(x.shape) < 0.05
    x[cells] = rng.choice(edges, size=int(cells.sum()))
    return x


def _train(params: dict[str, Any], x: np.ndarray, y: np.ndarray, rounds: int) -> lgb.Booster:
    base = {"verbosity": -1, "num_threads": 1, "seed": 3, "deterministic": True}
    return lgb.train(base | params, lgb.Dataset(x, y), num_boost_round=rounds)


def _assert_matches_lightgbm(booster: lgb.Booster, x: np.ndarray) -> CompiledTrees:
    """Our raw scores, leaves and contributions against LightGBM's, on every row."""
    trees = CompiledTrees.of(booster)
    raw, leaves, contrib = trees.predict_all(x, with_contributions=True)
    n, k = len(x), trees.num_class
    expected_raw = booster.predict(x, raw_score=True).reshape(n, k)
    expected_contrib = booster.predict(x, pred_contrib=True).reshape(n, k, x.shape[1] + 1)
    np.testing.assert_allclose(raw, expected_raw, rtol=0, atol=TOLERANCE)
    np.testing.assert_array_equal(leaves, booster.predict(x, pred_leaf=True))
    assert contrib is not None
    np.testing.assert_allclose(contrib, expected_contrib, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(contrib.sum(axis=2), raw, rtol=0, atol=1e-9)  # local accuracy
    assert leaves.dtype == np.int64 and leaves.shape == (n, booster.num_trees())
    return trees


@pytest.mark.parametrize(
    ("use_missing", "zero_as_missing", "missing_type"),
    [(True, False, "NaN"), (True, True, "Zero"), (False, False, "None")],
)
def test_multiclass_matches_lightgbm(
    use_missing: bool, zero_as_missing: bool, missing_type: str
) -> None:
    x = _data(0, 3000)
    params = {
        "objective": "multiclass",
        "num_class": 4,
        "num_leaves": 31,
        "min_data_in_leaf": 10,
        "learning_rate": 0.2,
        "use_missing": use_missing,
        "zero_as_missing": zero_as_missing,
    }
    booster = _train(params, x, _labels(x, 4, 0), rounds=25)
    rows = _test_rows(1)
    trees = _assert_matches_lightgbm(booster, rows)
    splits = trees.feature >= 0
    # The setting's missing-value handling is what the trees use (so it is what was tested).
    assert MISSING_TYPES[missing_type] in set(trees.missing[splits].tolist())
    assert UNUSED not in set(trees.feature.tolist())
    assert np.all(trees.contributions(rows[:100])[:, :, UNUSED] == 0.0)
    assert trees.max_depth > 6  # deep trees: features repeat along paths (TreeSHAP's unwind)
    assert np.unique(trees.tree_class).tolist() == [0, 1, 2, 3]


def test_thresholds_at_zero_threshold_route_as_lightgbm() -> None:
    """Splits at +-kZeroThreshold, with inputs exactly there: the dense reader's zeroing
    decides the side."""
    x = _data(2, 3000)
    booster = _train({"objective": "binary", "num_leaves": 15}, x, _labels(x, 1, 2), rounds=20)
    trees = _assert_matches_lightgbm(booster, _test_rows(3))
    near_zero = np.abs(trees.threshold[trees.feature >= 0]) == ZERO_THRESHOLD
    assert near_zero.any()


def test_binary_matches_lightgbm_with_bias_in_the_first_tree() -> None:
    """Binary: one class; boost_from_average's init score lives in the first tree's leaves."""
    x = _data(4, 3000)
    y = _labels(x, 1, 4)
    params = {"objective": "binary", "num_leaves": 31, "max_depth": 5, "bagging_fraction": 0.7}
    booster = _train(params | {"bagging_freq": 1}, x, y, rounds=40)
    trees = _assert_matches_lightgbm(booster, _test_rows(5))
    assert trees.num_class == 1
    prior = np.log(y.mean() / (1 - y.mean()))
    first_tree = trees.value[trees.roots[0] : trees.roots[1]][trees.feature[: trees.roots[1]] < 0]
    assert abs(first_tree.mean() - prior) < 0.5  # the average is folded into tree 0


def test_single_leaf_trees_add_only_to_the_bias() -> None:
    """A rare class whose trees cannot split (min_sum_hessian_in_leaf): constant trees."""
    rng = np.random.default_rng(6)
    x = _data(6, 3000)
    y = rng.choice(4, size=len(x), p=[0.45, 0.45, 0.095, 0.005])
    x[:, 0] += y == 0
    x[:, 1] += y == 2
    params = {"objective": "multiclass", "num_class": 4, "min_sum_hessian_in_leaf": 15}
    booster = _train(params, x, y, rounds=8)
    trees = _assert_matches_lightgbm(booster, _test_rows(7))
    constant = trees.feature[trees.roots] < 0
    assert constant.any() and not constant.all()
    assert (trees.tree_class[constant] == 3).all()
    contrib = trees.contributions(_test_rows(7, 50))
    assert np.all(contrib[:, 3, :-1] == 0.0)  # class 3 is constant: all of it is bias


def test_a_stump_only_model() -> None:
    """A model whose only tree never split: one leaf, index 0, value = bias."""
    x = _data(8, 300)
    booster = _train({"objective": "binary", "min_data_in_leaf": 1000}, x, _labels(x, 1, 8), 3)
    trees = _assert_matches_lightgbm(booster, _test_rows(9, 100))
    assert trees.num_trees == 1 and trees.max_depth == 0
    assert trees.bias[0] == trees.value[0]


def test_rows_pick_which_rows_are_explained() -> None:
    x = _data(10, 2000)
    booster = _train({"objective": "multiclass", "num_class": 4}, x, _labels(x, 4, 10), 10)
    trees = CompiledTrees.of(booster)
    rows = _test_rows(11, 40)
    raw, leaves, everything = trees.predict_all(rows, with_contributions=True)
    assert everything is not None
    np.testing.assert_array_equal(trees.contributions(rows, rows=[7, 3, 7]), everything[[7, 3, 7]])
    mask = np.arange(40) % 3 == 0
    np.testing.assert_array_equal(trees.contributions(rows, rows=mask), everything[mask])
    assert trees.contributions(rows, rows=[]).shape == (0, 4, N_FEATURES + 1)
    plain_raw, plain_leaves, none = trees.predict_all(rows)
    assert none is None
    np.testing.assert_array_equal(plain_raw, raw)
    np.testing.assert_array_equal(plain_leaves, leaves)
    np.testing.assert_array_equal(trees.raw_scores(rows), raw)
    np.testing.assert_array_equal(trees.leaves(rows), leaves)
    with pytest.raises(ValueError, match="with_contributions"):
        trees.predict_all(rows, rows=[1])
    with pytest.raises(IndexError):
        trees.contributions(rows, rows=[40])
    with pytest.raises(ValueError, match=rf"\(rows, {N_FEATURES}\)"):
        trees.raw_scores(rows[:, :-1])


def test_warm_up_compiles_the_kernels_every_model_uses() -> None:
    """After warm_up, a real model's calls (even on float32, Fortran-ordered input) find the
    kernels compiled: no new specialization."""
    warm_up()
    kernels = (tree_kernels.walk_predict, tree_kernels.walk_explain)
    compiled = [len(k.signatures) for k in kernels]
    assert all(compiled)
    x = _data(12, 500)
    booster = _train({"objective": "binary"}, x, _labels(x, 1, 12), 5)
    rows = np.asfortranarray(_test_rows(13, 20), dtype=np.float32)
    trees = CompiledTrees.of(booster)
    raw, _, _ = trees.predict_all(rows, with_contributions=True)
    read_only = _test_rows(13, 20)
    read_only.flags.writeable = False
    trees.predict_all(read_only)
    trees.predict_all(read_only, with_contributions=True)
    assert [len(k.signatures) for k in kernels] == compiled
    np.testing.assert_allclose(raw[:, 0], booster.predict(rows, raw_score=True), atol=1e-9)


def test_categorical_splits_are_refused() -> None:
    rng = np.random.default_rng(14)
    x = rng.normal(size=(3000, 3))
    x[:, 2] = rng.integers(0, 8, len(x))
    y = np.isin(x[:, 2], [1, 3, 6]) * 2.0 + x[:, 0]
    booster = lgb.train(
        {"objective": "regression", "num_leaves": 4, "verbosity": -1},
        lgb.Dataset(x, y, categorical_feature=[2]),
        num_boost_round=2,
    )
    with pytest.raises(ValueError, match="categorical splits: not supported"):
        CompiledTrees.of(booster)


def test_linear_trees_are_refused() -> None:
    rng = np.random.default_rng(15)
    x = rng.normal(size=(500, 3))
    params = {"objective": "regression", "linear_tree": True, "num_leaves": 4, "verbosity": -1}
    booster = lgb.train(params, lgb.Dataset(x, 2 * x[:, 0] + x[:, 1]), num_boost_round=2)
    with pytest.raises(ValueError, match="linear tree"):
        CompiledTrees.of(booster)


def _deep_multiclass() -> lgb.Booster:
    """Trees deeper than the tables' default limit, features repeating along paths."""
    x = _data(16, 3000)
    params = {"objective": "multiclass", "num_class": 4, "num_leaves": 31, "min_data_in_leaf": 10}
    return _train(params | {"zero_as_missing": True}, x, _labels(x, 4, 16), rounds=15)


@pytest.mark.parametrize("max_path", [-1, 0, 4, 6, 62])
def test_tables_and_algorithm_2_each_explain_as_lightgbm(
    monkeypatch: pytest.MonkeyPatch, max_path: int
) -> None:
    """-1: every tree by Algorithm 2; 0: only constant trees tabled; 4 and 6: a mix; 62: all."""
    monkeypatch.setattr(shap_tables, "MAX_TABLE_PATH", max_path)
    booster = _deep_multiclass()
    trees = _assert_matches_lightgbm(booster, _test_rows(17, 1500))
    tabled = trees.shap_tables().tabled
    assert tabled.shape == (trees.num_trees,)
    if max_path < 0:
        assert not tabled.any()
        assert trees.shap_tables().table.size == 0
    elif max_path in (4, 6):
        assert tabled.any() and not tabled.all()
    elif max_path == 62:
        assert tabled.all()


@pytest.mark.parametrize("unit_splits", [0, 1, 2, 3, 7])
def test_tables_summed_over_subtrees_of_any_size_are_exact(
    monkeypatch: pytest.MonkeyPatch, unit_splits: int
) -> None:
    """Units of single leaves up to depth-3 subtrees: the same contributions."""
    monkeypatch.setattr(shap_tables, "MAX_UNIT_SPLITS", unit_splits)
    x = _data(18, 3000)
    params = {"objective": "multiclass", "num_class": 3, "num_leaves": 31, "max_depth": 6}
    trees = _assert_matches_lightgbm(_train(params, x, _labels(x, 3, 18), 12), _test_rows(19))
    assert trees.shap_tables().tabled.all()


def test_the_table_budget_tables_trees_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_TABLE_BYTES the remaining trees keep Algorithm 2: still LightGBM's values, and
    the same as the tables give to about 1e-15."""
    booster = _deep_multiclass()
    rows = _test_rows(20, 500)
    everything = CompiledTrees.of(booster)
    sizes = everything.shap_tables()
    monkeypatch.setattr(shap_tables, "MAX_TABLE_BYTES", sizes.table.nbytes // 2)
    half = _assert_matches_lightgbm(booster, rows)
    tabled = half.shap_tables().tabled
    assert tabled[0] and not tabled.all()
    assert half.shap_tables().table.nbytes <= sizes.table.nbytes // 2
    np.testing.assert_allclose(half.contributions(rows), everything.contributions(rows), atol=1e-12)


def test_tables_are_built_once_read_only_and_shared() -> None:
    x = _data(21, 1000)
    booster = _train({"objective": "binary", "max_depth": 5}, x, _labels(x, 1, 21), 5)
    trees = CompiledTrees.of(booster)
    trees.predict_all(x[:3])
    assert trees._shap is None  # predictions alone build nothing
    tables = trees.shap_tables()
    trees.contributions(x[:3])
    assert trees.shap_tables() is tables
    assert tables.nbytes > 0
    for name, value in vars(tables).items():
        if isinstance(value, np.ndarray):
            assert not value.flags.writeable, name


def test_warm_up_compiles_the_table_builders() -> None:
    warm_up()
    builders = (tree_kernels.build_leaf_tables, tree_kernels.build_unit_tables)
    compiled = [len(k.signatures) for k in builders]
    assert all(compiled)
    x = _data(22, 500)
    trees = CompiledTrees.of(_train({"objective": "binary"}, x, _labels(x, 1, 22), 5))
    trees.contributions(x[:5])
    assert [len(k.signatures) for k in builders] == compiled
