"""Atomic writes: a reader sees the old file (or directory) or the new one, never half of either.

Temporaries sit beside their target as ``.<name>.<pid>.<token>.creator-audit-tmp`` (or ``-old``),
so a run killed with SIGKILL leaves something the next write of the same target recognises: it
removes every such temporary whose process is gone. A directory this project writes carries a
``.creator-audit`` marker listing the entries it wrote. A directory is replaced without ``force``
only when it is empty or holds nothing but what its marker lists: a non-empty directory without a
marker is the user's (even one holding only tables), and so is anything added to ours since.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

TEMP_TAG = "creator-audit"
MARKER = ".creator-audit"
MARKER_HEADER = "written by creator-audit; replaced whole on the next write"
MARKER_LISTING = "entries it wrote:"
NEW_FILE_MODE = 0o666  # the kernel applies the umask, as for any new file
EntryTest = Callable[[str], bool]


def _nothing_known(name: str) -> bool:
    return False


class OutputError(ValueError):
    """An output that cannot or must not be written; one line naming the path and why."""


def check_writable_file(target: str | os.PathLike[str]) -> None:
    """Fail now, before any work, if ``target`` could not be written as a file."""
    target = Path(target)
    _refuse_a_folder(target)
    _probe(target)


def check_writable_directory(
    target: str | os.PathLike[str], force: bool = False, known: EntryTest = _nothing_known
) -> None:
    """Fail now if ``target`` could not be written as a directory, or holds files not ours.

    ``known`` tells the names of entries this project writes there (tables, parts): it judges a
    directory whose marker predates the listing of entries.
    """
    target = Path(target)
    _check_directory_target(target, force, known)
    _probe(target)


def check_not_an_input(
    output: str | os.PathLike[str], option: str, inputs: Mapping[str, Iterable[Path]]
) -> None:
    """Fail now if ``output`` (the value of ``option``) is a path the command reads, a folder
    holding one, or a path inside one: writing it would destroy the input, or change what the
    next run reads. ``inputs`` maps each input option to the paths it reads; paths are compared
    with every symbolic link resolved."""
    out = Path(output)
    real_out = Path(os.path.realpath(out))
    for source, paths in inputs.items():
        for path in paths:
            real_in = Path(os.path.realpath(path))
            if real_out == real_in:
                relation = "is"
            elif real_out in real_in.parents:
                relation = "holds"
            elif real_in in real_out.parents:
                relation = "is inside"
            else:
                continue
            raise OutputError(
                f"{option} {out} {relation} {path}, which {source} reads; an output is never "
                "an input: write it elsewhere"
            )


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success move it over ``target`` in one rename.

    On any exception the temporary file is removed and ``target`` is left untouched. A replaced
    file keeps its mode; a new one gets the mode any new file gets (0666 less the umask).
    """
    target = Path(target)
    _refuse_a_folder(target)
    existed = target.exists()
    try:
        tmp = _new_temp_file(target)
    except OSError as err:
        raise _write_error(target, err, existed) from err
    try:
        if existed:
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        yield tmp
        os.replace(tmp, target)
    except OSError as err:
        raise _write_error(target, err, existed) from err
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_directory(
    target: str | os.PathLike[str], force: bool = False, known: EntryTest = _nothing_known
) -> Iterator[Path]:
    """Yield a fresh temporary directory beside ``target``; on success it replaces ``target``.

    An existing ``target`` is swapped out and deleted only after the new one is in place, so a
    failure at any point leaves either the complete old directory or the complete new one. A
    non-empty ``target`` holding anything this project did not write there is refused unless
    ``force``; the new directory's marker lists what it holds.
    """
    target = Path(target)
    _check_directory_target(target, force, known)  # creating the temporary is the write probe
    existed = target.exists()
    try:
        tmp = _new_temp_dir(target, "tmp")
    except OSError as err:
        raise _write_error(target, err, existed) from err
    try:
        yield tmp
        _write_marker(tmp)
        if existed:
            old = _new_temp_dir(target, "old", clean=False)  # cleaned just above
            os.replace(target, old / "previous")
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except OSError as err:
        raise _write_error(target, err, existed) from err
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporaries of ``target`` left by processes that no longer run."""
    pattern = f".{glob.escape(target.name)}.*.{TEMP_TAG}-*"
    removed = []
    for leftover in target.parent.glob(pattern):
        pid = _owner_pid(leftover, target)
        if pid is None or pid == os.getpid() or _is_running(pid):
            continue
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def _refuse_a_folder(target: Path) -> None:
    if target.is_dir():
        raise OutputError(f"{target} is a folder; name a file to write")


def _check_directory_target(target: Path, force: bool, known: EntryTest) -> None:
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target} is a file; name a folder to write the output into")
    if not force:
        _refuse_foreign(target, known)


def _refuse_foreign(target: Path, known: EntryTest) -> None:
    if not target.is_dir():
        return
    entries = sorted(p.name for p in target.iterdir() if p.name != MARKER)
    if not entries:
        return
    marker = target / MARKER
    if not marker.is_file():
        raise OutputError(
            f"{target} holds files creator-audit did not write ({_some(entries)}); "
            "choose an empty or new folder, or pass --force to replace it whole"
        )
    listed = _listed_entries(marker)
    ours = (lambda name: name in listed) if listed is not None else known
    foreign = [name for name in entries if not ours(name)]
    if foreign:
        raise OutputError(
            f"{target} was written by creator-audit but now also holds files it did not write "
            f"({_some(foreign)}); move them out, or pass --force to replace it whole"
        )


def _some(names: list[str], shown: int = 3) -> str:
    """The first few names, and how many more: ``a, b, c and 4 more``."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _write_marker(directory: Path) -> None:
    """The marker of a directory this project wrote: what it is, and every entry it holds."""
    entries = sorted(p.name for p in directory.iterdir())
    lines = [MARKER_HEADER, MARKER_LISTING, *entries]
    (directory / MARKER).write_text("\n".join(lines) + "\n")


