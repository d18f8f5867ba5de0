"""Bundles as older creator-audit versions wrote them (pickles), and a malicious one.

``write_pickled_bundle`` is the writer before bundles held plain data: MAGIC, a header without
``container``, a joblib (zlib pickle) body; ``write_headerless_bundle`` the one before the header.
``Trap`` is what an attacker pickles: unpickling it creates ``marker``, as ``os.system`` would run
a command, so a test sees whether anything unpickled it.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import joblib

from creator_audit.bundle import MAGIC


class Trap:
    """Unpickled, it creates ``marker``: the stand-in for a payload that runs a command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def write_pickled_bundle(path: Path, payload: Any, kind: str) -> Path:
    """A bundle as creator-audit wrote it before this container: a valid header, then a pickle."""
    buffer = io.BytesIO()
    joblib.dump(payload, buffer, compress=3)
    body = buffer.getvalue()
    header = {"kind": kind, "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    path.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + body)
    return path


def write_headerless_bundle(path: Path, payload: Any) -> Path:
    """A bundle from before the header: a bare zlib-joblib stream."""
    joblib.dump(payload, path, compress=3)
    return path


def evil_payload(marker: Path) -> dict[str, Any]:
    """A payload that looks like a creator model's and runs code when unpickled."""
    return {"format": 1, "booster_text": "tree", "metadata": {"trap": Trap(marker)}}
