"""The catalogue of command-line failures (tests/cli_failure_cases.py): each exits 2 with one
line naming what is wrong, before any expensive work, and writes nothing.

Output, model and store cases pass a dataset that does not exist: the failure named is the
output's, the model's or the store's, so it was found before the data was even read.
"""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from creator_audit.cli import app
from tests import cli_failure_cases
from tests.cli_failure_cases import CASES, Case, tiny_dataset, users_folder

runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def real_store(empty_store) -> None:
    """An MLflow store with its schema, made once, that cases copy or damage."""
    cli_failure_cases.REAL_STORE = empty_store


@pytest.fixture(scope="module", autouse=True)
def kernels_ready() -> None:
    """The compiled kernels loaded once up front: a command's own warm-up is then instant, and
    never says "compiled ... in X s" beside the one line a case expects (under load, loading
    the cache alone could pass the one-second mark)."""
    from scoring.kernels import warm_up

    warm_up()


@pytest.fixture(autouse=True)
def own_store(tmp_path, monkeypatch) -> None:
    """Each test in its own folder and embedded store. Set (not deleted), so that the variable
    MLflow exports when a URI is set is removed again afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "")
    monkeypatch.delenv("CREATOR_AUDIT_DEBUG", raising=False)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_failure_exits_2_with_one_line_naming_it(case: Case, tmp_path, monkeypatch) -> None:
    case.setup(tmp_path)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value.replace("{where}", str(tmp_path)))
    before = _snapshot(tmp_path)
    result = runner.invoke(app, case.args)
    assert result.exit_code == 2, result.output
    assert case.message in result.output, result.output
    assert "Traceback" not in result.output
    if case.args[-1] != "-1":  # click's usage errors have their own three-line form
        assert result.output.count("\n") == 1 and result.output.startswith("error: ")
    assert _snapshot(tmp_path) == before  # nothing written, nothing deleted


def _snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(p.relative_to(root)): (stat.S_IMODE(p.stat().st_mode), p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_disk_full_while_writing_is_one_line_and_the_old_file_stays(tmp_path, monkeypatch):
    data, out = tiny_dataset(tmp_path / "d"), tmp_path / "f.csv"
    out.write_text("old")

    def disk_full(*args, **kwargs):
        raise OSError(28, os.strerror(28))

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    result = runner.invoke(app, ["features", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] + "\n" == (
        f"error: cannot write {out}: No space left on device; the previous version is intact\n"
    )
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "f.csv"]


def test_an_existing_output_is_replaced_keeping_its_mode_and_saying_so(tmp_path) -> None:
    data, out = tiny_dataset(tmp_path / "d"), tmp_path / "f.csv"
    out.write_text("old")
    out.chmod(0o644)
    result = runner.invoke(app, ["features", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "(replaced the existing file)" in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert pd.read_csv(out)["creator_id"].tolist() == ["c1"]


def test_force_replaces_a_foreign_folder_and_a_dataset_folder_needs_no_force(tmp_path) -> None:
    users_folder(tmp_path)
    out = tmp_path / "out"
    args = ["generate", "--out", str(out), "--creators", "20"]
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert not (out / "notes.txt").exists() and (out / "creators.parquet").exists()
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "(replaced the existing folder)" in again.output


def test_labels_of_one_class_are_refused_before_a_run_or_a_store_exists(tmp_path) -> None:
    """It used to fail inside the run with scikit-learn's message, leaving a FAILED run."""
    data = tmp_path / "d"
    data.mkdir()
    ids = [f"c{i}" for i in range(12)]
    pd.DataFrame(
        {"creator_id": ids, "followers": 1200, "following": 300, "media_count": 40}
    ).to_csv(data / "creators.csv", index=False)
    pd.DataFrame(
        {"creator_id": ids, "post_id": [f"p{i}" for i in range(12)], "likes": 100, "comments": 3,
         "posted_at": "2026-05-01T10:00:00Z"}
    ).to_csv(data / "posts.csv", index=False)  # fmt: skip
    pd.DataFrame({"creator_id": ids, "label": "genuine"}).to_csv(data / "labels.csv", index=False)
    result = runner.invoke(app, ["train", "--data", str(data), "--accounts-model", "none"])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[-1] == (
        "error: the labels hold one class only: genuine (12); training needs labelled creators "
        "of at least two classes"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]  # no mlflow.db, no models/


def _no_worker_may_start(monkeypatch) -> None:
    import serving.workers

    def must_not_start(*args: object, **kwargs: object) -> None:
        pytest.fail("serve started a worker")

    monkeypatch.setattr(serving.workers, "_supervise", must_not_start)
    monkeypatch.setattr(serving.workers, "_run_worker", must_not_start)


def test_serve_refuses_a_key_list_without_keys(monkeypatch) -> None:
    """Before any worker starts: a wrong setting would fail in every worker, again and again as
    the supervisor restarts them, and commas without a key must not turn the key checks off."""
    _no_worker_may_start(monkeypatch)
    blank = runner.invoke(app, ["serve"], env={"CREATOR_AUDIT_API_KEYS": " , "})
    assert blank.exit_code == 2
    assert blank.output == (
        "error: CREATOR_AUDIT_API_KEYS: holds commas and blanks but no key; give keys, or leave "
        "it empty to turn key checks off\n"
    )


def test_serve_refuses_a_port_someone_listens_on(monkeypatch) -> None:
    """SO_REUSEPORT would let the new workers share it silently with an orphaned worker or another
    ``serve``, and the answers come from two services."""
    _no_worker_may_start(monkeypatch)
    with socket.socket() as orphan:  # an orphaned worker's socket
        orphan.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        orphan.bind(("127.0.0.1", 0))
        orphan.listen()
        port = orphan.getsockname()[1]
        for workers in ("1", "2"):
            taken = runner.invoke(app, ["serve", "--port", str(port), "--workers", workers])
            assert taken.exit_code == 2
            assert taken.output == (
                f"error: 127.0.0.1:{port} is already in use (another server listens there); "
                "stop it or choose another --port\n"
            )
