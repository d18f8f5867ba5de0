"""Two `creator-audit train` processes started together on a fresh store both succeed, and the
gate of the second compares against the champion the first set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from creator_audit.simulator import generate_to_dir
from scoring.model import CreatorFraudModel
from scoring.store.location import configure_tracking
from scoring.store.names import CHAMPION, CREATOR_MODEL_NAME

CLI = Path(sys.executable).with_name("creator-audit")


@pytest.mark.slow
def test_two_first_trainings_on_one_fresh_store(tmp_path, monkeypatch) -> None:
    # Seeds 2 and 4 each beat both baselines on these 60 test creators (so the second gate run
    # compares with the first's champion; seeds 0 and 1 do not beat the logistic baseline).
    data = generate_to_dir(tmp_path / "data", 300, seed=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    command = [str(CLI), "train", "--data", str(data), "--accounts-model", "none", "--seed"]
    runs = [
        subprocess.Popen(
            [*command, seed],
            cwd=tmp_path,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for seed in ("2", "4")
    ]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output
        assert "Traceback" not in output
    assert sum("is the first: alias champion" in out for out in outputs) == 1, outputs
    # Both seeds test on the same 60 creators, which neither trained on.
    assert sum("on 60 test creators neither was trained on" in out for out in outputs) == 1, outputs

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "")
    configure_tracking()
    client = MlflowClient()
    versions = {
        str(v.version) for v in client.search_model_versions(f"name='{CREATOR_MODEL_NAME}'")
    }
    assert versions == {"1", "2"}
    champion = client.get_model_version_by_alias(CREATOR_MODEL_NAME, CHAMPION).version
    exported = CreatorFraudModel.load(tmp_path / "models" / "creator-fraud-champion.bundle")
    assert exported.metadata["model_version"] == str(champion)
