"""MLflow's usage telemetry stays off unless the user turns it on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Import the project first, as every entry point does, then ask MLflow what it decided.
PROBE = (
    "import creator_audit, mlflow\n"
    "from mlflow.telemetry import get_telemetry_client\n"
    "from mlflow.telemetry.utils import is_telemetry_disabled\n"
    "print(is_telemetry_disabled(), get_telemetry_client() is None)\n"
)


def _probe(home: Path, **env: str) -> str:
    # A plain user's environment: none of the CI or pytest variables MLflow itself backs off for.
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", **env}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_telemetry_is_off_and_leaves_nothing_in_home(tmp_path) -> None:
    assert _probe(tmp_path) == "True True"
    assert not (tmp_path / ".config" / "mlflow").exists()


def test_a_user_may_turn_it_back_on(tmp_path) -> None:
    assert _probe(tmp_path, MLFLOW_DISABLE_TELEMETRY="false") == "False False"
