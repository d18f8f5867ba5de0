"""The fake-share estimate by profile matching: right where the profiles fit, honest where the
sources disagree, narrower for bigger audiences up to its cap, the same alone or in a batch."""

from __future__ import annotations

import numpy as np
import pytest

from features.share_profiles import MAX_EVIDENCE, ShareProfiles, edges_for_prior, histogram

PRIOR = 0.2
EDGES = edges_for_prior(PRIOR)


def profiles(*pairs: tuple[np.ndarray, np.ndarray]) -> ShareProfiles:
    """Profiles from (real p_fake, fake p_fake) per made-up source."""
    real = tuple(tuple(histogram(r, EDGES).tolist()) for r, _ in pairs)
    fake = tuple(tuple(histogram(f, EDGES).tolist()) for _, f in pairs)
    names = tuple(f"s{i}" for i in range(len(pairs)))
    sizes = tuple(len(r) for r, _ in pairs)
    return ShareProfiles(EDGES, real, fake, names, sizes, sizes)


def scores(rng: np.random.Generator, n: int, centre: float) -> np.ndarray:
    """p_fake of n accounts around a log-likelihood-ratio centre, at the prior PRIOR."""
    llr = rng.normal(centre, 1.2, n)
    return 1 / (1 + np.exp(-(llr + np.log(PRIOR / (1 - PRIOR)))))


def audiences(rng, real, fake, share: float, size: int, count: int):
    fakes = rng.binomial(size, share, count)
    drawn = [np.concatenate([rng.choice(fake, k), rng.choice(real, size - k)]) for k in fakes]
    return np.concatenate(drawn), np.repeat(np.arange(count), size), fakes / size


def width(out: dict[str, np.ndarray]) -> np.ndarray:
    return out["fake_share_high"] - out["fake_share_low"]


def test_profiles_measured_per_group_and_label() -> None:
    p_fake = np.array([0.01, 0.02, 0.9, 0.95, 0.05, 0.99])
    y = np.array([0, 0, 1, 1, 0, 1])
    groups = np.array(["a", "a", "a", "a", "b", "b"])
    out = ShareProfiles.measure(p_fake, y, groups, PRIOR)
    assert out.sources == ("a", "b") and out.n_real == (2, 1) and out.n_fake == (2, 1)
    for row in (*out.real, *out.fake):
        assert sum(row) == pytest.approx(1.0) and min(row) > 0  # pseudo-counts: none impossible
    assert out.real[0][0] > out.fake[0][0] and out.fake[0][-1] > out.real[0][-1]
    assert ShareProfiles.from_dict(out.to_dict()) == out


def test_estimate_covers_the_truth_where_the_profiles_fit() -> None:
    rng = np.random.default_rng(0)
    real, fake = scores(rng, 5_000, -2.0), scores(rng, 5_000, 2.5)
    model = profiles((real, fake), (scores(rng, 5_000, -1.8), scores(rng, 5_000, 2.2)))
    for share in (0.0, 0.1, 0.3):
        p_fake, code, truth = audiences(rng, real, fake, share, 200, 150)
        out = model.estimate_groups(p_fake, code, 150)
        assert np.abs(out["fake_share"] - truth).mean() < 0.03
        covered = (out["fake_share_low"] <= truth) & (truth <= out["fake_share_high"])
        assert covered.mean() >= 0.9
        assert (out["fake_share_low"] <= out["fake_share"]).all()
        assert (out["fake_share"] <= out["fake_share_high"]).all()


def test_a_source_whose_real_accounts_score_like_fakes_widens_the_interval() -> None:
    """Where one labelled source's real accounts score as fakes do, a high score may be either:
    the interval says so (where the sources agree, it is narrower)."""
    rng = np.random.default_rng(1)
    real, fake = scores(rng, 5_000, -2.0), scores(rng, 5_000, 2.5)
    agree = profiles((real, fake), (scores(rng, 5_000, -2.0), scores(rng, 5_000, 2.5)))
    disagree = profiles((real, fake), (scores(rng, 5_000, 2.5), scores(rng, 5_000, 2.5)))
    p_fake, code, _ = audiences(rng, real, fake, 0.2, 200, 50)
    narrow = agree.estimate_groups(p_fake, code, 50)
    wide = disagree.estimate_groups(p_fake, code, 50)
    assert width(wide).mean() > width(narrow).mean()
    assert wide["fake_share_low"].mean() < narrow["fake_share_low"].mean()


def test_bigger_audiences_narrow_the_interval_up_to_the_cap() -> None:
    rng = np.random.default_rng(2)
    real, fake = scores(rng, 5_000, -2.0), scores(rng, 5_000, 2.5)
    model = profiles((real, fake), (scores(rng, 5_000, -1.5), scores(rng, 5_000, 2.0)))
    drawn = np.concatenate([rng.choice(fake, 40), rng.choice(real, 160)])
    usual = model.counts(drawn, np.zeros(200, dtype=np.int64), 1)  # 200 accounts, 20% fake
    assert MAX_EVIDENCE == 200
    small, big = usual / 4, usual * 5  # 50 and 1,000 accounts in the same proportions
    assert width(model.estimate(small))[0] > width(model.estimate(usual))[0] + 0.05
    # past the cap, more accounts of the same kind do not narrow it: the sources' disagreement
    # is what is left, and no number of this audience's accounts resolves it
    assert width(model.estimate(big))[0] == pytest.approx(width(model.estimate(usual))[0])


def test_same_estimate_alone_or_in_a_batch_and_empty_groups_missing() -> None:
    rng = np.random.default_rng(3)
    model = profiles((scores(rng, 2_000, -2.0), scores(rng, 2_000, 2.5)))
    p_fake = scores(rng, 300, -1.0)
    code = np.repeat([0, 2], 150)
    batch = model.estimate_groups(p_fake, code, 3)
    alone = model.estimate_groups(p_fake[150:], np.zeros(150, dtype=np.int64), 1)
    for key in batch:
        assert batch[key][2] == alone[key][0]
        assert np.isnan(batch[key][1])


def test_ragged_profiles_are_refused() -> None:
    with pytest.raises(ValueError, match="bins per profile"):
        ShareProfiles(EDGES, ((1.0,),), ((1.0,),), ("a",), (1,), (1,))
    with pytest.raises(ValueError, match="one real and one fake profile per source"):
        ShareProfiles(EDGES, (), (), (), (), ())
