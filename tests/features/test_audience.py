import numpy as np
import pytest

from features.audience import GROWTH_COLUMNS, SAMPLE_COLUMNS
from features.fake_share import ShareRates
from tests.features.families import audience_features
from tests.features.frames import (
    DAY,
    T0,
    FollowsManyIsFake,
    creators,
    empty,
    follower_counts,
    follower_samples,
    posts,
)


@pytest.fixture
def tables():
    c = creators(
        {
            "creator_id": "a",
            "followers": 1_000,
            "following": 500,
            "media_count": 7,
            "snapshot_at": T0 + 60 * DAY,
        },
        {"creator_id": "b"},
        {"creator_id": "c"},
    )
    p = posts(
        {"creator_id": "a", "post_id": "before", "posted_at": T0 - 10 * DAY, "likes": 100},
        {"creator_id": "a", "post_id": "after1", "posted_at": T0 + 5 * DAY, "likes": 50},
        {"creator_id": "a", "post_id": "after2", "posted_at": T0 + 6 * DAY, "likes": 70},
        {"creator_id": "a", "post_id": "far", "posted_at": T0 + 50 * DAY, "likes": 999},
    )
    levels = {"a": [10_000, 10_000, 15_000, 14_000, 14_500], "b": [1_000, 1_000, 1_000]}
    fc = follower_counts(
        *(
            {"creator_id": cid, "at": T0 + d * DAY, "followers": f}
            for cid, series in levels.items()
            for d, f in enumerate(series)
        )
    )
    fs = follower_samples(
        {
            "creator_id": "a",
            "account_id": "s1",
            "followers": 0,
            "following": 2_000,
            "media_count": 0,
            "username": "user12345",
            "has_profile_pic": 0,
            "is_private": 0,
            "bio_length": 0,
        },
        {
            "creator_id": "a",
            "account_id": "s2",
            "followers": 100,
            "following": 100,
            "media_count": 10,
            "username": "anna",
            "has_profile_pic": 1,
            "is_private": 1,
            "bio_length": 20,
        },
        {
            "creator_id": "a",
            "account_id": "s3",
            "followers": 50,
            "following": 1_600,
            "media_count": 0,
            "username": "bob_7",
            "is_private": 0,
        },
        {
            "creator_id": "a",
            "account_id": "s4",
            "followers": 999,
            "following": 10,
            "media_count": 5,
            "username": "jo99",
            "has_profile_pic": 1,
            "bio_length": 5,
        },
    )
    return c, p, fc, fs


def test_profile_ratios(tables):
    a = audience_features(*tables).loc["a"]
    assert a["log_follower_following_ratio"] == pytest.approx(np.log(1_001 / 501))
    assert a["media_count"] == 7


def test_follower_jump_of_5000_in_a_day(tables):
    out = audience_features(*tables)
    a = out.loc["a"]
    assert a["follower_jump_48h_rel"] == pytest.approx(0.5)
    assert a["follower_jump_48h_abs"] == pytest.approx(5_000)
    assert a["follower_growth_log_per_30d"] == pytest.approx(
        (np.log1p(14_500) - np.log1p(10_000)) / (4 / 30)
    )
    assert a["follower_drop_after_jump"] == pytest.approx(1_000 / 5_000)  # 15,000 -> 14,000
    assert a["likes_after_jump_ratio"] == pytest.approx(60 / 100)  # "far" is beyond 45 days


def test_flat_and_missing_follower_counts(tables):
    out = audience_features(*tables)
    flat, absent = out.loc["b"], out.loc["c"]
    assert flat["follower_jump_48h_rel"] == 0.0
    assert flat["follower_growth_log_per_30d"] == 0.0
    assert np.isnan(flat["follower_drop_after_jump"])  # no jump to follow up on
    assert np.isnan(flat["likes_after_jump_ratio"])
    assert absent[list(GROWTH_COLUMNS)].isna().all()


def test_follower_sample_shares(tables):
    out = audience_features(*tables)
    a = out.loc["a"]
    assert a["sample_size"] == 4
    assert a["sample_no_pic_share"] == pytest.approx(1 / 3)  # s3 unknown
    assert a["sample_no_posts_share"] == pytest.approx(2 / 4)
    assert a["sample_mass_following_share"] == pytest.approx(2 / 4)
    assert a["sample_digit_username_share"] == pytest.approx(2 / 4)  # user12345, jo99
    assert a["sample_private_share"] == pytest.approx(1 / 3)
    assert a["sample_empty_bio_share"] == pytest.approx(1 / 3)
    median = (np.log1p(50) + np.log1p(100)) / 2
    assert a["sample_log_followers_median"] == pytest.approx(median)
    # s1 shows all six red flags, s3 two (no posts, mass following), s4 one (jo99), s2 none.
    assert a["sample_red_flag_share"] == pytest.approx(2 / 4)
    assert out.loc["b", list(SAMPLE_COLUMNS)].isna().all()


