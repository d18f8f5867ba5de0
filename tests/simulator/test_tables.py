"""Contract shape of the simulated dataset: tables, columns, canonical dtypes, ids, determinism."""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest

from creator_audit.atomic import MARKER
from creator_audit.dataset import dataset_from_frames
from creator_audit.schema import ENGAGEMENT_KINDS, LABELS, TABLES
from creator_audit.simulator import generate, generate_to_dir
from creator_audit.simulator.config import (
    DAY,
    HARD_CASES,
    OLDEST_POST,
    POSTS_MIN,
    SNAPSHOT,
    SQUEEZE_AFTER_DAYS,
)
from creator_audit.simulator.posts import Posts, squeeze_into_history

SNAP = pd.Timestamp(SNAPSHOT, unit="s", tz="UTC")


def _check_dtype(series: pd.Series, kind: str) -> None:
    if kind in ("str", "label", "kind"):
        assert isinstance(series.dtype, pd.StringDtype), (series.name, series.dtype)
    elif kind == "count":
        assert series.dtype == np.int64, (series.name, series.dtype)
        assert (series >= 0).all(), series.name
    elif kind == "timestamp":
        assert series.dtype == "datetime64[ns, UTC]", (series.name, series.dtype)
        assert series.notna().all(), series.name
    else:  # optional int / bool traits: float64 with NaN for missing
        assert series.dtype == np.float64, (series.name, series.dtype)


def test_all_tables_with_schema_columns_and_canonical_dtypes(sim):
    tables = sim.tables()
    assert set(tables) == set(TABLES)
    for name, table in TABLES.items():
        frame = tables[name]
        assert len(frame) > 0, name
        assert set(table.required_columns) <= set(frame.columns), name
        for col in table.columns:
            if col.name in frame:
                _check_dtype(frame[col.name], col.kind)
        if table.unique:
            assert not frame.duplicated(list(table.unique)).any(), name
    assert set(sim.labels["label"]) == set(LABELS)
    assert set(sim.labels["hard_case"]) <= set(HARD_CASES)
    assert set(sim.engagements["kind"]) == set(ENGAGEMENT_KINDS)


def test_referential_integrity_and_times(sim, events):
    creators = set(sim.creators["creator_id"])
    for name in ("posts", "follower_counts", "follower_samples", "labels"):
        assert set(getattr(sim, name)["creator_id"]) <= creators, name
    assert len(sim.labels) == len(sim.creators)
    assert (events["delay"] >= 0).all()
    assert (sim.engagements["at"] <= SNAP).all()
    assert (sim.posts["posted_at"] < SNAP).all()
    n_posts = sim.posts.groupby("creator_id").size()
    media = sim.creators.set_index("creator_id")["media_count"]
    assert (media[n_posts.index] >= n_posts).all()


def test_the_simulated_dataset_passes_the_validation_files_get(sim):
    """Times after 2005 and in order, printable ids: what a file of it must hold to be read."""
    dataset_from_frames(sim.tables())


def test_a_timeline_reaching_past_instagram_is_squeezed_into_its_years():
    ages = np.array([9_000, 5_000, 3_000, 10, 2_000, 1], dtype=np.float64)  # days, oldest first
    at = (SNAPSHOT - ages * DAY).astype(np.int64)
    flags = np.zeros(at.size, dtype=bool)
    ps = Posts(np.array([0, 0, 0, 0, 1, 1]), at.copy(), np.zeros(at.size), *[flags] * 4,
               hashtags=np.zeros(at.size), has_location=np.zeros(at.size))  # fmt: skip
    squeeze_into_history(ps)
    assert ps.at[0] == OLDEST_POST  # the oldest post lands on the first day
    assert np.all(np.diff(ps.at[:4]) > 0)  # in the same order
    assert ps.at[0] < ps.at[1] < SNAPSHOT - SQUEEZE_AFTER_DAYS * DAY
    np.testing.assert_array_equal(ps.at[2:], at[2:])  # recent posts and other creators stay


def test_last_follower_count_is_the_displayed_count(sim):
    last = sim.follower_counts.sort_values("at").groupby("creator_id").last()
    shown = sim.creators.set_index("creator_id")["followers"]
    assert (last["at"] == SNAP).all()
    assert (last["followers"] == shown[last.index]).all()


