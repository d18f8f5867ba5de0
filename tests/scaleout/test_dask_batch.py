"""Features and scores on a Dask LocalCluster equal the in-memory path's, creator by creator."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from creator_audit.cli import app
from creator_audit.dataset import DatasetError, ReadTime, read_dataset, write_dataset
from creator_audit.schema import LABELS
from creator_audit.simulator import generate, generate_to_dir
from evaluation.metrics import label_codes
from features import build_features
from scaleout.cluster import connect
from scaleout.jobs import features_frame, scores_frame, write_partitioned
from scaleout.tables import part_of
from scoring.model import CreatorFraudModel
from scoring.scores import score_dataset
from tests.account_models import small_account_model, small_comment_model
from training.fit import fit_booster

runner = CliRunner()


@pytest.fixture(scope="module")
def client():
    with connect("local", worker_memory="1GiB", workers=1) as c:
        yield c


def test_a_local_cluster_keeps_its_scratch_in_a_folder_it_removes():
    with connect("local", worker_memory="1GiB", workers=1) as c:
        (worker_folder,) = [Path(d) for d in c.run(_local_directory).values()]
        assert worker_folder.is_dir()
        run_folder = worker_folder.parents[1]  # <run folder>/dask-scratch-space/worker-…
        assert run_folder.name.startswith("creator-audit-dask-")
    assert not run_folder.exists()


def _local_directory(dask_worker) -> str:
    return dask_worker.local_directory


@pytest.fixture(scope="module")
def model() -> CreatorFraudModel:
    """A small real creator model carrying account and comment models, as training makes them."""
    ds = generate(600, seed=21)
    accounts, comments = small_account_model(), small_comment_model()
    features = build_features(ds, accounts, comments)
    y = label_codes(ds.labels.set_index("creator_id").loc[features.index, "label"], LABELS)
    x = features.to_numpy(np.float64)
    fitted = fit_booster(
        x[:400],
        y[:400],
        x[400:],
        y[400:],
        list(features.columns),
        len(LABELS),
        0,
        log=lambda _: None,
        params={"num_iterations": 15},
    )
    return CreatorFraudModel(
        booster_text=fitted.booster.model_to_string(),
        feature_names=list(features.columns),
        labels=list(LABELS),
        calibration=fitted.calibration,
        metadata={"model_version": "7"},
        account_model=accounts,
        comment_model=comments,
    )


@pytest.fixture(scope="module")
def scattered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset whose tables are directories of parts, with every creator's posts, engagements
    and samples spread over several part files (rows dealt out round-robin)."""
    root = tmp_path_factory.mktemp("scattered")
    ds = generate(300, seed=8)
    for name, frame in ds.tables().items():
        parts = 1 if name == "creators" else 3
        (root / name).mkdir()
        for k in range(parts):
            frame.iloc[k::parts].to_parquet(root / name / f"part-{k}.parquet", index=False)
    return root


def _compare_scores(dask_scores: pd.DataFrame, memory: pd.DataFrame) -> None:
    assert dask_scores["creator_id"].is_unique  # every creator scored once
    assert set(dask_scores["creator_id"]) == set(memory["creator_id"])
    got = dask_scores.set_index("creator_id").loc[memory["creator_id"]]
    want = memory.set_index("creator_id")
    probabilities = [f"p_{label}" for label in LABELS]
    np.testing.assert_allclose(got[probabilities], want[probabilities], rtol=0, atol=1e-9)
    assert (got["label"] == want["label"]).all()
    assert (got["fraud_score"] == want["fraud_score"]).all()
    assert (got["reasons"] == want["reasons"]).all()
    for column in ("coverage", "snapshot_at", "snapshot_source", "excluded_posts"):
        assert (got[column] == want[column]).all(), column


def test_scores_of_creators_spread_over_many_files_match(client, model, scattered, tmp_path):
    out = write_partitioned(scores_frame(scattered, model), tmp_path / "s.parquet", client, False)
    assert len(list(out.glob("*.parquet"))) == 3  # partitioned output
    memory = score_dataset(model, read_dataset(scattered))
    _compare_scores(pd.read_parquet(out), memory)