def test_missing_and_empty_tables(tables):
    c, p, _, _ = tables
    for fc, fs in ((None, None), (empty("follower_counts"), empty("follower_samples"))):
        out = audience_features(c, p, fc, fs)
        assert out[list(GROWTH_COLUMNS + SAMPLE_COLUMNS)].isna().all().all()
        assert out["media_count"].notna().all()


def test_fake_share_of_a_hand_made_sample_with_its_margin():
    c = creators({"creator_id": "a"}, {"creator_id": "b"})
    p = posts({"creator_id": "a", "post_id": "p", "posted_at": T0})
    # Creator a: 10 sampled followers, 4 following thousands (the stand-in model calls them
    # fake), 3 influencers (over 5,000 followers, following few), 2 ordinary accounts, and a big
    # account following 1,600: fake to the stand-in, too many followed to be an influencer.
    sample = [{"following": 2_000}] * 4 + [{"followers": 9_000, "following": 300}] * 2
    sample += [{"followers": 20_000, "following": 900}] + [{}] * 2
    sample += [{"followers": 6_000, "following": 1_600}]  # follows too many to be an influencer
    fs = follower_samples(
        *({"creator_id": "a", "account_id": f"f{i}"} | row for i, row in enumerate(sample))
    )
    out = audience_features(c, p, None, fs, FollowsManyIsFake())
    a = out.loc["a"]
    assert a["sample_fake_share"] == pytest.approx(5 / 10)  # 4 + the big account
    # Wilson 95% interval for 5 of 10: 0.5 ± 0.263.
    assert a["sample_fake_share_ci95"] == pytest.approx(0.2634, abs=1e-3)
    assert a["sample_influencer_share"] == pytest.approx(3 / 10)
    assert out.loc["b", ["sample_fake_share", "sample_fake_share_ci95"]].isna().all()


def test_fake_share_is_missing_without_an_account_model(tables):
    out = audience_features(*tables)
    assert out["sample_fake_share"].isna().all()
    assert out.loc["a", "sample_influencer_share"] == 0.0  # the rule needs no model


def test_fake_share_feature_is_the_adjusted_estimate_with_the_model_s_rates():
    """With error rates, the feature is the audience estimate, not the flagged share: a model
    that flags 10% of real accounts and catches 90% of fakes reads 4 of 10 flagged as 3/8."""
    c = creators({"creator_id": "a"})
    p = posts({"creator_id": "a", "post_id": "p", "posted_at": T0})
    sample = [{"following": 2_000}] * 4 + [{}] * 6
    fs = follower_samples(
        *({"creator_id": "a", "account_id": f"f{i}"} | row for i, row in enumerate(sample))
    )
    rates = ShareRates(fpr=(0.1, 0.1), tpr=(0.9, 0.9), n_real=(1_000,) * 2, n_fake=(1_000,) * 2)
    out = audience_features(c, p, None, fs, FollowsManyIsFake(rates)).loc["a"]
    assert out["sample_fake_share"] == pytest.approx((0.4 - 0.1) / 0.8)
    assert 0.1 < out["sample_fake_share_ci95"] < 0.5


def test_growth_shape_sees_a_decline_that_flattens():
    """Readings every 5 days for 60 days: one creator loses 2% of a purchase's remainder a day
    (a purchase made before the history starts), one grows on a straight line."""
    days = np.arange(0, 61, 5)
    organic, bought = 10_000.0, 10_000.0 * np.exp(-0.02 * days)
    series = {"purged": organic + bought, "steady": 10_000.0 * np.exp(0.002 * days)}
    c = creators({"creator_id": "purged"}, {"creator_id": "steady"}, {"creator_id": "two"})
    fc = follower_counts(
        *(
            {"creator_id": cid, "at": T0 + int(d) * DAY, "followers": round(f)}
            for cid, levels in series.items()
            for d, f in zip(days, levels, strict=True)
        ),
        {"creator_id": "two", "at": T0, "followers": 500},
        {"creator_id": "two", "at": T0 + DAY, "followers": 510},
    )
    out = audience_features(c, empty("posts"), fc, None)
    log_purged = np.log1p(np.round(series["purged"]))
    first, second = days <= 30, days >= 35
    per_30d = days / 30
    expected = (
        np.polyfit(per_30d[second], log_purged[second], 1)[0]
        - np.polyfit(per_30d[first], log_purged[first], 1)[0]
    )
    assert out.loc["purged", "follower_growth_curvature"] == pytest.approx(expected)
    assert expected > 0.05  # the decline flattens: the second half falls far less
    steady = out.loc["steady"]
    assert abs(steady["follower_growth_curvature"]) < 1e-3
    assert (
        steady["follower_growth_residual_sd"]
        < 1e-3
        < out.loc["purged", "follower_growth_residual_sd"]
    )
    # Two readings: a line fits them exactly, and each half has a single reading.
    assert out.loc["two", ["follower_growth_curvature", "follower_growth_residual_sd"]].isna().all()
