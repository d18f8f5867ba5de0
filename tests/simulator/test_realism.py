"""Genuine simulated creators look like real, small, genuine Instagram accounts.

Reference: InstaFake non-automated genuine accounts (``/work/shared/data``, see its README). For
simulated genuine creators in the real accounts' follower range, each real account is matched to
the simulated creator nearest in log followers (so both sides have the same size mix), then the
per-creator distributions are compared with two-sample KS statistics. Both sides are measured on
the posts the features use (the most recent 24 settled posts): over a whole history, old posts
understate today's engagement, and the simulator is calibrated to the recent level.

Figures at the time of writing, KS on the test's 3,000 creators (seed 1): likes/followers 0.139,
comments/likes 0.121, likes CV 0.084, median gap between posts 0.150, likes slope 0.164. About a
hundred distinct simulated creators fall in the range at 3,000 creators, so the statistic moves
with the seed (likes/followers 0.13-0.16 and comments/likes 0.07-0.21 over seeds 1, 2 and 5 of
an earlier version); the bound leaves room for that. The later checks (comments per like against
size, newcomers, flops, comment lumpiness) use every simulated genuine creator in the range, not a
matched sample: its few distinct creators per size left those statistics to chance.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from creator_audit.dataset.types import epoch_seconds
from features._tables import RECENT_POSTS

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "instafake"
REAL_FILE = REAL / "nonautomated-genuine-part-a.json"
KS_BOUND = 0.2
FOLLOWER_RANGE = (100, 2_000)
CV_MIN_POSTS = 10  # a creator's likes CV over fewer recent posts is mostly noise
SLOPE_MIN_POSTS = 5  # fewer posts draw a newcomer's extra comments from friends
SLOPE_TOLERANCE = 0.2  # the two slopes' standard errors combined are ~0.12
NEWCOMER_POSTS = 8  # accounts showing this many posts or fewer are new: friends like them
NEWCOMER_SPLIT = 350  # followers: about the real accounts' median
DIP_LEVEL, DIP_NEIGHBOURS = 0.5, 7
MANY_COMMENTS = 3.0  # per post: where the per-post lumpiness beyond Poisson shows
SNAPSHOT = pd.Timestamp("2026-06-01T00:00:00Z")  # the simulator's fixed snapshot
DAY = 86_400.0


def _recent(values, times) -> np.ndarray:
    """The RECENT_POSTS posts before the newest (which is under a day old at the default
    snapshot and still filling up): the posts the features judge a creator by."""
    order = np.argsort(-np.asarray(times), kind="stable")[1 : RECENT_POSTS + 1]
    return np.asarray(values, dtype=np.float64)[order]


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    """Per real account in FOLLOWER_RANGE, the measures ``simulated`` has, under the same names."""
    records = json.loads(REAL_FILE.read_text())
    rows = []
    for r in records:
        if len(r["mediaLikeNumbers"]) < 2:
            continue
        if not FOLLOWER_RANGE[0] <= r["userFollowerCount"] <= FOLLOWER_RANGE[1]:
            continue
        seconds = _recent(r["mediaUploadTimes"], r["mediaUploadTimes"])
        likes = _recent(r["mediaLikeNumbers"], r["mediaUploadTimes"])
        comments = _recent(r["mediaCommentNumbers"], r["mediaUploadTimes"])
        measurable = len(likes) >= CV_MIN_POSTS and likes.mean() > 0
        gap, slope = _pace_and_trend(likes, seconds)
        rows.append(
            {
                "followers": float(r["userFollowerCount"]),
                "mean_likes": likes.mean(),
                "comments": comments.sum(),
                "likes": likes.sum(),
                "likes_cv": likes.std() / likes.mean() if measurable else np.nan,
                "median_gap_days": gap,
                "likes_slope": slope,
                "posts": float(len(likes)),
                "dip_share": _dip_share(likes, seconds),
                "comments_cv": comments.std() / comments.mean() if comments.mean() > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _pace_and_trend(likes, seconds) -> tuple[float, float]:
    """Median days between a creator's recent posts, and the slope of log(1 + likes) from the
    oldest of them (0) to the newest (1); NaN below CV_MIN_POSTS posts."""
    if len(likes) < CV_MIN_POSTS:
        return np.nan, np.nan
    order = np.argsort(seconds)
    days = np.asarray(seconds, dtype=np.float64)[order] / DAY
    log_likes = np.log1p(np.asarray(likes, dtype=np.float64)[order])
    slope = np.polyfit(np.linspace(0.0, 1.0, len(days)), log_likes, 1)[0]
    return float(np.median(np.diff(days))), float(slope)


def _dip_share(likes, seconds) -> float:
    """Share of a creator's recent posts with under DIP_LEVEL times the likes of the posts around
    them (the median of the DIP_NEIGHBOURS nearest in time, itself included); NaN below
    CV_MIN_POSTS posts or a median under 10 likes, where a dip is mostly chance."""
    likes = np.asarray(likes, dtype=np.float64)[np.argsort(seconds)]
    if len(likes) < CV_MIN_POSTS or np.median(likes) < 10:
        return np.nan
    local = pd.Series(likes).rolling(DIP_NEIGHBOURS, center=True, min_periods=4).median()
    return float(np.mean(likes < DIP_LEVEL * local.to_numpy()))


def _matched_sim(per: pd.DataFrame, followers: pd.Series) -> pd.DataFrame:
    """For each real account, the simulated creator nearest in log followers."""
    log_f = np.log(per["followers"].to_numpy())
    want = np.log(followers.to_numpy())
    pos = np.clip(np.searchsorted(log_f, want), 1, len(log_f) - 1)
    nearest = np.where(np.abs(log_f[pos - 1] - want) <= np.abs(log_f[pos] - want), pos - 1, pos)
    return per.iloc[nearest]


@pytest.fixture(scope="module")
def simulated(sim) -> pd.DataFrame:
    return _simulated_accounts(sim)


def _simulated_accounts(sim) -> pd.DataFrame:
    """Per simulated genuine creator in FOLLOWER_RANGE, the real accounts' measures, by size."""
    posts = sim.posts.merge(sim.labels, on="creator_id")
    posts = posts[posts["posted_at"] <= SNAPSHOT - pd.Timedelta(days=1)]  # settled posts only
    newest_first = posts.sort_values("posted_at", ascending=False)
    posts = newest_first.groupby("creator_id").head(RECENT_POSTS)
    genuine = posts[posts["label"] == "genuine"]
    per = genuine.groupby("creator_id").agg(
        mean_likes=("likes", "mean"),
        likes=("likes", "sum"),
        comments=("comments", "sum"),
        likes_sd=("likes", lambda x: x.std(ddof=0)),
        comments_sd=("comments", lambda x: x.std(ddof=0)),
        posts=("likes", "size"),
    )
    enough = (per["posts"] >= CV_MIN_POSTS) & (per["mean_likes"] > 0)
    per["likes_cv"] = (per["likes_sd"] / per["mean_likes"]).where(enough)
    per["comments_cv"] = per["comments_sd"] / (per["comments"] / per["posts"])
    pace = {
        creator: (
            *_pace_and_trend(g["likes"].to_numpy(), seconds := epoch_seconds(g["posted_at"])),
            _dip_share(g["likes"].to_numpy(), seconds),
        )
        for creator, g in genuine.groupby("creator_id")
    }
    per[["median_gap_days", "likes_slope", "dip_share"]] = pd.DataFrame.from_dict(
        pace, orient="index"
    )
    per["followers"] = sim.creators.set_index("creator_id")["followers"].astype(np.float64)
    return per[per["followers"].between(*FOLLOWER_RANGE)].sort_values("followers")