def test_every_partition_takes_one_read_time_for_a_missing_snapshot(
    client, model, scattered, tmp_path
):
    root = tmp_path / "no-snapshot"
    shutil.copytree(scattered, root)
    for part in (root / "creators").glob("*.parquet"):
        pd.read_parquet(part).drop(columns=["snapshot_at"]).to_parquet(part, index=False)
    before = pd.Timestamp.now(tz="UTC")
    out = write_partitioned(scores_frame(root, model), tmp_path / "s.parquet", client, False)
    got = pd.read_parquet(out)
    assert len(list(out.glob("*.parquet"))) == 3 and len(got) == 300
    assert (got["snapshot_source"] == "read").all()
    assert got["snapshot_at"].nunique() == 1  # read once, for every partition
    read_at = pd.Timestamp(got["snapshot_at"].iloc[0])
    assert before - pd.Timedelta(seconds=1) <= read_at <= pd.Timestamp.now(tz="UTC")
    # The in-memory path, read at that time, answers the same: the same snapshot for every post.
    memory = score_dataset(model, read_dataset(root, read_time=ReadTime(read_at.timestamp())))
    _compare_scores(got, memory)


def test_features_match_the_in_memory_path(client, model, scattered, tmp_path):
    frame = features_frame(scattered, model.account_model, model.comment_model)
    out = write_partitioned(frame, tmp_path / "f.parquet", client, show_progress=False)
    got = pd.read_parquet(out).set_index("creator_id")
    want = build_features(read_dataset(scattered), model.account_model, model.comment_model)
    assert want["comment_spam_share"].notna().any()
    got = got.loc[want.index]
    assert list(got.columns) == list(want.columns)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=1e-9)


def test_partitioned_generate_round_trip(tmp_path: Path) -> None:
    out = generate_to_dir(tmp_path / "parts", 250, seed=3, part_creators=100)
    assert sorted(p.name for p in (out / "posts").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
    ]
    ds = read_dataset(out)  # a directory of parts is a table; ids unique across parts
    assert len(ds.creators) == 250 and ds.creators["creator_id"].is_unique
    assert ds.posts["post_id"].is_unique
    again = generate_to_dir(tmp_path / "again", 250, seed=3, part_creators=100)
    for name in ("creators", "engagements"):
        a = (out / name / "part-00001.parquet").read_bytes()
        assert a == (again / name / "part-00001.parquet").read_bytes()  # same seed, same bytes
    with pytest.raises(ValueError, match="Parquet"):
        generate_to_dir(tmp_path / "csv", 250, seed=3, fmt="csv", part_creators=100)


def test_bad_rows_are_reported_and_nothing_is_written(client, model, tmp_path: Path) -> None:
    ds = generate(50, seed=2)
    ds.posts.loc[3, "likes"] = -5
    write_dataset(ds, tmp_path / "bad")
    with pytest.raises(Exception, match="likes"):
        write_partitioned(scores_frame(tmp_path / "bad", model), tmp_path / "o.parquet", client)
    assert not (tmp_path / "o.parquet").exists()


def test_score_command_with_a_scheduler(model, scattered, tmp_path: Path) -> None:
    bundle = model.save(tmp_path / "m.bundle")
    out = tmp_path / "scores.parquet"
    args = ["score", "--data", str(scattered), "--out", str(out), "--model", str(bundle)]
    result = runner.invoke(app, [*args, "--scheduler", "local", "--worker-memory", "1GiB"])
    assert result.exit_code == 0, result.output
    _compare_scores(pd.read_parquet(out), score_dataset(model, read_dataset(scattered)))
    csv = ["--out", str(tmp_path / "s.csv")]
    result = runner.invoke(app, [*args[:3], *csv, *args[5:], "--scheduler", "local"])
    assert result.exit_code == 2 and "partitioned Parquet" in result.output


def test_a_post_id_shared_by_two_creators_in_different_files_is_refused(
    client, model, tmp_path: Path
) -> None:
    """Each file alone is valid; together two creators claim one post id, which would join that
    post's engagements to both."""
    ds = generate(40, seed=5)
    owners = ds.posts.drop_duplicates("creator_id")
    # Two part files make two partitions; pick two creators that hash to different ones, so no
    # single partition holds both posts.
    part = part_of(owners["creator_id"], 2)
    first, second = owners[part == 0].iloc[0], owners[part == 1].iloc[0]
    ds.posts.loc[ds.posts["post_id"] == second["post_id"], "post_id"] = first["post_id"]
    ds.engagements = ds.engagements[ds.engagements["post_id"] != second["post_id"]]
    root = tmp_path / "shared-post"
    write_dataset(ds, root)
    posts = pd.read_parquet(root / "posts.parquet")
    (root / "posts.parquet").unlink()
    (root / "posts").mkdir()
    holds_second = posts["creator_id"] == second["creator_id"]
    posts[~holds_second].to_parquet(root / "posts" / "part-0.parquet")
    posts[holds_second].to_parquet(root / "posts" / "part-1.parquet")
    with pytest.raises(DatasetError, match=f"'{first['post_id']}' appears 2 times"):
        write_partitioned(scores_frame(root, model), tmp_path / "o.parquet", client)
    assert not (tmp_path / "o.parquet").exists()
