"""The `creator-audit` command end to end: generate → features, and bad input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from creator_audit.atomic import MARKER
from creator_audit.cli import app
from creator_audit.schema import LABELS, TABLES
from features import FEATURE_COLUMNS

runner = CliRunner()


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "d"
    result = runner.invoke(app, ["generate", "--out", str(out), "--creators", "400", "--seed", "7"])
    assert result.exit_code == 0, result.output
    return out


def test_generate_writes_all_tables_and_is_byte_identical(generated: Path, tmp_path: Path) -> None:
    again = tmp_path / "d2"
    args = ["generate", "--out", str(again), "--creators", "400", "--seed", "7"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert {p.stem for p in generated.iterdir() if p.name != MARKER} == set(TABLES)
    assert _digests(generated) == _digests(again)


def test_generated_labels_and_engagement_coverage(generated: Path) -> None:
    labels = pd.read_parquet(generated / "labels.parquet")
    shares = labels["label"].value_counts(normalize=True)
    assert set(shares.index) == set(LABELS)
    assert shares.min() >= 0.08
    posts = pd.read_parquet(generated / "posts.parquet")
    engaged_posts = pd.read_parquet(generated / "engagements.parquet", columns=["post_id"])
    with_events = posts.loc[posts["post_id"].isin(engaged_posts["post_id"]), "creator_id"].nunique()
    assert 0.2 <= with_events / len(labels) <= 0.9


def test_features_one_row_per_creator(generated: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.parquet"
    result = runner.invoke(app, ["features", "--data", str(generated), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    creators = pd.read_parquet(generated / "creators.parquet")
    assert list(table.columns) == ["creator_id", *FEATURE_COLUMNS]
    assert table["creator_id"].tolist() == creators["creator_id"].tolist()


def test_features_csv_output(generated: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    result = runner.invoke(app, ["features", "--data", str(generated), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == len(pd.read_parquet(generated / "creators.parquet"))


def _tiny_dataset(directory: Path, likes: str) -> Path:
    directory.mkdir()
    (directory / "creators.csv").write_text(
        "creator_id,followers,following,media_count\nc1,1200,300,40\n"
    )
    (directory / "posts.csv").write_text(
        "creator_id,post_id,posted_at,likes,comments\n"
        f"c1,p1,2026-05-01T10:00:00Z,{likes},3\n"
        "c1,p2,2026-05-03T10:00:00+02:00,80,1\n"
    )
    return directory


def test_features_bad_input_names_file_row_column_and_writes_nothing(tmp_path: Path) -> None:
    data = _tiny_dataset(tmp_path / "bad", likes="-5")
    out = tmp_path / "f.parquet"
    result = runner.invoke(app, ["features", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 2
    message = result.output.strip().splitlines()[-1]
    assert "posts.csv" in message and "line 2" in message and "'likes'" in message
    assert not out.exists()


def test_features_on_a_tiny_valid_csv_dataset(tmp_path: Path) -> None:
    data = _tiny_dataset(tmp_path / "ok", likes="100")
    out = tmp_path / "f.csv"
    result = runner.invoke(app, ["features", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out)["creator_id"].tolist() == ["c1"]


def test_features_rejects_unknown_output_extension(generated: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.txt"
    result = runner.invoke(app, ["features", "--data", str(generated), "--out", str(out)])
    assert result.exit_code == 2
    assert ".parquet or .csv" in result.output
    assert not out.exists()


def test_missing_dataset_directory_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["features", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "f.parquet")]
    )
    assert result.exit_code == 2
    assert "nope" in result.output


def test_train_on_a_missing_dataset_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    result = runner.invoke(app, ["train", "--data", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "nope" in result.output
    assert not (tmp_path / "models").exists()


def test_train_refuses_too_few_labelled_creators(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    data = tmp_path / "tiny"
    assert runner.invoke(app, ["generate", "--out", str(data), "--creators", "30"]).exit_code == 0
    result = runner.invoke(app, ["train", "--data", str(data)])
    assert result.exit_code == 2
    assert "at least 10 labelled creators" in result.output
    assert not (tmp_path / "models").exists()
    assert not (tmp_path / "mlflow.db").exists()


def test_serve_defaults_to_one_worker_per_usable_core(monkeypatch) -> None:
    import os

    import serving.workers

    started = {}
    monkeypatch.setattr(
        serving.workers, "serve", lambda host, port, workers, log: started.update(workers=workers)
    )
    assert runner.invoke(app, ["serve", "--port", "8123"]).exit_code == 0
    assert started["workers"] == len(os.sched_getaffinity(0)) == serving.workers.usable_cores()
    assert runner.invoke(app, ["serve", "--port", "8123", "--workers", "1"]).exit_code == 0
    assert started["workers"] == 1