def _comments_per_like(accounts: pd.DataFrame) -> np.ndarray:
    liked = accounts[accounts["likes"] > 0]
    return (liked["comments"] / liked["likes"]).to_numpy()


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_FILE.exists(), reason="real data folder absent")
def test_genuine_engagement_matches_real_small_accounts(real, simulated):
    matched = _matched_sim(simulated, real["followers"])
    er_real = (real["mean_likes"] / real["followers"]).to_numpy()
    er_sim = (matched["mean_likes"] / matched["followers"]).to_numpy()
    ks_er = ks_2samp(er_real, er_sim).statistic
    cl_real, cl_sim = _comments_per_like(real), _comments_per_like(matched)
    ks_cl = ks_2samp(cl_real, cl_sim).statistic
    assert ks_er <= KS_BOUND, ks_er
    assert ks_cl <= KS_BOUND, ks_cl
    # Real medians on recent posts: likes/followers 0.197, comments/likes 0.023 (the data README
    # quotes 0.16 and 0.024 over whole histories).
    assert 0.15 <= np.median(er_sim) <= 0.25
    assert 0.018 <= np.median(cl_sim) <= 0.035


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_FILE.exists(), reason="real data folder absent")
def test_genuine_likes_are_as_steady_as_real_small_accounts(real, simulated):
    """Real small accounts' likes vary little from post to post (CV 10/50/90 %: 0.16/0.31/0.58).
    Simulated genuine creators that vary more leave the steady real accounts to the bought-likes
    class, whose boosted likes are steady too: the model then flags real genuine accounts."""
    matched = _matched_sim(simulated, real["followers"])
    cv_real = real["likes_cv"].dropna().to_numpy()
    cv_sim = matched["likes_cv"].dropna().to_numpy()
    assert ks_2samp(cv_real, cv_sim).statistic <= KS_BOUND
    assert np.quantile(cv_sim, 0.1) <= np.quantile(cv_real, 0.1) + 0.03


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_FILE.exists(), reason="real data folder absent")
def test_genuine_posting_pace_and_likes_trend_match_real_small_accounts(real, simulated):
    """Real small accounts post about every 14 days (median gap 5/50/95 %: 2/13/46 d over their
    recent posts), so those posts span a year or more and likes rise with the audience across them
    (log-likes slope 5/50/95 %: -0.31/0.39/1.71). A simulator posting twice as often showed half
    that ramp, and a model trained on it read a real account's steady ramp as bought likes."""
    matched = _matched_sim(simulated, real["followers"])
    for name in ("median_gap_days", "likes_slope"):
        real_values = real[name].dropna().to_numpy()
        sim_values = matched[name].dropna().to_numpy()
        statistic = ks_2samp(real_values, sim_values).statistic
        assert statistic <= KS_BOUND, (name, statistic)


