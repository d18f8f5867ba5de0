"""The public labelled collections the project trains on, as published (``sources.json``).

Each collection names its files by repository, commit and path, with the SHA-256 and size each
must have, its licence and how to cite it. The manifest ships inside the package: a user's machine
has no ``../shared/data``, and ``creator-audit data fetch`` needs it to know what to get and what
to accept. ``tests/dataset/test_sources.py`` keeps it equal to the shared folder's
``SOURCES.json`` where that exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = ["Collection", "PublishedFile", "load_manifest", "published_file", "select"]

MANIFEST_FILE = Path(__file__).with_name("sources.json")
_HEX40 = re.compile(r"[0-9a-f]{40}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class PublishedFile:
    """One file of a collection, pinned to a commit, with the digest and size it must have."""

    collection: str
    repo: str
    commit: str
    path: str
    sha256: str
    size: int

    @property
    def key(self) -> str:
        """Where it sits under a mirror and in the cache: ``{repo}/{commit}/{path}``."""
        return f"{self.repo}/{self.commit}/{self.path}"

    @property
    def label(self) -> str:
        """A short name for messages: ``repo@commit:path`` with the commit's first 7 digits."""
        return f"{self.repo}@{self.commit[:7]}:{self.path}"


@dataclass(frozen=True)
class Collection:
    """A public labelled collection: its files, licence, citation and what the project uses it
    for."""

    name: str
    files: tuple[PublishedFile, ...]
    licence: str
    cite: str
    used_for: str


def load_manifest(path: Path | None = None) -> tuple[Collection, ...]:
    """The collections of a manifest (default: the packaged ``sources.json``), checked: a bad
    entry raises ``ValueError`` naming the manifest, the collection and the field."""
    manifest = path or MANIFEST_FILE
    try:
        raw = json.loads(manifest.read_text(encoding="utf-8"))
        entries = raw["sources"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{manifest}: not a manifest of sources: {err}") from None
    collections = tuple(_collection(manifest, i, entry) for i, entry in enumerate(entries))
    names = [c.name for c in collections]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"{manifest}: collection names appear twice: {', '.join(duplicated)}")
    return collections


def select(
    collections: tuple[Collection, ...], names: Iterable[str] | None
) -> tuple[Collection, ...]:
    """The collections named (all when ``names`` is empty or None), in manifest order; an unknown
    name raises ``LookupError`` listing the known ones."""
    wanted = list(names or [])
    known = [c.name for c in collections]
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise LookupError(
            f"no collection named {', '.join(unknown)}; the collections are: {', '.join(known)}"
        )
    return tuple(c for c in collections if not wanted or c.name in wanted)


def published_file(
    collection: str, path: str, collections: tuple[Collection, ...] | None = None
) -> PublishedFile:
    """The published file ``path`` of the collection named ``collection``."""
    for c in collections if collections is not None else load_manifest():
        for file in c.files:
            if c.name == collection and file.path == path:
                return file
    raise LookupError(f"the manifest lists no file {path} in a collection {collection}")


def _collection(manifest: Path, index: int, entry: Any) -> Collection:
    name = entry.get("name") if isinstance(entry, dict) else None
    where = f"{manifest}: source {index + 1} ({name or 'no name'})"
    try:
        fields = {key: _text(entry, key) for key in ("name", "repo", "commit", "licence", "cite")}
        fields["used_for"] = _text(entry, "used_for")
        _check(fields["repo"], _REPO, "repo", "owner/name")
        _check(fields["commit"], _HEX40, "commit", "40 lowercase hex digits")
        files = tuple(_file(fields, f) for f in entry["files"])
    except KeyError as err:
        raise ValueError(f"{where}: the field {err} is missing") from None
    except (TypeError, ValueError, AttributeError) as err:
        raise ValueError(f"{where}: {err}") from None
    if not files:
        raise ValueError(f"{where}: lists no files")
    return Collection(fields["name"], files, fields["licence"], fields["cite"], fields["used_for"])


def _file(collection: dict[str, str], entry: dict[str, Any]) -> PublishedFile:
    path, sha256, size = _text(entry, "path"), _text(entry, "sha256"), entry["bytes"]
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path or str(pure) != path:
        raise ValueError(f"path {path!r} must be a plain relative path inside the repository")
    _check(sha256, _HEX64, "sha256", "64 lowercase hex digits")
    if type(size) is not int or size <= 0:
        raise ValueError(f"bytes of {path} must be a positive whole number, not {size!r}")
    repo, commit = collection["repo"], collection["commit"]
    return PublishedFile(collection["name"], repo, commit, path, sha256, size)


def _text(entry: dict[str, Any], key: str) -> str:
    value = entry[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be a non-empty string, not {value!r}")
    return value


def _check(value: str, pattern: re.Pattern[str], field: str, expected: str) -> None:
    if not pattern.fullmatch(value):
        raise ValueError(f"{field} {value!r} is not {expected}")
