"""A fingerprint of the training data, logged with every run: content hash and counts.

The hash is over the dataset's files (relative path and bytes, streamed), so the in-memory and
the Dask training, which read the same directory differently, log the same ``data_sha256``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any


def files_sha256(root: str | Path) -> str:
    """sha256 over every file below ``root`` in sorted order: its relative path, then its bytes."""
    root = Path(root)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def dataset_fingerprint(root: str | Path, labels: dict[str, int]) -> dict[str, Any]:
    """The files' hash and the labelled creators per label."""
    return {"sha256": files_sha256(root), "labels": {k: int(labels[k]) for k in sorted(labels)}}
