"""Long work shows it is working: a line with each stage's time; a bar only on a terminal."""

from __future__ import annotations

import io
import re

import pytest
from typer.testing import CliRunner

from creator_audit import progress
from creator_audit.cli import app


def test_a_stage_logs_its_time_when_done(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREATOR_AUDIT_PROGRESS", "0")
    lines: list[str] = []
    with progress.stage("features of 3 creators", lines.append, total=3) as advance:
        advance(1)
        advance(2)
    assert len(lines) == 1 and re.fullmatch(r"features of 3 creators: \d+\.\d s", lines[0])


def test_a_failed_stage_logs_no_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREATOR_AUDIT_PROGRESS", "0")
    lines: list[str] = []
    with pytest.raises(RuntimeError), progress.stage("doomed", lines.append):
        raise RuntimeError("boom")
    assert lines == []


def test_the_bar_is_drawn_on_stderr_only_when_wanted(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.delenv("CREATOR_AUDIT_PROGRESS", raising=False)
    assert progress.bars_wanted() is False  # not a terminal: quiet
    monkeypatch.setenv("CREATOR_AUDIT_PROGRESS", "1")
    assert progress.bars_wanted() is True
    with progress.stage("drawn", lambda _: None, total=2) as advance:
        advance(2)
    assert "drawn" in err.getvalue()


def test_commands_print_each_stage_time(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREATOR_AUDIT_PROGRESS", "0")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["generate", "--out", "d", "--creators", "30"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^generate 30 creators: \d+\.\d s$", result.output, re.M)
    result = CliRunner().invoke(app, ["features", "--data", "d", "--out", "f.csv"])
    assert result.exit_code == 0, result.output
    for stage in ("read d", "features of 30 creators", "write f.csv"):
        assert re.search(rf"^{stage}: \d+\.\d s$", result.output, re.M), stage


def test_labels_are_checked_first_and_only_where_used(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CREATOR_AUDIT_PROGRESS", "0")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "")
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["generate", "--out", "d", "--creators", "30"]).exit_code == 0
    labels = next((tmp_path / "d").glob("labels.*"))
    labels.unlink()
    (tmp_path / "d" / "labels.csv").write_text("creator_id,label\nnobody,space_alien\n")
    # features and score do not use labels: a bad labels table does not stop them
    result = CliRunner().invoke(app, ["features", "--data", "d", "--out", "f.csv"])
    assert result.exit_code == 0, result.output
    (tmp_path / "d" / "labels.csv").unlink()
    result = CliRunner().invoke(app, ["evaluate", "--data", "d", "--model", "m.bundle"])
    assert result.exit_code == 2
    assert "no labels table" in result.output and "features of" not in result.output
