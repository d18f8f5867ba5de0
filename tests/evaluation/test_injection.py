"""Fraud injected into genuine creators (evaluation/injection): each injection changes only what
it says, strength 0 is the control, the seed fixes everything, a small trained model sees more of
it the stronger it is, and `creator-audit evaluate --inject` runs end to end or fails in one line.

The injections are checked on the simulated genuine creators cut to what the real ones have
(creators and posts), so the tests run without the real data; the real-data test skips without it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from creator_audit.cli import app
from creator_audit.dataset import Dataset
from creator_audit.dataset.instafake import GENUINE_FILE
from creator_audit.dataset.types import epoch_seconds
from creator_audit.dataset.validate import dataset_from_frames
from creator_audit.simulator import config as C
from evaluation.injection.base import PostIndex
from evaluation.injection.detection import (
    FOLLOWER_STEPS,
    LIKE_MULTIPLIERS,
    POD_SIZES,
    VARIANTS,
    detect_injected,
    injection_base,
)
from evaluation.injection.events import EVENT_POSTS, LIKES_SHOWN
from evaluation.injection.followers import FollowerPurchase
from evaluation.injection.likes import COVERAGE, LikePurchase
from evaluation.injection.pod import POD_WINDOW_S, PodPlan
from evaluation.real_genuine_check import check_real_genuine
from scoring.store.location import configure_tracking
from tests.training_workspace import SHARED_DATA

REAL_GENUINE = SHARED_DATA / GENUINE_FILE
SMALL = 150  # genuine creators the injection tests use
runner = CliRunner()


def _quiet(_: str) -> None:
    pass


def _genuine(ds: Dataset, limit: int | None = None) -> Dataset:
    """The dataset's genuine creators with creators and posts only, as the real ones come."""
    ids = ds.labels.loc[ds.labels["label"] == "genuine", "creator_id"].iloc[:limit]
    creators = ds.creators[ds.creators["creator_id"].isin(ids)].reset_index(drop=True)
    posts = ds.posts[ds.posts["creator_id"].isin(ids)].reset_index(drop=True)
    return Dataset(creators=creators, posts=posts, read_time=ds.read_time)


@pytest.fixture(scope="module")
def genuine(dataset: Dataset) -> Dataset:
    return _genuine(dataset, SMALL)


@pytest.fixture(scope="module")
def follower_plan(genuine: Dataset) -> FollowerPurchase:
    return FollowerPurchase.draw(genuine, seed=3)


@pytest.fixture(scope="module")
def like_plan(genuine: Dataset) -> LikePurchase:
    return LikePurchase.draw(genuine, seed=3)


@pytest.fixture(scope="module")
def pod_plan(genuine: Dataset) -> PodPlan:
    return PodPlan.draw(genuine, seed=3)


