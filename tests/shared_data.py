"""Where the tests find the shared real data: ``$CREATOR_AUDIT_SHARED_DATA``, else the
``shared/data`` folder beside the repository (absent on a machine outside this workplace)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from creator_audit.dataset.real_accounts import KAGGLE_FILE

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CREATOR_AUDIT_SHARED_DATA", ROOT.parent / "shared" / "data"))

# For tests that need the labelled account sources.
needs_real_accounts = [
    pytest.mark.realdata,
    pytest.mark.skipif(
        not (SHARED / KAGGLE_FILE).is_file(), reason=f"real account data not found under {SHARED}"
    ),
]

# For tests that need ScamSpot's labelled comments.
needs_comments = [
    pytest.mark.realdata,
    pytest.mark.skipif(
        not (SHARED / "scamspot" / "comments-part-a.json").is_file(),
        reason=f"labelled comments not found under {SHARED}",
    ),
]


def assert_run_logged_files(run_id: str, folders: list[str]) -> None:
    """The run's ``data/real_files.json`` and ``real_file/...`` params name every real file it
    read (from these shared folders), each with the SHA-256 of its bytes."""
    import mlflow

    from scoring.store.location import configure_tracking

    configure_tracking()
    logged = mlflow.artifacts.load_dict(f"runs:/{run_id}/data/real_files.json")["files"]
    assert sorted({f["name"].split("/")[0] for f in logged}) == sorted(folders)
    params = mlflow.get_run(run_id).data.params
    for file in logged:
        digest = hashlib.sha256(Path(file["path"]).read_bytes()).hexdigest()
        assert file["sha256"] == digest == params[f"real_file/{file['name']}"]
