"""Follower profiles from the real labelled accounts' copula tables (``real_profiles``)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from creator_audit.dataset.real_accounts import (
    INSTAGRAM_SOURCES,
    SOURCES,
    load_instagram_accounts,
)
from creator_audit.simulator import text
from creator_audit.simulator.real_profiles import (
    CLASSES,
    TABLES_FILE,
    VARIABLES,
    draw_profiles,
    fit_profile_tables,
    load_tables,
)
from tests.shared_data import SHARED

MISSING = [f for s in INSTAGRAM_SOURCES for f in SOURCES[s][0] if not (SHARED / f).is_file()]
FLAGS = ("has_profile_pic", "is_private", "has_external_url")
COUNTS = ("followers", "following", "media_count", "bio_length", "username_length")
N = 200_000


@pytest.fixture(scope="module")
def drawn() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    fake = np.arange(2 * N) % 2 == 1
    return fake, draw_profiles(np.random.default_rng(3), fake)


def _quantile(tables, name: str, var: str, p: float) -> float:
    values = tables["classes"][name]["marginals"][var]["values"]
    return values[tables["quantile_probs"].index(p)]


def _share_nonzero(tables, name: str, var: str) -> float:
    m = tables["classes"][name]["marginals"][var]
    return 1.0 - (m["cdf"][0] if m["values"][0] == 0 else 0.0)


def test_draws_reproduce_the_committed_tables(drawn) -> None:
    fake, p = drawn
    tables = load_tables()
    for is_fake, name in enumerate(CLASSES):
        rows = fake == bool(is_fake)
        for var in ("followers", "following", "media_count"):
            for q in (0.1, 0.25, 0.5, 0.75, 0.9):
                want = _quantile(tables, name, var, q)
                got = np.quantile(p[var][rows], q)
                close = abs(np.log1p(got) - np.log1p(want)) < 0.05 or abs(got - want) <= 1
                assert close, (name, var, q, got, want)  # draws are rounded to whole counts
        for var in FLAGS:
            want = _share_nonzero(tables, name, var)
            assert abs(p[var][rows].mean() - want) < 0.005, (name, var)
        for var in ("bio_length", "username_length", "username_digits"):
            m = tables["classes"][name]["marginals"][var]
            want = np.average(m["values"], weights=np.diff(m["cdf"], prepend=0.0))
            assert abs(p[var][rows].mean() / want - 1) < 0.03, (name, var)


def test_draws_keep_the_tables_correlation(drawn) -> None:
    """Continuous pairs: the rank correlation of the draws is the copula's (normal scores ~)."""
    fake, p = drawn
    corr = np.asarray(load_tables()["classes"]["real"]["corr"])
    i, j = VARIABLES.index("followers"), VARIABLES.index("following")
    rho = spearmanr(p["followers"][~fake], p["following"][~fake]).statistic
    # Spearman of a bivariate normal with correlation r: (6 / pi) asin(r / 2).
    assert abs(rho - 6 / np.pi * np.arcsin(corr[i, j] / 2)) < 0.03
    assert corr[i, j] > 0.3  # bigger accounts follow more, in the real data


def test_fake_profiles_differ_from_real_as_in_the_data(drawn) -> None:
    fake, p = drawn
    real_, fake_ = ~fake, fake
    assert np.median(p["followers"][fake_]) < np.median(p["followers"][real_]) / 3
    ratio = p["following"] / np.maximum(p["followers"], 1)
    assert np.median(ratio[fake_]) > 3 * np.median(ratio[real_])
    assert p["has_profile_pic"][fake_].mean() < p["has_profile_pic"][real_].mean() - 0.2
    assert np.median(p["media_count"][fake_]) < np.median(p["media_count"][real_])
    assert (p["bio_length"][fake_] == 0).mean() > (p["bio_length"][real_] == 0).mean() + 0.2
    assert p["username_digits"][fake_].mean() > p["username_digits"][real_].mean()


def test_flags_are_binary_and_counts_whole(drawn) -> None:
    _, p = drawn
    assert set(p) == set(VARIABLES)
    for var in FLAGS:
        assert p[var].dtype == np.float64 and np.isin(p[var], (0.0, 1.0)).all(), var
    for var in (*COUNTS, "username_digits"):
        assert p[var].dtype == np.int64 and (p[var] >= 0).all(), var
    assert (p["username_length"] >= 1).all()
    assert (p["username_digits"] < p["username_length"]).all()


def test_draws_are_deterministic_by_seed() -> None:
    fake = np.random.default_rng(0).random(5_000) < 0.3
    a, b = (draw_profiles(np.random.default_rng(11), fake) for _ in range(2))
    c = draw_profiles(np.random.default_rng(12), fake)
    for var in VARIABLES:
        np.testing.assert_array_equal(a[var], b[var])
    assert not np.array_equal(a["followers"], c["followers"])
    assert draw_profiles(np.random.default_rng(0), np.zeros(0, bool))["followers"].size == 0


def _accounts(source: str, n: int, is_fake: int, **values) -> pd.DataFrame:
    base = {var: 1.0 for var in VARIABLES} | {"username_length": 8.0, "username_digits": 0.0}
    frame = pd.DataFrame({var: np.full(n, values.get(var, base[var])) for var in VARIABLES})
    return frame.assign(is_fake=is_fake, source=source)


def _two_sources() -> pd.DataFrame:
    """Source a: 90 real accounts with 100 followers and a picture; b: 10 without, 1,000."""
    return pd.concat(
        [
            _accounts("a", 90, 0, followers=100.0, has_profile_pic=1.0),
            _accounts("b", 10, 0, followers=1_000.0, has_profile_pic=0.0),
            _accounts("a", 40, 1, followers=5.0, has_profile_pic=0.0, is_private=np.nan),
            _accounts("b", 20, 1, followers=50.0, has_profile_pic=1.0, has_external_url=np.nan),
        ],
        ignore_index=True,
    )


