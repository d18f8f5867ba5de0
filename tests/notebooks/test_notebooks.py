"""Both notebooks run top to bottom on a small dataset, so they cannot rot."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"

# Text each notebook's outputs must contain when it has run through.
EXPECTED = {
    "01_features.ipynb": ["engagement_rate_log_ratio", "follower_samples"],
    "02_evaluation.ipynb": ["macro_f1", "LightGBM", "fraud_score_cutoff"],
}


def _run(name: str, workdir: Path) -> str:
    notebook = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    return json.dumps([c.get("outputs", []) for c in notebook.cells if c.cell_type == "code"])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTEBOOK_CREATORS", "800")
    monkeypatch.setenv("NOTEBOOK_WORKDIR", str(tmp_path))
    monkeypatch.setenv("CREATOR_AUDIT_SHARED_DATA", str(SHARED))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    outputs = _run(name, tmp_path)
    for text in EXPECTED[name]:
        assert text in outputs


@pytest.mark.realdata
@pytest.mark.skipif(not SHARED.exists(), reason="real data folder absent")
def test_features_notebook_compares_with_real_accounts(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NOTEBOOK_CREATORS", "800")
    monkeypatch.setenv("CREATOR_AUDIT_SHARED_DATA", str(SHARED))
    outputs = _run("01_features.ipynb", tmp_path)
    assert "simulated median" in outputs
