"""Model bundle files: a header that names and checksums the payload, then the joblib payload.

Unpickling runs code, and a damaged pickle fails in ways that name nothing (``zlib.error``,
``EOFError``, ``IndexError``). So a bundle is recognised and verified before it is unpickled: a
file without the header is "not a creator-audit model bundle", one whose payload does not match
its length or SHA-256 "is damaged". Bundles written before the header existed (a bare zlib-joblib
stream) still load, with any failure reported as damage.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import joblib

from creator_audit.atomic import atomic_path

MAGIC = b"CREATOR-AUDIT-BUNDLE\n"
MAX_HEADER_BYTES = 4096
LEGACY_ZLIB_START = b"\x78"  # joblib.dump(..., compress=3) writes a zlib stream


class BundleError(ValueError):
    """A file that cannot be used as a model bundle; one line naming it and why."""


def write_bundle(path: str | os.PathLike[str], payload: Any, kind: str) -> Path:
    """Write ``payload`` (plain data: no live objects) as a ``kind`` bundle, atomically."""
    buffer = io.BytesIO()
    joblib.dump(payload, buffer, compress=3)
    body = buffer.getvalue()
    header = {"kind": kind, "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + body)
    return path


def read_bundle(path: str | os.PathLike[str], kind: str | None = None) -> Any:
    """The payload of the bundle at ``path``, verified before it is unpickled; with ``kind``,
    a bundle of another kind is refused by its header."""
    path = Path(path)
    if not path.is_file():
        raise BundleError(f"model bundle {path} does not exist")
    data = path.read_bytes()
    if not data:
        raise BundleError(f"{path} is empty: not a creator-audit model bundle")
    if data.startswith(MAGIC):
        return _unpickle(_verified_body(data, path, kind), path, verified=True)
    if data.startswith(LEGACY_ZLIB_START):
        return _unpickle(data, path, verified=False)
    raise BundleError(f"{path} is not a creator-audit model bundle")


def _verified_body(data: bytes, path: Path, kind: str | None) -> bytes:
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + MAX_HEADER_BYTES)
    try:
        header = json.loads(data[len(MAGIC) : end]) if end > 0 else None
        size, digest = int(header["bytes"]), str(header["sha256"])
    except (ValueError, TypeError, KeyError):
        raise BundleError(f"bundle {path} is damaged: its header is unreadable") from None
    if kind is not None and header.get("kind") != kind:
        raise BundleError(f"{path} is a bundle of {header.get('kind')}, not of {kind}")
    body = data[end + 1 :]
    if len(body) != size:
        raise BundleError(
            f"bundle {path} is damaged: {len(body)} bytes of payload where its header says "
            f"{size} (truncated or appended to)"
        )
    if hashlib.sha256(body).hexdigest() != digest:
        raise BundleError(f"bundle {path} is damaged: its checksum does not match (altered)")
    return body


def _unpickle(body: bytes, path: Path, verified: bool) -> Any:
    try:
        return joblib.load(io.BytesIO(body))
    except Exception as err:
        if verified:  # intact bytes that do not load: written by an incompatible version
            raise BundleError(
                f"bundle {path} cannot be loaded by this version ({type(err).__name__}: {err})"
            ) from None
        # in a bare zlib/pickle stream, any failure is damage
        raise BundleError(f"bundle {path} is damaged ({type(err).__name__})") from None