def _comment_size_slope(accounts: pd.DataFrame) -> float:
    """Slope of log(comments / likes) on log followers, over accounts with SLOPE_MIN_POSTS+ posts
    and some comments."""
    a = accounts[(accounts["posts"] >= SLOPE_MIN_POSTS) & (accounts["comments"] > 0)]
    a = a[a["likes"] > 0]
    return float(np.polyfit(np.log(a["followers"]), np.log(a["comments"] / a["likes"]), 1)[0])


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_FILE.exists(), reason="real data folder absent")
def test_genuine_comments_per_like_fall_with_audience_like_real_small_accounts(real, simulated):
    """Real small accounts draw fewer comments per like the more followers they have (slope of
    log comments/likes on log followers over the recent posts -0.48, bootstrap sd 0.10: medians
    0.037 at 100-200 followers, 0.018 at 400-800). With a flat ratio the simulator gave genuine
    400-900-follower creators 0.03 (slope about 0), and the model read the real ones with a high
    like rate and 1-2 % comments as bought likes. Simulated seeds 1, 2, 5 and 9: -0.34 to -0.48."""
    real_slope, sim_slope = _comment_size_slope(real), _comment_size_slope(simulated)
    assert -0.7 <= real_slope <= -0.3, real_slope  # what the simulator is calibrated to
    assert abs(sim_slope - real_slope) <= SLOPE_TOLERANCE, (sim_slope, real_slope)


def _newcomer_shares(accounts: pd.DataFrame) -> tuple[float, float]:
    """Share of accounts with NEWCOMER_POSTS recent posts or fewer, under and over NEWCOMER_SPLIT
    followers."""
    new, small = accounts["posts"] <= NEWCOMER_POSTS, accounts["followers"] < NEWCOMER_SPLIT
    return float(new[small].mean()), float(new[~small].mean())


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_FILE.exists(), reason="real data folder absent")
def test_newcomers_are_small_like_real_accounts(real, simulated):
    """Real accounts showing a handful of posts are small ones: 20 % of those under 350 followers,
    7 % of those over. A simulator giving every size the same share (10 %) had few newcomers
    where the real ones are, and the model judged those from a sparse corner of its data."""
    real_small, real_large = _newcomer_shares(real)
    sim_small, sim_large = _newcomer_shares(simulated)
    assert real_small >= 2 * real_large, (real_small, real_large)  # the calibration target
    assert abs(sim_small - real_small) <= 0.1, (sim_small, real_small)
    assert abs(sim_large - real_large) <= 0.05, (sim_large, real_large)
    assert sim_small >= 2 * sim_large, (sim_small, sim_large)


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_FILE.exists(), reason="real data folder absent")
def test_genuine_posts_flop_as_often_as_real_small_accounts(real, simulated):
    """Now and then a real post draws far fewer likes than the posts around it: 39 % of real small
    accounts have at least one post under half the local level in their recent posts (2.6 % of
    posts). Post noise alone gave 15 %, so a dip read as the unboosted posts of bought likes."""
    real_any, sim_any = (float((a["dip_share"].dropna() > 0).mean()) for a in (real, simulated))
    assert real_any >= 0.3, real_any  # what the simulator is calibrated to
    assert abs(sim_any - real_any) <= 0.12, (sim_any, real_any)


def _well_commented_cv(accounts: pd.DataFrame) -> float:
    """Median comments CV of the accounts with MANY_COMMENTS+ comments over CV_MIN_POSTS+ posts."""
    many = accounts["comments"] / accounts["posts"] >= MANY_COMMENTS
    return float(accounts.loc[many & (accounts["posts"] >= CV_MIN_POSTS), "comments_cv"].median())


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_FILE.exists(), reason="real data folder absent")
def test_well_commented_genuine_posts_are_as_steady_as_real_ones(real, simulated):
    """Real comments are lumpy, but less so the more comments a post draws: accounts with 3+
    comments per recent post have a comments CV of about 0.9 (1.7 at 0.5-1 per post). A fixed
    per-post spread kept simulated genuine creators above 1.1 at any level, so a real account's
    steady comments read as bought ones."""
    real_cv, sim_cv = (_well_commented_cv(a) for a in (real, simulated))
    assert real_cv <= 1.05, real_cv  # the calibration target
    assert abs(sim_cv - real_cv) <= 0.12, (sim_cv, real_cv)