def test_fit_weights_each_source_equally_within_a_class() -> None:
    tables = fit_profile_tables(_two_sources())
    # Unweighted: 90 % with a picture, upper quartile 100. Source-equal: half, 1,000.
    assert _share_nonzero(tables, "real", "has_profile_pic") == pytest.approx(0.5)
    assert _quantile(tables, "real", "followers", 0.25) == 100
    assert _quantile(tables, "real", "followers", 0.75) == 1_000
    assert _share_nonzero(tables, "fake", "has_profile_pic") == pytest.approx(0.5)
    assert tables["fitted_from"]["sources"] == {
        "a": {"real": 90, "fake": 40},
        "b": {"real": 10, "fake": 20},
    }
    fake = np.zeros(20_000, bool)
    p = draw_profiles(np.random.default_rng(0), fake, tables)
    assert p["has_profile_pic"].mean() == pytest.approx(0.5, abs=0.02)
    # Followers and the picture come from the same source: (almost, after the eigenvalue
    # clipping) perfectly tied in the copula.
    assert p["has_profile_pic"][p["followers"] == 100].mean() > 0.9
    assert p["has_profile_pic"][p["followers"] == 1_000].mean() < 0.1


def test_fit_is_pairwise_complete_and_positive_definite() -> None:
    tables = fit_profile_tables(_two_sources())
    fake = tables["classes"]["fake"]
    i, j = VARIABLES.index("is_private"), VARIABLES.index("has_external_url")
    assert fake["pair_rows"][i][j] == 0 and fake["corr"][i][j] == 0
    assert fake["marginals"]["is_private"]["sources"] == ["b"]
    for name in CLASSES:
        corr = np.asarray(tables["classes"][name]["corr"])
        np.testing.assert_array_equal(corr, corr.T)
        assert (np.diag(corr) == 1).all() and np.linalg.eigvalsh(corr).min() > 0


def test_fit_fails_loudly_without_a_variable() -> None:
    accounts = _two_sources()
    accounts.loc[accounts["is_fake"] == 1, "username_digits"] = np.nan
    with pytest.raises(ValueError, match="no fake account has 'username_digits'"):
        fit_profile_tables(accounts)
    with pytest.raises(ValueError, match="no fake accounts"):
        fit_profile_tables(_two_sources().query("is_fake == 0"))


def test_committed_tables_are_small_and_say_what_they_come_from() -> None:
    assert TABLES_FILE.stat().st_size < 100_000
    tables = json.loads(TABLES_FILE.read_text())
    assert tables["variables"] == list(VARIABLES)
    sources = tables["fitted_from"]["sources"]
    assert set(sources) == set(INSTAGRAM_SOURCES)  # an Instagram audience: not Twitter's
    assert sum(c for s in sources.values() for c in s.values()) == tables["fitted_from"]["rows"]
    for name in CLASSES:
        assert tables["classes"][name]["rows"] == sum(s[name] for s in sources.values())
        assert np.linalg.eigvalsh(np.asarray(tables["classes"][name]["corr"])).min() > 0


@pytest.mark.realdata
@pytest.mark.skipif(bool(MISSING), reason=f"real account sources absent under {SHARED}: {MISSING}")
def test_committed_tables_match_a_refit_of_the_real_data() -> None:
    committed = json.loads(TABLES_FILE.read_text())
    refit = fit_profile_tables(load_instagram_accounts(SHARED))
    assert refit["fitted_from"] == committed["fitted_from"]
    for name in CLASSES:
        want, got = committed["classes"][name], refit["classes"][name]
        assert got["pair_rows"] == want["pair_rows"]
        np.testing.assert_allclose(got["corr"], want["corr"], atol=2e-4)
        for var in VARIABLES:
            assert got["marginals"][var].keys() == want["marginals"][var].keys()
            for key in ("kind", "sources"):
                assert got["marginals"][var][key] == want["marginals"][var][key], (name, var)
            # Tolerances of one unit in the last rounded digit (values 2 decimals, cdf 6).
            for key, atol in (("values", 0.011), ("cdf", 2e-6)):
                if key in want["marginals"][var]:
                    np.testing.assert_allclose(
                        got["marginals"][var][key], want["marginals"][var][key], atol=atol
                    )


def test_usernames_have_the_drawn_length_and_digits() -> None:
    length = np.array([1, 2, 5, 11, 11, 13, 30, 7])
    digits = np.array([0, 2, 5, 0, 3, 2, 4, 1])
    names = text.usernames_with(np.random.default_rng(0), length, digits).to_pylist()
    assert [len(s) for s in names] == length.tolist()
    assert [sum(c.isdigit() for c in s) for s in names] == digits.tolist()
    assert all(
        s[: len(s) - d] == s[: len(s) - d].rstrip("0123456789")
        for s, d in zip(names, digits, strict=True)
    )
    assert not any(s.rstrip("0123456789").endswith((".", "_")) for s in names)
    with pytest.raises(ValueError):
        text.usernames_with(np.random.default_rng(0), np.array([3]), np.array([4]))


def test_follower_samples_use_the_real_profiles(sim) -> None:
    fs = sim.follower_samples
    for var in FLAGS:
        assert np.isin(fs[var], (0.0, 1.0)).all(), var
    assert (fs["bio_length"] == np.round(fs["bio_length"])).all()
    names = fs["username"].astype(str)
    n_digits = names.str.count(r"\d")
    assert (n_digits < names.str.len()).all()
    assert names.str.len().between(1, 30).all()
    assert names.nunique() > 0.8 * len(names)
