"""Genuine simulated creators look like real, small, genuine Instagram accounts.

Reference: InstaFake non-automated genuine accounts (``/work/shared/data``, see its README). For
simulated genuine creators in the real accounts' follower range, each real account is matched to
the simulated creator nearest in log followers (so both sides have the same size mix), then the
per-creator distributions are compared with two-sample KS statistics. Both sides are measured on
the posts the features use (the most recent 24 settled posts): over a whole history, old posts
understate today's engagement, and the simulator is calibrated to the recent level.

Figures at the time of writing, KS likes/followers and comments/likes: 3,000 creators seed 1 (the
test's) 0.127 / 0.164, seed 2 0.152 / 0.207, seed 5 0.158 / 0.074; 10,000 creators 0.152 / 0.108.
About a hundred distinct simulated creators fall in the range at 3,000 creators, so the statistic
moves with the seed; the bound leaves room for that.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from features._tables import RECENT_POSTS

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "instafake"
REAL_FILE = REAL / "nonautomated-genuine-part-a.json"
KS_BOUND = 0.2
FOLLOWER_RANGE = (100, 2_000)
CV_MIN_POSTS = 10  # a creator's likes CV over fewer recent posts is mostly noise
SNAPSHOT = pd.Timestamp("2026-06-01T00:00:00Z")  # the simulator's fixed snapshot


def _recent(values, times) -> np.ndarray:
    """The RECENT_POSTS posts before the newest (which is under a day old at the default
    snapshot and still filling up): the posts the features judge a creator by."""
    order = np.argsort(-np.asarray(times), kind="stable")[1 : RECENT_POSTS + 1]
    return np.asarray(values, dtype=np.float64)[order]


def _real_accounts() -> np.ndarray:
    records = json.loads(REAL_FILE.read_text())
    rows = []
    for r in records:
        if len(r["mediaLikeNumbers"]) < 2:
            continue
        if not FOLLOWER_RANGE[0] <= r["userFollowerCount"] <= FOLLOWER_RANGE[1]:
            continue
        likes = _recent(r["mediaLikeNumbers"], r["mediaUploadTimes"])
        comments = _recent(r["mediaCommentNumbers"], r["mediaUploadTimes"])
        measurable = len(likes) >= CV_MIN_POSTS and likes.mean() > 0
        cv = likes.std() / likes.mean() if measurable else np.nan
        rows.append((r["userFollowerCount"], likes.mean(), comments.sum(), likes.sum(), cv))
    return np.array(rows, dtype=np.float64)


def _matched_sim(sim, followers: np.ndarray):
    posts = sim.posts.merge(sim.labels, on="creator_id")
    posts = posts[posts["posted_at"] <= SNAPSHOT - pd.Timedelta(days=1)]  # settled posts only
    newest_first = posts.sort_values("posted_at", ascending=False)
    posts = newest_first.groupby("creator_id").head(RECENT_POSTS)
    per = (
        posts[posts["label"] == "genuine"]
        .groupby("creator_id")
        .agg(
            mean_likes=("likes", "mean"),
            likes=("likes", "sum"),
            comments=("comments", "sum"),
            likes_sd=("likes", lambda x: x.std(ddof=0)),
            posts=("likes", "size"),
        )
    )
    enough = (per["posts"] >= CV_MIN_POSTS) & (per["mean_likes"] > 0)
    per["likes_cv"] = (per["likes_sd"] / per["mean_likes"]).where(enough)
    per["followers"] = sim.creators.set_index("creator_id")["followers"]
    per = per[per["followers"].between(*FOLLOWER_RANGE)].sort_values("followers")
    log_f = np.log(per["followers"].to_numpy())
    want = np.log(followers)
    pos = np.clip(np.searchsorted(log_f, want), 1, len(log_f) - 1)
    nearest = np.where(np.abs(log_f[pos - 1] - want) <= np.abs(log_f[pos] - want), pos - 1, pos)
    return per.iloc[nearest]


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_FILE.exists(), reason="real data folder absent")
def test_genuine_engagement_matches_real_small_accounts(sim):
    real = _real_accounts()
    matched = _matched_sim(sim, real[:, 0])
    er_real = real[:, 1] / real[:, 0]
    er_sim = (matched["mean_likes"] / matched["followers"]).to_numpy()
    ks_er = ks_2samp(er_real, er_sim).statistic
    ok_real, ok_sim = real[:, 3] > 0, matched["likes"] > 0
    cl_real = real[ok_real, 2] / real[ok_real, 3]
    cl_sim = (matched["comments"] / matched["likes"])[ok_sim].to_numpy()
    ks_cl = ks_2samp(cl_real, cl_sim).statistic
    assert ks_er <= KS_BOUND, ks_er
    assert ks_cl <= KS_BOUND, ks_cl
    # Real medians on recent posts: likes/followers 0.197, comments/likes 0.023 (the data README
    # quotes 0.16 and 0.024 over whole histories).
    assert 0.15 <= np.median(er_sim) <= 0.25
    assert 0.018 <= np.median(cl_sim) <= 0.035


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_FILE.exists(), reason="real data folder absent")
def test_genuine_likes_are_as_steady_as_real_small_accounts(sim):
    """Real small accounts' likes vary little from post to post (CV 10/50/90 %: 0.16/0.31/0.58).
    Simulated genuine creators that vary more leave the steady real accounts to the bought-likes
    class, whose boosted likes are steady too: the model then flags real genuine accounts."""
    real = _real_accounts()
    matched = _matched_sim(sim, real[:, 0])
    cv_real = real[:, 4][np.isfinite(real[:, 4])]
    cv_sim = matched["likes_cv"].dropna().to_numpy()
    assert ks_2samp(cv_real, cv_sim).statistic <= KS_BOUND
    assert np.quantile(cv_sim, 0.1) <= np.quantile(cv_real, 0.1) + 0.03
