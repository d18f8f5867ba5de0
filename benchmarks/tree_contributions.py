"""Microseconds per row of LightGBM's predictions against the compiled tree walk.

    .venv/bin/python benchmarks/tree_contributions.py [--model PATH] [--rows N]

Without ``--model``: a model trained here on synthetic data, 4 classes, 60 features, 300 rounds
with the project's training settings (``training.fit.default_params``: 31 leaves, depth 5).
With it: the bundle's booster. Times batches of 1 and 32 rows, LightGBM on one thread as the API
calls it; checks first that the compiled walk agrees with LightGBM. Prints how long the TreeSHAP
tables take to build and their size, and times the contributions both from the tables (after) and
by Algorithm 2 alone (before: the tables turned off, ``MAX_TABLE_PATH = -1``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import lightgbm as lgb
import numpy as np

from scoring import shap_tables
from scoring.compiled_trees import CompiledTrees, warm_up

CLASSES, FEATURES, ROUNDS = 4, 60, 300


def main() -> None:
    args = _parse()
    booster = _load(args.model) if args.model else _synthetic_model()
    x = _rows(booster.num_feature(), args.rows, seed=1)
    warm_up()
    trees = CompiledTrees.of(booster)
    print(
        f"model: {trees.num_trees} trees, {trees.num_class} classes, {trees.num_features} "
        f"features, max depth {trees.max_depth}; {args.rows} rows"
    )
    start = time.perf_counter()
    tables = trees.shap_tables()
    build = time.perf_counter() - start
    print(
        f"TreeSHAP tables: built in {1e3 * build:.0f} ms, {tables.nbytes / 2**20:.2f} MiB, "
        f"{int(tables.tabled.sum())} of {trees.num_trees} trees tabled"
    )
    before = _algorithm_2_only(booster)
    _check(booster, trees, x[:500])
    _check(booster, before, x[:500])
    calls: dict[str, Callable[[np.ndarray], object]] = {
        "lightgbm raw_score": lambda b: booster.predict(b, raw_score=True, num_threads=1),
        "lightgbm pred_contrib": lambda b: booster.predict(b, pred_contrib=True, num_threads=1),
        "lightgbm pred_leaf": lambda b: booster.predict(b, pred_leaf=True, num_threads=1),
        "lightgbm all three (today's reasons)": lambda b: _all_three(booster, b),
        "compiled predict_all": lambda b: trees.predict_all(b),
        "compiled + contributions, Algorithm 2": lambda b: before.predict_all(b, True),
        "compiled + contributions, tables": lambda b: trees.predict_all(b, True),
    }
    for batch in (1, 32):
        print(f"batch {batch}: microseconds per row")
        times = {name: _per_row(call, x, batch) for name, call in calls.items()}
        for name, micros in times.items():
            print(f"  {name:40s} {micros:9.1f}")
        speedup = (
            times["compiled + contributions, Algorithm 2"]
            / times["compiled + contributions, tables"]
        )
        print(f"  {'contributions: tables vs Algorithm 2':40s} {speedup:8.1f}x")


def _algorithm_2_only(booster: lgb.Booster) -> CompiledTrees:
    """The model's trees with the tables turned off: every tree explained by Algorithm 2."""
    saved = shap_tables.MAX_TABLE_PATH
    shap_tables.MAX_TABLE_PATH = -1
    try:
        trees = CompiledTrees.of(booster)
        trees.shap_tables()  # built (empty) now, while the limit is off
    finally:
        shap_tables.MAX_TABLE_PATH = saved
    return trees


def _all_three(booster: lgb.Booster, x: np.ndarray) -> object:
    """What the service calls for a scored row with reasons: raw, contributions and leaves."""
    booster.predict(x, raw_score=True, num_threads=1)
    booster.predict(x, pred_leaf=True, num_threads=1)
    return booster.predict(x, pred_contrib=True, num_threads=1)


def _per_row(call: Callable[[np.ndarray], object], x: np.ndarray, batch: int) -> float:
    """Best of five passes over ``x`` in batches of ``batch`` rows, per row."""
    batches = [x[i : i + batch] for i in range(0, len(x) - batch + 1, batch)]
    call(batches[0])
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for b in batches:
            call(b)
        best = min(best, time.perf_counter() - start)
    return 1e6 * best / (len(batches) * batch)


def _check(booster: lgb.Booster, trees: CompiledTrees, x: np.ndarray) -> None:
    raw, leaves, contrib = trees.predict_all(x, with_contributions=True)
    shape = (len(x), trees.num_class)
    lgb_contrib = booster.predict(x, pred_contrib=True).reshape(*shape, -1)
    raw_gap = np.abs(raw - booster.predict(x, raw_score=True).reshape(shape)).max()
    leaves_equal = np.array_equal(leaves, booster.predict(x, pred_leaf=True))
    print(
        f"agreement with LightGBM on {len(x)} rows: raw max |diff| {raw_gap:.1e}, "
        f"contributions max |diff| {np.abs(contrib - lgb_contrib).max():.1e}, "
        f"leaves {'equal' if leaves_equal else 'DIFFERENT'}"
    )


def _load(path: str) -> lgb.Booster:
    from scoring.store.loading import load_model

    return load_model(path).booster


def _synthetic_model() -> lgb.Booster:
    """Trained like the project's model, on labels that need interactions and missing values."""
    from training.fit import default_params

    x = _rows(FEATURES, 8_000, seed=0)
    v = np.nan_to_num(x)
    logits = np.column_stack(
        [v[:, 0] + v[:, 1] * v[:, 2], np.isnan(x[:, 3]) + v[:, 4], v[:, 5] - v[:, 6], v[:, 7]]
    )
    logits += np.random.default_rng(0).normal(size=logits.shape)
    params = default_params(CLASSES, seed=0) | {"num_threads": 0}
    return lgb.train(params, lgb.Dataset(x, logits.argmax(axis=1)), num_boost_round=ROUNDS)


def _rows(n_features: int, n: int, seed: int) -> np.ndarray:
    """Normal values with 10% missing and 10% exact zeros."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_features))
    x[rng.random(x.shape) < 0.1] = np.nan
    x[rng.random(x.shape) < 0.1] = 0.0
    return x


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a creator-fraud bundle path (default: synthetic model)")
    parser.add_argument("--rows", type=int, default=256, help="rows timed per batch size")
    return parser.parse_args()


if __name__ == "__main__":
    main()
