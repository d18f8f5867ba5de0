"""Atomic writes: nothing of the user's deleted, modes kept, debris of killed runs removed."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from creator_audit.atomic import (
    MARKER,
    OutputError,
    atomic_directory,
    atomic_path,
    check_writable_file,
    remove_stale_temporaries,
)


def _dead_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(child.stdout)


def test_a_folder_of_the_users_is_refused_and_left_intact(tmp_path) -> None:
    target = tmp_path / "out"
    (target / "sub").mkdir(parents=True)
    (target / "notes.txt").write_text("mine")
    (target / "sub" / "keep.md").write_text("mine too")
    with (
        pytest.raises(
            OutputError,
            match=r"holds files creator-audit did not write \(notes.txt, "
            r"sub\); .*pass --force",
        ),
        atomic_directory(target) as tmp,
    ):
        (tmp / "t.csv").write_text("new")
    assert (target / "notes.txt").read_text() == "mine"
    assert (target / "sub" / "keep.md").read_text() == "mine too"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_written_here_is_replaced_and_force_replaces_any(tmp_path) -> None:
    target = tmp_path / "out"
    with atomic_directory(target) as tmp:
        (tmp / "a.csv").write_text("1")
    with atomic_directory(target) as tmp:  # ours: it holds only what its marker lists
        (tmp / "b.csv").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "b.csv"]
    (target / MARKER).unlink()
    (target / "mine.txt").write_text("x")
    with atomic_directory(target, force=True) as tmp:
        (tmp / "d.csv").write_text("4")
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "d.csv"]


def test_files_added_to_a_folder_written_here_are_named_and_kept(tmp_path) -> None:
    target = tmp_path / "out"
    with atomic_directory(target) as tmp:
        (tmp / "posts.csv").write_text("1")
    added = ["analysis", "a.txt", "b.txt", "c.txt", "notes.txt"]
    for name in added:
        (target / name).write_text("mine")
    with (
        pytest.raises(
            OutputError,
            match=r"out was written by creator-audit but now also holds files it did not write "
            r"\(a.txt, analysis, b.txt and 2 more\); move them out, or pass --force",
        ),
        atomic_directory(target, known=lambda name: True) as tmp,  # the listing decides
    ):
        (tmp / "posts.csv").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == sorted([MARKER, "posts.csv", *added])


def test_a_folder_of_tables_without_the_marker_is_the_users(tmp_path) -> None:
    target = tmp_path / "export"
    target.mkdir()
    (target / "posts.csv").write_text("mine")
    with (
        pytest.raises(OutputError, match=r"export holds files creator-audit did not write"),
        atomic_directory(target, known=lambda name: name == "posts.csv") as tmp,
    ):
        (tmp / "posts.csv").write_text("new")
    assert (target / "posts.csv").read_text() == "mine"


def test_a_marker_from_before_listings_is_judged_by_the_known_names(tmp_path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / MARKER).write_text("written by creator-audit; replaced whole on the next write\n")
    (target / "posts.csv").write_text("old")
    with atomic_directory(target, known=lambda name: name == "posts.csv") as tmp:
        (tmp / "posts.csv").write_text("new")
    assert (target / "posts.csv").read_text() == "new"
    (target / MARKER).write_text("written by creator-audit; replaced whole on the next write\n")
    (target / "notes.txt").write_text("mine")
    with (
        pytest.raises(OutputError, match=r"also holds files it did not write \(notes.txt\)"),
        atomic_directory(target, known=lambda name: name == "posts.csv"),
    ):
        pass


def test_a_replaced_file_keeps_its_mode_and_a_new_one_gets_the_umask(tmp_path) -> None:
    existing, new = tmp_path / "scores.csv", tmp_path / "new.csv"
    existing.write_text("old")
    existing.chmod(0o644)
    with atomic_path(existing) as tmp:
        tmp.write_text("new")
    with atomic_path(new) as tmp:
        tmp.write_text("new")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o644
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    assert existing.read_text() == "new"


def test_temporaries_of_killed_runs_are_removed_by_the_next_write(tmp_path) -> None:
    target = tmp_path / "scores.csv"
    dead = _dead_pid()
    stale_file = tmp_path / f".scores.csv.{dead}.0a1b2c3d.creator-audit-tmp"
    stale_dir = tmp_path / f".scores.csv.{dead}.0a1b2c3e.creator-audit-old"
    live = tmp_path / f".scores.csv.{os.getppid()}.0a1b2c3f.creator-audit-tmp"  # a running writer
    other = tmp_path / f".other.csv.{dead}.0a1b2c40.creator-audit-tmp"  # another target's
    stale_file.write_bytes(b"partial")
    (stale_dir / "previous").mkdir(parents=True)
    for path in (live, other):
        path.write_bytes(b"")
    with atomic_path(target) as tmp:
        tmp.write_text("whole")
    assert not stale_file.exists() and not stale_dir.exists()
    assert live.exists() and other.exists()
    assert remove_stale_temporaries(tmp_path / "other.csv") == [other]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("/proc/x.csv", "cannot write /proc/x.csv: "),
        ("{tmp}/a_file/x.csv", "a_file is a file, not a folder"),
        ("{tmp}", "is a folder; name a file to write"),
    ],
)
def test_an_unwritable_output_is_named_before_any_work(tmp_path, where, message) -> None:
    (tmp_path / "a_file").write_text("")
    with pytest.raises(OutputError, match=message):
        check_writable_file(where.format(tmp=tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_disk_full_names_the_file_and_keeps_the_old_one(tmp_path) -> None:
    target = tmp_path / "x.csv"
    target.write_text("old")
    with (
        pytest.raises(OutputError, match=r"x.csv: No space left on device; the previous"),
        atomic_path(target) as tmp,
    ):
        tmp.write_text("partial")
        raise OSError(28, os.strerror(28))
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]


def test_a_write_killed_with_sigkill_leaves_debris_the_next_write_removes(tmp_path) -> None:
    target = tmp_path / "scores.csv"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITE_THEN_HANG, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
    writer.kill()
    writer.wait()
    debris = [p.name for p in tmp_path.iterdir()]
    assert len(debris) == 1 and debris[0].startswith(".scores.csv.")  # the partial temporary
    with atomic_path(target) as tmp:
        tmp.write_text("whole")
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


WRITE_THEN_HANG = """
import sys, time
from creator_audit.atomic import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(b"x" * 268_000)
    print("writing", flush=True)
    time.sleep(60)
"""