def _assert_same(a: Dataset, b: Dataset) -> None:
    for name in ("creators", "posts", "engagements", "follower_counts"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            pd.testing.assert_frame_equal(x, y, obj=name)


# --- bought followers -------------------------------------------------------------------------


def test_follower_control_is_the_untouched_creators_with_a_history_ending_at_their_count(
    genuine, follower_plan
) -> None:
    control = follower_plan.control()
    _assert_same(follower_plan.inject(0.0), control)
    pd.testing.assert_frame_equal(control.creators, genuine.creators)
    pd.testing.assert_frame_equal(control.posts, genuine.posts)
    history = control.follower_counts.groupby("creator_id", sort=False)
    last = history["followers"].last().reindex(genuine.creators["creator_id"])
    assert (last.to_numpy() == genuine.creators["followers"].to_numpy()).all()
    span_days = (history["at"].max() - history["at"].min()).dt.total_seconds() / C.DAY
    # Irregular crawls may miss the oldest days, and come up to 3 hours late.
    assert span_days.between(C.HISTORY_DAYS[0] - 10, C.HISTORY_DAYS[1] + 0.125).all()


def test_bought_followers_step_by_the_share_within_48_hours_and_nothing_else(
    genuine, follower_plan
) -> None:
    share = 0.5
    control, injected = follower_plan.control(), follower_plan.inject(share)
    pd.testing.assert_frame_equal(injected.posts, genuine.posts)
    pd.testing.assert_series_equal(injected.creators["following"], genuine.creators["following"])
    before, after = control.follower_counts, injected.follower_counts
    pd.testing.assert_frame_equal(before[["creator_id", "at"]], after[["creator_id", "at"]])
    step = (after["followers"] - before["followers"]).to_numpy()
    code, at = follower_plan.reading_creator, follower_plan.reading_at
    bought = share * follower_plan.audience[code]
    since = at - follower_plan.start[code]
    assert (step[since < 0] == 0).all()  # nothing before the purchase
    assert (step <= np.round(bought)).all()  # never more than was bought
    # Two days on, it has all arrived; what left since is at most 5% a week.
    weeks = since / (7 * C.DAY)
    arrived = since >= 2 * C.DAY
    assert (step[arrived] >= np.floor(bought[arrived] * 0.95 ** weeks[arrived]) - 1).all()
    assert (step[since > 8 * C.DAY] < np.round(bought[since > 8 * C.DAY]) + 1).all()
    raised = injected.creators["followers"] - genuine.creators["followers"]
    at_snapshot = pd.Series(step).groupby(code).last()
    assert (raised.to_numpy() == at_snapshot.to_numpy()).all()


# --- bought likes ---------------------------------------------------------------------------


def test_bought_likes_multiply_the_usual_likes_on_the_chosen_posts_only(genuine, like_plan) -> None:
    multiplier, coverage = 3.0, "half the posts"
    injected = like_plan.inject(multiplier, coverage)
    chosen = like_plan.bought(coverage)
    likes = injected.posts["likes"].to_numpy() - genuine.posts["likes"].to_numpy()
    comments = injected.posts["comments"].to_numpy() - genuine.posts["comments"].to_numpy()
    assert (likes[~chosen] == 0).all() and (comments[~chosen] == 0).all()
    assert (likes[chosen] >= 0).all() and (comments >= 0).all()
    ratio = likes[chosen] / like_plan.usual[chosen]
    assert ratio.mean() == pytest.approx(multiplier - 1, rel=0.1)
    assert comments.sum() <= C.BOT_COMMENT_RATE[1] * likes.sum() + chosen.sum()
    pd.testing.assert_frame_equal(injected.creators, genuine.creators)
    for column in ("post_id", "posted_at", "comments_disabled"):
        pd.testing.assert_series_equal(injected.posts[column], genuine.posts[column])


def test_bought_posts_are_the_recent_ones_and_more_posts_include_the_fewer(
    genuine, like_plan
) -> None:
    index = PostIndex.of(genuine)
    one, half, every = (like_plan.bought(c) for c in COVERAGE)
    assert (one <= half).all() and (half <= every).all()
    assert (every == index.recent).all()
    per_creator = pd.Series(one).groupby(index.creator).sum()
    assert (per_creator == 1).all()
    recent = pd.Series(index.recent).groupby(index.creator).sum()
    assert (pd.Series(half).groupby(index.creator).sum() == np.ceil(recent / 2)).all()


def test_likes_at_times_one_are_the_untouched_creators(genuine, like_plan) -> None:
    for coverage in COVERAGE:
        _assert_same(like_plan.inject(1.0, coverage), genuine)


# --- a pod ------------------------------------------------------------------------------------


def _events(ds: Dataset) -> pd.DataFrame:
    """Engagements with their post's creator and the delay after posting, in seconds."""
    posts = ds.posts.set_index("post_id")
    events = ds.engagements.join(posts[["creator_id", "posted_at"]], on="post_id")
    events["delay"] = (events["at"] - events["posted_at"]).dt.total_seconds()
    return events


def _assert_like_sample(events: pd.Series, likes: pd.Series) -> None:
    """A post's like events are a sample of at most 300 of its likes: as the simulator's, from
    the distinct likers a draw from the audience gives, so now and then a few short."""
    shown = np.minimum(likes, LIKES_SHOWN)
    assert (events <= shown).all()
    assert events.sum() >= 0.9 * shown.sum()


def test_pod_control_has_organic_events_from_the_real_counts_only(genuine, pod_plan) -> None:
    control = pod_plan.control()
    _assert_same(pod_plan.inject(0), control)
    pd.testing.assert_frame_equal(control.creators, genuine.creators)
    pd.testing.assert_frame_equal(control.posts, genuine.posts)
    events = _events(control)
    index = PostIndex.of(genuine)
    newest = genuine.posts["post_id"][index.newest_rank < EVENT_POSTS]
    assert set(events["post_id"]) <= set(newest)
    per_post = events.groupby(["post_id", "kind"]).size().unstack(fill_value=0)
    posts = genuine.posts.set_index("post_id").loc[per_post.index]
    assert (per_post["comment"] == posts["comments"]).all()  # every comment
    _assert_like_sample(per_post["like"], posts["likes"])


def test_pod_comments_come_within_30_minutes_from_the_same_accounts_on_every_post(
    genuine, pod_plan
) -> None:
    size = 30
    control, injected = pod_plan.control(), pod_plan.inject(size)
    members = pod_plan.members(size)
    events = _events(injected)
    is_pod = events.set_index(["creator_id", "actor_id"]).index.isin(
        members.set_index(["creator_id", "actor_id"]).index
    )
    pod = events[is_pod]
    assert (pod["delay"] >= C.POD_DELAY_MIN_S).all() and (pod["delay"] <= POD_WINDOW_S).all()
    assert (pod.groupby("creator_id")["actor_id"].nunique() <= size).all()
    # The organic events are the control's (of the likes, those a sample of 300 still shows),
    # and every post with events has the pod's on it.
    organic, before = events[~is_pod], _events(control)
    pd.testing.assert_frame_equal(
        organic[organic["kind"] == "comment"].reset_index(drop=True),
        before[before["kind"] == "comment"].reset_index(drop=True),
    )
    kept = organic.set_index(["post_id", "actor_id", "kind", "at"]).index
    assert kept.isin(before.set_index(["post_id", "actor_id", "kind", "at"]).index).all()
    # The counts hold the pod's likes and comments; its comments are all there as events, and a
    # post shows as many like events as a sample of its likes holds.
    after = injected.posts.set_index("post_id")
    added = after["comments"] - genuine.posts.set_index("post_id")["comments"]
    pod_comments = pod[pod["kind"] == "comment"].groupby("post_id").size()
    assert (added.loc[pod_comments.index] == pod_comments).all()
    like_events = events[events["kind"] == "like"].groupby("post_id").size()
    _assert_like_sample(like_events, after.loc[like_events.index, "likes"])
    recent = PostIndex.of(genuine).recent
    assert (injected.posts["likes"][recent] > genuine.posts["likes"][recent]).all()
    all_shown = after.index[after["likes"] <= LIKES_SHOWN]
    assert set(events["post_id"]) & set(all_shown) <= set(pod["post_id"])
    assert (injected.posts["likes"] >= genuine.posts["likes"]).all()


def test_a_bigger_pod_engages_at_least_as_much_on_every_post(pod_plan) -> None:
    smaller, bigger = pod_plan.inject(POD_SIZES[0]), pod_plan.inject(POD_SIZES[-1])
    for column in ("likes", "comments"):
        assert (bigger.posts[column] >= smaller.posts[column]).all()
    assert bigger.posts["likes"].sum() > smaller.posts["likes"].sum()


def test_a_drop_window_moves_the_recent_posts_into_one_half_hour_slot(genuine, pod_plan) -> None:
    moved = pod_plan.inject(20, drop_window=True)
    _assert_same(pod_plan.inject(0, drop_window=True), pod_plan.control(drop_window=True))
    recent = PostIndex.of(genuine).recent
    posted = epoch_seconds(moved.posts["posted_at"])
    assert (posted[~recent] == epoch_seconds(genuine.posts["posted_at"])[~recent]).all()
    opens = pd.Series(np.mod(posted[recent], C.DAY)).groupby(PostIndex.of(genuine).creator[recent])
    assert ((opens.max() - opens.min()) <= POD_WINDOW_S).all()
    same_counts = pod_plan.inject(20)
    pd.testing.assert_series_equal(moved.posts["likes"], same_counts.posts["likes"])
    # The events move with their posts (cut at the snapshot for a post moved closer to it).
    before, after = _events(same_counts), _events(moved)
    age = pd.Series(PostIndex.of(moved).age, index=moved.posts["post_id"])
    cut = np.minimum(before["delay"].to_numpy(), age.loc[after["post_id"]].to_numpy())
    assert np.array_equal(after["delay"].to_numpy(), cut)


# --- every injection --------------------------------------------------------------------------


def _every_kind(base: Dataset, seed: int) -> list[Dataset]:
    return [
        FollowerPurchase.draw(base, seed).inject(0.25),
        LikePurchase.draw(base, seed).inject(5.0, "half the posts"),
        PodPlan.draw(base, seed).inject(50),
        PodPlan.draw(base, seed).inject(50, drop_window=True),
    ]


def test_the_seed_fixes_every_injection(genuine) -> None:
    for first, again, other in zip(
        _every_kind(genuine, 5), _every_kind(genuine, 5), _every_kind(genuine, 6), strict=True
    ):
        _assert_same(first, again)
        with pytest.raises(AssertionError):
            _assert_same(first, other)


def test_injected_data_meets_the_contract(genuine) -> None:
    for injected in _every_kind(genuine, 0):
        tables = {name: frame for name, frame in injected.tables().items()}
        dataset_from_frames(tables)  # raises on any problem


# --- detection --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def detected(dataset: Dataset, models) -> dict[str, dict[str, float]]:
    report = detect_injected(models.a, _genuine(dataset, 300), seed=0, log=_quiet)
    assert len(report.rows) == VARIANTS
    table: dict[str, dict[str, float]] = {}
    for row in report.rows:
        kind, strength = row.key.split("/")
        table.setdefault(kind, {})[strength] = row.detected
    return table


def _rises(figures: list[float], control: float) -> None:
    """Up with the strength (give or take a creator or two), well above the control at the top."""
    assert all(b >= a - 0.02 for a, b in pairwise(figures)), figures
    assert figures[-1] >= control + 0.3, (figures, control)


def test_detection_rises_with_the_strength_of_each_fraud(detected) -> None:
    followers = detected["bought_followers"]
    _rises([followers[f"step_{s * 100:g}pct"] for s in FOLLOWER_STEPS], followers["control"])
    likes = detected["bought_likes"]
    _rises([likes[f"x{m:g}_every_post"] for m in LIKE_MULTIPLIERS], likes["control"])
    _rises([likes[f"x{m:g}_half_the_posts"] for m in LIKE_MULTIPLIERS], likes["control"])
    pods = detected["engagement_pod"]
    _rises([pods[f"size_{n}"] for n in POD_SIZES], pods["control"])


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_GENUINE.is_file(), reason="real data folder absent")
def test_real_genuine_creators_untouched_score_as_the_genuine_check_does(
    models, monkeypatch
) -> None:
    monkeypatch.setenv("CREATOR_AUDIT_SHARED_DATA", str(SHARED_DATA))
    base, file = injection_base()
    report = detect_injected(models.a, base, seed=0, log=_quiet, source=file)
    untouched = report.rows[0]
    assert untouched.key == "untouched/as_read" and untouched.n == report.n_creators == 350
    check = check_real_genuine(models.a, file)
    assert untouched.top_not_genuine == pytest.approx(check.flagged_share)
    assert report.as_dict()["source"]["name"] == str(GENUINE_FILE)


