"""Runs left RUNNING by a killed process, on a real embedded store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import mlflow
from mlflow import MlflowClient

from scoring.store.location import configure_tracking
from scoring.store.tracking import ensure_experiment, process_identity, tracked_run

KILLED_MID_RUN = textwrap.dedent(
    """
    import os, signal
    from scoring.store.location import configure_tracking
    from scoring.store.tracking import ensure_experiment, tracked_run
    configure_tracking()
    with tracked_run(ensure_experiment("killed")) as run:
        print(run.info.run_id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # as a user's kill -9 mid-training
    """
)


def test_a_run_left_running_by_a_killed_process_is_marked_failed_by_the_next(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_MID_RUN], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    abandoned = killed.stdout.split()[0]
    configure_tracking()
    client = MlflowClient()
    assert client.get_run(abandoned).info.status == "RUNNING"  # what MLflow leaves behind

    said: list[str] = []
    with tracked_run(ensure_experiment("killed"), log=said.append) as run:
        # a run of a process still running (this one) is not touched
        assert client.get_run(run.info.run_id).info.status == "RUNNING"
    assert client.get_run(abandoned).info.status == "FAILED"
    assert said == [
        f"run {abandoned} was left RUNNING by a process that no longer runs: marked FAILED"
    ]
    assert mlflow.active_run() is None


def test_a_process_is_told_from_a_later_one_with_its_pid() -> None:
    me = process_identity(os.getpid())
    assert me is not None and me.startswith(f"{os.getpid()}:")
    assert process_identity(os.getpid()) == me
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert process_identity(child.pid) is None  # gone (and reaped)
