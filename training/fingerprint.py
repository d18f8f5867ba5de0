"""A fingerprint of the training data, logged with every run: content hash and row counts."""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd

from creator_audit.dataset import Dataset


def dataset_fingerprint(ds: Dataset) -> dict[str, Any]:
    """sha256 over every table's row hashes (in order), rows per table, creators per label."""
    digest = hashlib.sha256()
    rows = {}
    for name, frame in sorted(ds.tables().items()):
        digest.update(name.encode())
        digest.update(",".join(map(str, frame.columns)).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        rows[name] = len(frame)
    labels = {}
    if ds.labels is not None:
        labels = {str(k): int(v) for k, v in ds.labels["label"].value_counts().sort_index().items()}
    return {"sha256": digest.hexdigest(), "rows": rows, "labels": labels}
