"""Genuine simulated creators look like real, small, genuine Instagram accounts.

Reference: InstaFake non-automated genuine accounts (``/work/shared/data``, see its README). For
simulated genuine creators in the real accounts' follower range, each real account is matched to
the simulated creator nearest in log followers (so both sides have the same size mix), then the
per-creator distributions are compared with two-sample KS statistics.

Figures at the time of writing: with 3,000 creators (the test's, seed 1) likes/followers KS 0.10,
comments/likes KS 0.07; over seeds 1-5 and 11 at that size, 0.08-0.14 and 0.07-0.19 (about a
hundred distinct simulated creators fall in the range, so the statistic is noisy); with 10,000
creators, 0.07-0.09 and 0.10-0.12. The bound leaves room for seed noise.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import ks_2samp

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "instafake"
REAL_FILE = REAL / "nonautomated-genuine-part-a.json"
KS_BOUND = 0.2
FOLLOWER_RANGE = (100, 2_000)


def _real_accounts() -> np.ndarray:
    records = json.loads(REAL_FILE.read_text())
    rows = [
        (
            r["userFollowerCount"],
            np.mean(r["mediaLikeNumbers"]),
            sum(r["mediaCommentNumbers"]),
            sum(r["mediaLikeNumbers"]),
        )
        for r in records
        if r["mediaLikeNumbers"]
        and FOLLOWER_RANGE[0] <= r["userFollowerCount"] <= FOLLOWER_RANGE[1]
    ]
    return np.array(rows, dtype=np.float64)


def _matched_sim(sim, followers: np.ndarray):
    posts = sim.posts.merge(sim.labels, on="creator_id")
    per = (
        posts[posts["label"] == "genuine"]
        .groupby("creator_id")
        .agg(mean_likes=("likes", "mean"), likes=("likes", "sum"), comments=("comments", "sum"))
    )
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
    # Medians as published in the data README: likes/followers ~0.16, comments/likes ~0.025.
    assert 0.12 <= np.median(er_sim) <= 0.2
    assert 0.018 <= np.median(cl_sim) <= 0.035
