"""Read a dataset directory (CONTRACT.md §1) into a validated, typed Dataset.

Each table is ``<table>.csv``, ``<table>.parquet`` or a directory ``<table>/`` of ``*.parquet`` (or
``*.csv``) part files, as Spark, Dask or a warehouse export writes them. Reading only gets the bytes
in; every conversion and check happens in ``validate.py``, the same path HTTP payloads take.

A file is judged before it is read whole: by its size (``limits.max_file_bytes``), and a CSV file
by one pass over its bytes in blocks, since pandas takes a damaged one (zero-filled, or one endless
line) at ten times its size in memory before it fails.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from creator_audit import limits
from creator_audit.dataset.errors import DatasetError, Problem
from creator_audit.dataset.types import Dataset, ReadTime
from creator_audit.dataset.validate import coerce_table, dataset_from_frames
from creator_audit.schema import ACCOUNTS, TABLES, Table

__all__ = ["csv_header", "dataset_paths", "read_accounts", "read_dataset"]

FORMATS = ("csv", "parquet")
# CSV files are checked in blocks of this size; a line longer than one block is no table's row.
CSV_BLOCK_BYTES = 8 * 2**20
TEXT_KINDS = ("str", "label", "kind")
# What a CSV cell may say for "no value" in a numeric or timestamp column. Text columns treat only
# an empty cell as missing: "null" or "NA" may well be somebody's username or id.
NA_WORDS = ("", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "NULL", "null", "None", "<NA>", "#N/A")


class _BadFile(ValueError):
    """A file refused before it is read whole; ``line`` is the line at fault, if one is."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class _Parts:
    """The part files of a partitioned table and the row of the whole table each one starts at."""

    files: tuple[Path, ...]
    starts: np.ndarray


@dataclass(frozen=True)
class _Located:
    """Where one table lives: its name in messages, and its file(s) in reading order."""

    source: str
    files: tuple[Path, ...]


def read_dataset(
    path: str | os.PathLike[str], with_labels: bool = True, read_time: ReadTime | None = None
) -> Dataset:
    """Read, coerce and validate the dataset in directory ``path``.

    Raises ``DatasetError`` naming the file, row and column of every problem found (missing
    directory or required table, a table given twice, an unreadable file, a bad value). Files that
    are not named after a table are ignored, so a dataset may carry notes or extra exports.
    ``with_labels=False`` leaves the labels table unread (features and scores do not use it, so
    a bad label must not stop them). The dataset keeps when it was read (``read_time``, default
    now): the snapshot of every creator without ``snapshot_at``.
    """
    read_time = read_time or ReadTime.now()
    root = check_dataset_directory(path)
    problems: list[Problem] = []
    names = [name for name in TABLES if with_labels or name != "labels"]
    located = {name: _locate(root, name, problems) for name in names}
    raw: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    parts: dict[str, _Parts] = {}
    for name, where in located.items():
        if where is None:
            continue
        frame = _read_table(root, name, where, problems, parts)
        if frame is not None:
            raw[name], sources[name] = frame, where.source
    if problems:
        raise DatasetError(problems)
    try:
        return dataset_from_frames(raw, sources, read_time=read_time)
    except DatasetError as err:
        if not parts:
            raise
        raise DatasetError(_point_into_parts(err, parts)) from None