def test_event_counts_match_posts(sim):
    """All comments are events; likes are a sample of at most 300 per post, never more."""
    e = sim.engagements
    posts = sim.posts.set_index("post_id").loc[e["post_id"].unique()]
    likes = e[e["kind"] == "like"].groupby("post_id").size().reindex(posts.index, fill_value=0)
    comments = e[e["kind"] == "comment"].groupby("post_id").size()
    assert (comments.reindex(posts.index, fill_value=0) == posts["comments"]).all()
    cap = np.minimum(posts["likes"], 300)
    assert (likes <= cap).all()
    assert likes.sum() >= 0.98 * cap.sum()
    assert not e[e["kind"] == "like"].duplicated(["post_id", "actor_id"]).any()
    assert e.loc[e["kind"] == "comment", "text"].notna().all()
    assert e.loc[e["kind"] == "like", "text"].isna().all()


def test_creators_showing_few_posts_have_shown_all_they_posted(sim):
    """Real exports: every account showing fewer than 24 posts has media_count equal to the posts
    shown (103 of 103); accounts showing a full window have older posts too."""
    shown = sim.posts.groupby("creator_id").size()
    media = sim.creators.set_index("creator_id")["media_count"].loc[shown.index]
    few = shown < POSTS_MIN
    assert few.sum() > 50 and (~few).sum() > 50
    assert (media[few] == shown[few]).all()
    assert (media[~few] > shown[~few]).mean() > 0.95


def test_label_proportions(sim):
    shares = sim.labels["label"].value_counts(normalize=True)
    assert (shares >= 0.08).all()
    assert shares["genuine"] == pytest.approx(0.55, abs=0.01)


def test_ids_unique_and_not_class_ordered(sim, events):
    labels = sim.labels.set_index("creator_id")["label"]
    assert sim.creators["creator_id"].is_unique and sim.posts["post_id"].is_unique
    # Neither row order nor id order tells the class: each class sits mid-way on average.
    for order in (np.arange(len(labels)), np.argsort(labels.index.to_numpy())):
        pos = pd.Series(np.linspace(0, 1, len(labels)), index=labels.iloc[order].index)
        means = pos.groupby(labels).mean()
        assert means.between(0.42, 0.58).all(), means
    # Same id formats in every class (length distribution of creator, post and actor ids).
    e = events
    for frame, col in ((sim.creators, "creator_id"), (sim.posts, "post_id"), (e, "actor_id")):
        lengths = frame[col].str.len().groupby(frame["creator_id"].map(labels)).mean()
        assert lengths.max() - lengths.min() < 0.15, (col, lengths)


def test_optional_tables_cover_a_share_independent_of_label(sim):
    labels = sim.labels.set_index("creator_id")["label"]
    with_events = sim.engagements["post_id"].unique()
    events = sim.posts.loc[sim.posts["post_id"].isin(with_events), "creator_id"]
    covered = {
        "engagements": set(events),
        "follower_counts": set(sim.follower_counts["creator_id"]),
        "follower_samples": set(sim.follower_samples["creator_id"]),
    }
    for name, who in covered.items():
        has = labels.index.isin(list(who))
        assert 0.2 <= has.mean() <= 0.9, name
        per_class = pd.Series(has, index=labels.index).groupby(labels).mean()
        assert per_class.max() - per_class.min() < 0.12, (name, per_class)


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    a, b, c = generate(150, 3), generate(150, 3), generate(150, 4)
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame, b.tables()[name])
    assert not a.posts["likes"].equals(c.posts["likes"])
    assert set(a.creators["creator_id"]) != set(c.creators["creator_id"])
    for fmt in ("parquet", "csv"):
        one = generate_to_dir(tmp_path / f"one_{fmt}", 150, 3, fmt=fmt)
        two = generate_to_dir(tmp_path / f"two_{fmt}", 150, 3, fmt=fmt)
        names = sorted(p.name for p in one.iterdir())
        assert names == sorted([MARKER, *(f"{t}.{fmt}" for t in TABLES)])
        _, mismatch, errors = filecmp.cmpfiles(one, two, names, shallow=False)
        assert not mismatch and not errors


def test_rejects_empty_request():
    with pytest.raises(ValueError):
        generate(0, 1)


def test_a_handful_of_creators_generates_whatever_classes_it_draws():
    """Six creators may draw no bot burst at all (seed 3 did, and sampling nothing crashed)."""
    for seed in range(6):
        ds = generate(6, seed=seed)
        assert len(ds.creators) == 6
        dataset_from_frames(ds.tables())
