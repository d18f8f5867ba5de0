"""The fraud and genuine behaviours the model has to learn are present, and not trivial."""

from __future__ import annotations

import numpy as np
import pandas as pd

from creator_audit.simulator.config import SNAPSHOT

SNAP = pd.Timestamp(SNAPSHOT, unit="s", tz="UTC")


def _rise_within_3_days(sim) -> pd.Series:
    """Largest relative rise of each follower series over 3 days (a <= 48 h step spans <= 3)."""
    fc = sim.follower_counts.copy()
    fc["day"] = (fc["at"].dt.floor("D") - SNAP.floor("D")).dt.days
    wide = fc.pivot_table(index="creator_id", columns="day", values="followers", aggfunc="last")
    wide = wide.ffill(axis=1).to_numpy(dtype=float)
    rise = (wide[:, 3:] - wide[:, :-3]) / np.maximum(wide[:, :-3], 1)
    return pd.Series(
        np.nanmax(rise, axis=1), index=fc["creator_id"].drop_duplicates().sort_values()
    )


def test_fake_followers_show_a_step_in_the_history(sim):
    labels = sim.labels.set_index("creator_id")
    rise = _rise_within_3_days(sim)
    case = labels.loc[rise.index]
    bought = rise[(case["label"] == "fake_followers") & (case["hard_case"] != "pre_window")]
    organic = rise[(case["label"] == "genuine") & (case["hard_case"] == "none")]
    assert (bought >= 0.05).mean() >= 0.9
    assert (organic >= 0.05).mean() <= 0.05
    # Giveaways also jump (a genuine look-alike), so a step alone must not decide.
    giveaway = rise[case["hard_case"] == "giveaway"]
    assert (giveaway >= 0.05).mean() >= 0.8


def test_about_half_of_genuine_engagement_in_the_first_hour(events):
    e = events
    old = e[(e["age"] > 7 * 86_400) & (e["label"] == "genuine") & (e["hard_case"] == "none")]
    share = (old["delay"] < 3_600).mean()
    assert 0.42 <= share <= 0.62, share
    assert (old["delay"] > 86_400).mean() > 0.05  # a long tail over days


def test_pod_members_recur_across_posts_and_creators(events):
    e = events
    comments = e[e["kind"] == "comment"]
    posts_per_creator = e.groupby("creator_id")["post_id"].nunique()
    reach = comments.groupby(["creator_id", "actor_id"])["post_id"].nunique().reset_index()
    reach["share"] = reach["post_id"] / reach["creator_id"].map(posts_per_creator)
    reach["label"] = reach["creator_id"].map(e.groupby("creator_id")["label"].first())
    # Share of a creator's commenters who come back on at least half of its posts.
    loyal = (reach["share"] >= 0.5).groupby(reach["creator_id"]).mean()
    by_label = loyal.groupby(reach.groupby("creator_id")["label"].first()).median()
    assert by_label["engagement_pod"] > 2 * by_label["genuine"], by_label
    # The same member ids come back for several creators of one pod.
    regulars = reach[(reach["label"] == "engagement_pod") & (reach["share"] >= 0.5)]
    creators_per_actor = regulars.groupby("actor_id")["creator_id"].nunique()
    assert (creators_per_actor >= 2).mean() > 0.3, (creators_per_actor >= 2).mean()
    pod_comments = comments[comments["label"] == "engagement_pod"]
    # Pod members repeat their own wording post after post.
    per_member = pod_comments.groupby(["creator_id", "actor_id"])["text"]
    repeat = 1 - per_member.nunique() / per_member.size()
    assert repeat[per_member.size() >= 3].median() > 0.3


def test_bought_likes_come_in_bursts_from_one_off_accounts(events):
    e = events
    likes = e[(e["kind"] == "like") & (e["age"] > 4 * 86_400)]
    actor_reuse = likes.groupby(["creator_id", "actor_id"]).size().groupby("creator_id").mean()
    label = likes.groupby("creator_id")["label"].first()
    reuse = actor_reuse.groupby(label).median()
    assert reuse["bot_engagement"] < reuse["genuine"]
    # Busiest 10-minute window of each post holds more of the likes for bots than for genuine.
    likes = likes.assign(slot=(likes["delay"] // 600).astype(int))
    per_slot = likes.groupby(["post_id", "slot"]).size()
    peak = per_slot.groupby("post_id").max() / per_slot.groupby("post_id").sum()
    post_label = likes.groupby("post_id")["label"].first()
    peak_by = peak.groupby(post_label).median()
    assert peak_by["bot_engagement"] > peak_by["genuine"], peak_by


def test_classes_overlap_on_engagement_rate(sim):
    """Engagement rate alone must not separate the classes (hard, not trivial)."""
    per = sim.posts.groupby("creator_id")["likes"].mean()
    er = per / sim.creators.set_index("creator_id")["followers"]
    label = sim.labels.set_index("creator_id")["label"]
    genuine = er[label == "genuine"]
    lo, hi = genuine.quantile([0.05, 0.95])
    for cls in ("fake_followers", "engagement_pod", "bot_engagement"):
        inside = er[label == cls].between(lo, hi).mean()
        assert inside > 0.5, (cls, inside)


def test_fake_followers_samples_look_more_fake(sim):
    fs = sim.follower_samples
    label = fs["creator_id"].map(sim.labels.set_index("creator_id")["label"])
    fake_look = (fs["has_profile_pic"] == 0) & (fs["media_count"] <= 2)
    share = (
        fake_look.groupby(fs["creator_id"]).mean().groupby(label.groupby(fs["creator_id"]).first())
    )
    med = share.median()
    assert med["fake_followers"] > 2 * med["genuine"]
    assert 0.0 < med["genuine"] < 0.1
