"""The numpy group statistics equal pandas' groupby bit for bit, so no input size changes a
feature (a creator scored alone by the API, or among millions in a batch)."""

import numpy as np
import pandas as pd
import pytest

from features import _groups as g


def _pandas(codes, values, n, how):
    known = ~np.isnan(values)
    per_group = getattr(pd.Series(values[known]).groupby(codes[known]), how)()
    out = np.full(n, np.nan)
    out[per_group.index.to_numpy()] = per_group.to_numpy()
    return out


@pytest.mark.parametrize("how", ["median", "max"])
@pytest.mark.parametrize("seed", range(20))
def test_group_statistics_equal_pandas(how, seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 200))
    size = int(rng.integers(0, 3_000))
    codes = rng.integers(0, n, size)
    # Ties (small integers) and tiny spreads both occur in real features.
    values = rng.integers(0, 6, size).astype(float) if seed % 2 else rng.lognormal(size=size)
    values[rng.random(size) < 0.1] = np.nan
    ours = g.median(codes, values, n) if how == "median" else g.maximum(codes, values, n)
    assert np.array_equal(ours, _pandas(codes, values, n, how), equal_nan=True)


@pytest.mark.parametrize("seed", range(10))
def test_suffix_minimum_equals_pandas_reversed_cummin(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(0, 400))
    codes = np.sort(rng.integers(0, 12, size))
    values = rng.integers(0, 9, size).astype(float)  # ties
    values[rng.random(size) < 0.15] = np.nan
    want = pd.Series(values[::-1]).groupby(codes[::-1]).cummin().to_numpy()[::-1]
    assert np.array_equal(g.suffix_min(codes, values), want, equal_nan=True)


def test_large_inputs_take_the_pandas_median_with_the_same_result(monkeypatch):
    rng = np.random.default_rng(1)
    codes, values = rng.integers(0, 50, 5_000), rng.normal(size=5_000)
    small = g.median(codes, values, 60)
    monkeypatch.setattr(g, "SORTED_MEDIAN_MAX", 100)  # the same input now counts as large
    assert np.array_equal(g.median(codes, values, 60), small, equal_nan=True)
    assert np.isnan(small[50:]).all()  # groups without values stay missing