def _listed_entries(marker: Path) -> set[str] | None:
    """The entries a marker lists; None for a marker written before markers listed them."""
    try:
        lines = marker.read_text(errors="replace").splitlines()
    except OSError:
        return None
    if MARKER_LISTING not in lines:
        return None
    return set(lines[lines.index(MARKER_LISTING) + 1 :])


def _probe(target: Path) -> None:
    """Create and remove a temporary where ``target`` would go (or its nearest existing
    ancestor): the one test of writability that also holds for root and for /proc."""
    parent = target.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {target}: {parent} is a file, not a folder")
    try:
        probe = _new_temp_file(parent / target.name, clean=False)
    except OSError as err:
        raise OutputError(f"cannot write {target}: {err.strerror or err}") from None
    probe.unlink(missing_ok=True)


def _new_temp_file(target: Path, clean: bool = True) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    if clean:
        remove_stale_temporaries(target)
    tmp = _temp_name(target, "tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE))
    return tmp


def _new_temp_dir(target: Path, kind: str, clean: bool = True) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    if clean:
        remove_stale_temporaries(target)
    tmp = _temp_name(target, kind)
    tmp.mkdir()
    return tmp


def _temp_name(target: Path, kind: str) -> Path:
    return target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.{TEMP_TAG}-{kind}"


def _owner_pid(leftover: Path, target: Path) -> int | None:
    middle = leftover.name[len(target.name) + 2 :].split(".")
    return int(middle[0]) if len(middle) == 3 and middle[0].isdigit() else None


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


def _write_error(target: Path, err: OSError, existed: bool) -> OutputError:
    kept = "the previous version is intact" if existed else "nothing was written"
    return OutputError(f"cannot write {target}: {err.strerror or err}; {kept}")