def check_dataset_directory(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path if it is a directory; a :class:`DatasetError` saying what it is not."""
    root = Path(path)
    if not root.is_dir():
        what = "is not a directory" if root.exists() else _link_problem(root) or "does not exist"
        raise DatasetError([Problem(str(root), None, None, f"dataset directory {what}")])
    return root


def dataset_paths(path: str | os.PathLike[str]) -> list[Path]:
    """Every path that reading dataset ``path`` reads or would read: each table's ``.csv`` and
    ``.parquet`` file and ``<table>/`` directory, present or not, and the part files in those
    directories. Empty when ``path`` is not a directory. What an output must never be."""
    root = Path(path)
    if not root.is_dir():
        return []
    paths = []
    for name in TABLES:
        directory = root / name
        paths += [root / f"{name}.{fmt}" for fmt in FORMATS] + [directory]
        if directory.is_dir():
            paths += [part for fmt in FORMATS for part in _part_files(directory, fmt)]
    return paths


def missing_table(root: Path, name: str) -> Problem:
    message = (
        f"required table {name!r} is missing "
        f"(expected {name}.csv, {name}.parquet or a {name}/ directory of part files)"
    )
    return Problem(str(root), None, None, message)


def find_table(root: Path, name: str) -> Path | None:
    """Where table ``name`` lives in dataset ``root``: ``<name>.csv``, ``<name>.parquet`` or a
    directory ``<name>/`` of parts; None if absent. One definition for the in-memory and the
    Dask readers; a table given twice, or a symbolic link that leads nowhere (a loop, a missing
    target) where a table would be, is a :class:`DatasetError`."""
    candidates = [root / f"{name}.{fmt}" for fmt in FORMATS] + [root / name]
    for candidate in candidates:
        problem = _link_problem(candidate)
        if problem is not None:
            shown = candidate.relative_to(root).as_posix()
            raise DatasetError([Problem(str(root), None, None, f"{shown} {problem}")])
    found = [p for p in candidates[:-1] if p.is_file()]
    if candidates[-1].is_dir():
        found.append(candidates[-1])
    if len(found) > 1:
        names = " and ".join(_display(root, p) for p in found)
        message = f"table {name!r} is given {len(found)} times; keep one"
        raise DatasetError([Problem(names, None, None, message)])
    return found[0] if found else None


def _link_problem(path: Path) -> str | None:
    """What is wrong with ``path`` if it is a symbolic link that leads to nothing (a loop, or a
    missing target), which would otherwise read as an absent table; None for anything else."""
    try:
        os.stat(path)
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "is a symbolic link loop"
        if os.path.islink(path):
            return f"is a symbolic link to {os.readlink(path)}, which does not exist"
    return None


def _locate(root: Path, name: str, problems: list[Problem]) -> _Located | None:
    """The file(s) of table ``name``, or None (with a problem if it is required or ambiguous)."""
    try:
        path = find_table(root, name)
    except DatasetError as err:
        problems.extend(err.problems)
        return None
    found = [] if path is None else [path]
    if not found:
        if TABLES[name].required:
            problems.append(missing_table(root, name))
        return None
    if found[0].is_file():
        return _Located(found[0].name, (found[0],))
    return _locate_parts(root, found[0], problems)


def _locate_parts(root: Path, directory: Path, problems: list[Problem]) -> _Located | None:
    """The part files of a partitioned table, in one format (a problem otherwise)."""
    for entry in sorted(directory.iterdir()):
        problem = _link_problem(entry) if entry.suffix[1:] in FORMATS else None
        if problem is not None:
            shown = entry.relative_to(root).as_posix()
            problems.append(Problem(str(root), None, None, f"{shown} {problem}"))
            return None
    by_format = {fmt: _part_files(directory, fmt) for fmt in FORMATS}
    present = [fmt for fmt, parts in by_format.items() if parts]
    source = _display(root, directory)
    if len(present) != 1:
        message = (
            "holds both .csv and .parquet part files; keep one format"
            if present
            else "holds no .csv or .parquet part files"
        )
        problems.append(Problem(source, None, None, message))
        return None
    return _Located(source, tuple(by_format[present[0]]))


def _part_files(directory: Path, fmt: str) -> list[Path]:
    """Part files in sorted name order; hidden and ``_``-prefixed files (``_SUCCESS``) are not."""
    return sorted(
        p for p in directory.glob(f"*.{fmt}") if p.is_file() and not p.name.startswith((".", "_"))
    )


def _read_table(
    root: Path, name: str, where: _Located, problems: list[Problem], parts: dict[str, _Parts]
) -> pd.DataFrame | None:
    """One table's frame; the part files of a partitioned table are concatenated in order."""
    frames = []
    for file in where.files:
        try:
            frames.append(_read_file(file, name))
        except Exception as exc:  # any reader failure means the same thing: this file is unusable
            problems.append(_unreadable(_display(root, file), exc))
    if len(frames) != len(where.files):
        return None
    if where.source.endswith("/"):  # a directory of parts, even of just one
        starts = np.cumsum([0] + [len(f) for f in frames[:-1]])
        parts[where.source] = _Parts(where.files, starts)
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def read_accounts(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and coerce a file of accounts (``.csv`` or ``.parquet``, the follower_samples fields,
    creator_id optional) for the account model; ``DatasetError`` names the file, row and column."""
    file = Path(path)
    if file.suffix not in (".csv", ".parquet"):
        raise DatasetError([Problem(str(file), None, None, "must end in .csv or .parquet")])
    if not file.is_file():
        raise DatasetError([Problem(str(file), None, None, "file not found")])
    try:
        raw = _read_file(file, ACCOUNTS)
    except Exception as exc:  # any reader failure means the same thing: this file is unusable
        raise DatasetError([_unreadable(str(file), exc)]) from None
    return coerce_table(ACCOUNTS.name, raw, str(file))


def csv_header(file: Path) -> list[str]:
    """The column names of CSV ``file``, after checking its first block is text with a line end
    (so the header is read in bounded memory); a :class:`DatasetError` naming the file if not."""
    try:
        _check_csv_text(file, whole=False)
    except _BadFile as exc:
        raise DatasetError([_unreadable(str(file), exc)]) from None
    return [str(c) for c in pd.read_csv(file, nrows=0).columns]


def _unreadable(shown: str, exc: Exception) -> Problem:
    """The problem of a file that could not be read: what the check or the reader said."""
    if isinstance(exc, _BadFile):
        row = None if exc.line is None else exc.line - 1  # messages show a CSV row as its line
        return Problem(shown, row, None, str(exc))
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return Problem(shown, None, None, f"cannot read: {reason}")


def _read_file(file: Path, name: str | Table) -> pd.DataFrame:
    fmt = file.suffix[1:]
    size = file.stat().st_size
    if size > limits.max_file_bytes(fmt):
        raise _BadFile(limits.file_too_large(size, fmt))
    if fmt == "parquet":
        return pd.read_parquet(file, engine="pyarrow")
    if size == 0:
        raise ValueError("the file is empty (not even a header row)")
    _check_csv_text(file)
    table = TABLES[name] if isinstance(name, str) else name
    header = pd.read_csv(file, nrows=0).columns
    text = {c.name for c in table.columns if c.kind in TEXT_KINDS}
    # Ids are read as text so "007" stays "007"; everything else is read raw and typed by coercion.
    return pd.read_csv(
        file,
        dtype={c: "str" for c in header if c in text},
        keep_default_na=False,
        na_values={c: [""] if c in text else list(NA_WORDS) for c in header},
    )


def _check_csv_text(file: Path, whole: bool = True) -> None:
    """Raise :class:`_BadFile` unless ``file`` (its first block only, unless ``whole``) is text in
    lines no longer than a block: no NUL byte (a zero-filled or binary file) and no endless line.
    One pass in blocks, so memory stays bounded whatever the file holds (~0.3 s per GB)."""
    block = bytearray(CSV_BLOCK_BYTES)
    line_so_far, offset = 0, 0  # bytes since the last line end; bytes before this block
    with file.open("rb", buffering=0) as stream:
        while size := stream.readinto(block):
            nul = block.find(b"\0", 0, size)
            if nul >= 0:
                raise _BadFile(_NUL_BYTE.format(offset + nul), _line_at(file, offset + nul))
            first_end = block.find(b"\n", 0, size)
            if line_so_far + (size if first_end < 0 else first_end) >= CSV_BLOCK_BYTES:
                raise _BadFile(_ENDLESS_LINE, _line_at(file, offset - line_so_far))
            last_end = block.rfind(b"\n", 0, size)
            line_so_far = line_so_far + size if last_end < 0 else size - last_end - 1
            offset += size
            if not whole:
                return


def _line_at(file: Path, position: int) -> int:
    """The line (from 1) holding byte ``position``: counted only when a file is refused."""
    lines, done = 1, 0
    with file.open("rb") as stream:
        while done < position and (chunk := stream.read(min(CSV_BLOCK_BYTES, position - done))):
            lines += chunk.count(b"\n")
            done += len(chunk)
    return lines


_NUL_BYTE = (
    "a NUL byte (at byte offset {:,}): a CSV table is text, so this file is damaged "
    "(zero-filled, as a crash or `truncate` leaves one) or is not CSV"
)
_ENDLESS_LINE = (
    f"longer than {CSV_BLOCK_BYTES // 2**20} MiB, far more than any row of a table: this file is "
    "damaged or is not CSV"
)


def _display(root: Path, path: Path) -> str:
    """A path as messages show it: relative to the dataset directory, directories with a slash."""
    shown = path.relative_to(root).as_posix()
    return shown + "/" if path.is_dir() else shown


def _point_into_parts(err: DatasetError, parts: dict[str, _Parts]) -> list[Problem]:
    """Turn a row of a concatenated partitioned table into the part file and its own row."""
    out = []
    for problem in err.problems:
        where = parts.get(problem.file)
        if where is None or problem.row is None:
            out.append(problem)
            continue
        index = int(np.searchsorted(where.starts, problem.row - 1, side="right") - 1)
        part = f"{problem.file}{where.files[index].name}"
        out.append(replace(problem, file=part, row=problem.row - int(where.starts[index])))
    return out