# --- the command line -------------------------------------------------------------------------


def _instafake_records(ds: Dataset) -> list[dict]:
    """Creators in the InstaFake genuine file's form."""
    records = []
    for creator in ds.creators.itertuples():
        posts = ds.posts[ds.posts["creator_id"] == creator.creator_id]
        records.append(
            {
                "userFollowerCount": int(creator.followers),
                "userFollowingCount": int(creator.following),
                "userMediaCount": int(creator.media_count),
                "userBiographyLength": 0,
                "userHasExternalUrl": 0,
                "usernameLength": 8,
                "usernameDigitCount": 0,
                "mediaUploadTimes": epoch_seconds(posts["posted_at"]).astype(int).tolist(),
                "mediaLikeNumbers": posts["likes"].astype(int).tolist(),
                "mediaCommentNumbers": posts["comments"].astype(int).tolist(),
                "mediaCommentsAreDisabled": posts["comments_disabled"].astype(int).tolist(),
                "mediaHashtagNumbers": posts["hashtags"].astype(int).tolist(),
                "mediaHasLocationInfo": posts["has_location"].astype(int).tolist(),
            }
        )
    return records


@pytest.fixture
def cli_folder(tmp_path, monkeypatch, genuine, models, empty_store) -> Path:
    """A folder with its own store, the small model A as a bundle and 40 genuine creators as
    the real data folder's InstaFake file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "")
    (tmp_path / "mlflow.db").write_bytes(empty_store.read_bytes())
    models.a.save(tmp_path / "a.bundle")
    real = tmp_path / "shared" / GENUINE_FILE
    real.parent.mkdir(parents=True)
    creators = genuine.creators.iloc[:40]
    posts = genuine.posts[genuine.posts["creator_id"].isin(creators["creator_id"])]
    few = replace(genuine, creators=creators, posts=posts)
    real.write_text(json.dumps(_instafake_records(few)))
    monkeypatch.setenv("CREATOR_AUDIT_SHARED_DATA", str(tmp_path / "shared"))
    return tmp_path


def test_evaluate_inject_alone_writes_the_table_and_logs_it(cli_folder) -> None:
    args = ["evaluate", "--inject", "--model", "a.bundle", "--out", "out", "--seed", "4"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    table = (cli_folder / "out" / "injection.md").read_text()
    assert "| bought followers | +100% of the audience within 48 h | 40 |" in table
    assert "as the simulator pictures it" in table
    figures = json.loads((cli_folder / "out" / "injection.json").read_text())
    assert figures["seed"] == 4 and len(figures["rows"]) == VARIANTS
    assert not (cli_folder / "out" / "metrics.json").exists()
    import mlflow

    configure_tracking()
    run = mlflow.search_runs(experiment_names=["creator-fraud-evaluation"], output_format="list")[0]
    logged = run.data.metrics["injection/bought_followers/step_100pct/detected"]
    row = next(r for r in figures["rows"] if r["key"] == "bought_followers/step_100pct")
    assert logged == pytest.approx(row["detected"])
    assert run.data.params["injection_seed"] == "4"
    assert run.data.params[f"real_file/{GENUINE_FILE}"]


def test_evaluate_with_data_and_inject_puts_the_table_in_the_report(cli_folder) -> None:
    from creator_audit.simulator import generate_to_dir

    generate_to_dir(cli_folder / "labelled", 300, seed=11)
    args = ["evaluate", "--data", "labelled", "--inject", "--model", "a.bundle", "--out", "out"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    metrics = json.loads((cli_folder / "out" / "metrics.json").read_text())
    assert len(metrics["injection"]["rows"]) == VARIANTS and metrics["n"] == 300
    assert "## Injected fraud on real creators" in (cli_folder / "out" / "report.md").read_text()
    html = (cli_folder / "out" / "report.html").read_text()
    assert 'id="injection"' in html and "pod in a drop window" in html


def test_evaluate_inject_without_the_real_data_fails_in_one_line(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CREATOR_AUDIT_SHARED_DATA", str(tmp_path / "nowhere"))
    result = runner.invoke(app, ["evaluate", "--inject", "--model", "m.bundle"])
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("error: no real genuine creators to inject into: ")
    assert f"{tmp_path / 'nowhere'} does not exist and " in line
    assert line.endswith("creator-audit data fetch gets it")
    assert not (tmp_path / "evaluation").exists()
