"""Follower profiles drawn from the distributions of real, labelled accounts (a Gaussian copula).

Fitting (``fit_profile_tables``, from ``creator_audit.dataset.real_accounts``): for each class
(real, fake) and each variable, a table of the source-weighted empirical distribution over the
rows where the variable is present, and a correlation matrix of the variables' normal scores,
computed pairwise-complete and made positive definite by eigenvalue clipping. Sources differ a
lot in size (Purba et al. ~20K rows, InstaFake ~1.2K, Kaggle ~0.6K), so within a class every
source present for a variable (or a pair of them) carries the same total weight: the tables
describe "a labelled source's accounts", not Purba's.

Two kinds of table:

- ``quantile`` (followers, following, media_count): weighted quantiles at 101 probabilities,
  inverted by interpolating in log1p space (the values span eight orders of magnitude) and
  rounding to a whole count.
- ``discrete`` (bio_length, the 0/1 flags, username_length, username_digits): the exact weighted
  CDF over the observed values, inverted as a step function, so a flag stays 0/1 and its share is
  not rounded to a 1 % grid.

Sampling (``draw_profiles``): correlated standard normals through the class's Cholesky factor,
Φ to uniforms, each variable's table inverted. A pair of variables no source has together
(username counts come only from InstaFake, the link flag never does) has correlation 0. The
normal scores of a 0/1 flag understate its latent correlation, so drawn flags are somewhat less
tied to the other variables than in the data (e.g. real accounts' link flag vs followers: 0.32 in
the table, ~0.23 in the draws); the count variables keep theirs.

The fitted tables are committed as ``follower_profiles.json`` beside this module, so the
simulator runs on a machine without the real data; ``scripts/fit_follower_profiles.py`` refits.
The JSON holds the sources and row counts it was fitted from.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

__all__ = [
    "CLASSES",
    "TABLES_FILE",
    "VARIABLES",
    "draw_profiles",
    "fit_profile_tables",
    "load_tables",
]

TABLES_FILE = Path(__file__).with_name("follower_profiles.json")
CLASSES: tuple[str, ...] = ("real", "fake")  # is_fake 0, 1
QUANTILE_VARS: tuple[str, ...] = ("followers", "following", "media_count")
DISCRETE_VARS: tuple[str, ...] = (
    "bio_length",
    "has_profile_pic",
    "is_private",
    "has_external_url",
    "username_length",
    "username_digits",
)
VARIABLES: tuple[str, ...] = QUANTILE_VARS + DISCRETE_VARS
N_QUANTILES = 101
MIN_PAIR_ROWS = 30  # fewer rows with both variables present: no correlation (0)
MIN_EIGENVALUE = 0.01  # clipping floor; leaves room for the 4-decimal rounding of the matrix
CORR_DECIMALS = 4
PROB_DECIMALS = 6
VALUE_DECIMALS = 2


def _source_weights(source: pd.Series) -> np.ndarray:
    """Row weights giving every source the same total weight (1 / number of sources)."""
    counts = source.map(source.value_counts())
    return (1.0 / counts.to_numpy(np.float64)) / source.nunique()


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Quantiles of the weighted sample: each value sits at the middle of its weight's span."""
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order] / w.sum()
    mid = np.cumsum(w) - w / 2
    return np.interp(probs, mid, x)


def _discrete_cdf(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, inverse = np.unique(x, return_inverse=True)
    mass = np.bincount(inverse, weights=w, minlength=values.size) / w.sum()
    cdf = np.cumsum(mass)
    cdf[-1] = 1.0
    return values, cdf


def _normal_scores(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Φ⁻¹ of each value's weighted mid-rank (ties share the middle of their block)."""
    values, inverse = np.unique(x, return_inverse=True)
    mass = np.bincount(inverse, weights=w, minlength=values.size) / w.sum()
    below = np.cumsum(mass) - mass
    return ndtri(np.clip(below + mass / 2, 1e-12, 1 - 1e-12))[inverse]


def _weighted_corr(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    w = w / w.sum()
    da, db = a - w @ a, b - w @ b
    va, vb = w @ (da * da), w @ (db * db)
    if va <= 1e-12 or vb <= 1e-12:
        return 0.0
    return float(w @ (da * db) / np.sqrt(va * vb))


def _nearest_pd(corr: np.ndarray) -> np.ndarray:
    """Clip eigenvalues at MIN_EIGENVALUE, rescale to a unit diagonal, round."""
    vals, vecs = np.linalg.eigh((corr + corr.T) / 2)
    fixed = (vecs * np.maximum(vals, MIN_EIGENVALUE)) @ vecs.T
    d = np.sqrt(np.diag(fixed))
    fixed = np.round(fixed / np.outer(d, d), CORR_DECIMALS)
    np.fill_diagonal(fixed, 1.0)
    np.linalg.cholesky(fixed)  # raises if rounding broke positive definiteness
    return fixed


def _fit_class(rows: pd.DataFrame, name: str) -> dict[str, Any]:
    marginals: dict[str, Any] = {}
    scores: dict[str, pd.Series] = {}
    for var in VARIABLES:
        present = rows[rows[var].notna()]
        if present.empty:
            raise ValueError(f"no {name} account has {var!r}: cannot fit its distribution")
        x = present[var].to_numpy(np.float64)
        w = _source_weights(present["source"])
        if var in QUANTILE_VARS:
            probs = np.linspace(0.0, 1.0, N_QUANTILES)
            values = np.round(_weighted_quantiles(x, w, probs), VALUE_DECIMALS)
            marginals[var] = {"kind": "quantile", "values": values.tolist()}
        else:
            values, cdf = _discrete_cdf(x, w)
            marginals[var] = {
                "kind": "discrete",
                "values": np.round(values, VALUE_DECIMALS).tolist(),
                "cdf": np.round(cdf, PROB_DECIMALS).tolist(),
            }
        marginals[var]["sources"] = sorted(present["source"].unique().tolist())
        scores[var] = pd.Series(_normal_scores(x, w), index=present.index)

    k = len(VARIABLES)
    corr, pair_rows = np.eye(k), np.diag([scores[v].size for v in VARIABLES]).astype(np.int64)
    for i in range(k):
        for j in range(i + 1, k):
            a, b = scores[VARIABLES[i]], scores[VARIABLES[j]]
            both = a.index.intersection(b.index)
            pair_rows[i, j] = pair_rows[j, i] = both.size
            if both.size >= MIN_PAIR_ROWS:
                w = _source_weights(rows.loc[both, "source"])
                r = _weighted_corr(a[both].to_numpy(), b[both].to_numpy(), w)
                corr[i, j] = corr[j, i] = r
    return {
        "rows": len(rows),
        "marginals": marginals,
        "corr": _nearest_pd(corr).tolist(),
        "pair_rows": pair_rows.tolist(),
    }


def fit_profile_tables(accounts: pd.DataFrame) -> dict[str, Any]:
    """Copula tables per class from harmonised labelled accounts (``load_real_accounts``).

    Returns a JSON-ready dict (lists and rounded floats). Raises ``ValueError`` when a class has
    no rows, or no row with some variable.
    """
    missing = sorted({*VARIABLES, "is_fake", "source"} - set(accounts.columns))
    if missing:
        raise ValueError(f"accounts lack columns {missing}")
    classes: dict[str, Any] = {}
    for is_fake, name in enumerate(CLASSES):
        rows = accounts[accounts["is_fake"] == is_fake]
        if rows.empty:
            raise ValueError(f"no {name} accounts to fit")
        classes[name] = _fit_class(rows, name)
    counts = accounts.groupby(["source", "is_fake"]).size()
    sources = {
        str(src): {name: int(counts.get((src, i), 0)) for i, name in enumerate(CLASSES)}
        for src in accounts["source"].unique()
    }
    return {
        "about": (
            "Gaussian-copula tables of real labelled accounts' profiles per class, every source "
            "weighted equally; written by scripts/fit_follower_profiles.py, read by "
            "creator_audit.simulator.real_profiles"
        ),
        "fitted_from": {"sources": sources, "rows": len(accounts)},
        "variables": list(VARIABLES),
        "quantile_probs": np.linspace(0.0, 1.0, N_QUANTILES).round(PROB_DECIMALS).tolist(),
        "classes": classes,
    }


@functools.cache
def load_tables(path: Path = TABLES_FILE) -> dict[str, Any]:
    """The committed tables (read once per process)."""
    return json.loads(Path(path).read_text())


@functools.cache
def _compiled_default() -> list[dict[str, Any]]:
    return _compile(load_tables())


def _compile(tables: dict[str, Any]) -> list[dict[str, Any]]:
    """Per class (CLASSES order): the Cholesky factor and numpy arrays of each table."""
    if list(tables["variables"]) != list(VARIABLES):
        raise ValueError(f"tables are for {tables['variables']}, expected {list(VARIABLES)}")
    probs = np.asarray(tables["quantile_probs"], dtype=np.float64)
    out = []
    for name in CLASSES:
        cls = tables["classes"][name]
        marginals = {}
        for var in VARIABLES:
            m = cls["marginals"][var]
            values = np.asarray(m["values"], dtype=np.float64)
            if m["kind"] == "quantile":
                marginals[var] = ("quantile", probs, np.log1p(np.maximum(values, 0)))
            else:
                marginals[var] = ("discrete", np.asarray(m["cdf"], dtype=np.float64), values)
        chol = np.linalg.cholesky(np.asarray(cls["corr"], dtype=np.float64))
        out.append({"chol": chol, "marginals": marginals})
    return out


def _invert(u: np.ndarray, table: tuple[str, np.ndarray, np.ndarray]) -> np.ndarray:
    kind, probs, values = table
    if kind == "quantile":
        return np.expm1(np.interp(u, probs, values))
    idx = np.searchsorted(probs, u, side="left")  # the smallest value with CDF >= u
    return values[np.minimum(idx, values.size - 1)]


def draw_profiles(
    rng: np.random.Generator, fake: np.ndarray, tables: dict[str, Any] | None = None
) -> dict[str, np.ndarray]:
    """One profile per entry of ``fake`` (bool): fake ones from the fake class's tables.

    Counts (followers, following, media_count, bio_length, username_length, username_digits) are
    int64 >= 0, the flags float64 0/1. username_length >= 1 and username_digits <=
    username_length - 1 (no real account in the data is all digits). ``tables`` defaults to the
    committed ``follower_profiles.json``.
    """
    fake = np.asarray(fake, dtype=bool)
    compiled = _compiled_default() if tables is None else _compile(tables)
    out = {var: np.empty(fake.size, dtype=np.float64) for var in VARIABLES}
    for is_fake, cls in enumerate(compiled):
        rows = np.flatnonzero(fake == bool(is_fake))
        u = ndtr(cls["chol"] @ rng.standard_normal((len(VARIABLES), rows.size)))
        for j, var in enumerate(VARIABLES):
            out[var][rows] = _invert(u[j], cls["marginals"][var])
    counts = (*QUANTILE_VARS, "bio_length", "username_length", "username_digits")
    for var in counts:
        out[var] = np.maximum(np.round(out[var]), 0).astype(np.int64)
    out["username_length"] = np.maximum(out["username_length"], 1)
    out["username_digits"] = np.minimum(out["username_digits"], out["username_length"] - 1)
    return out
