"""Rewrite a pickled bundle of an older creator-audit as a bundle of plain data.

The one place that unpickles, and only for a file the user vouched for (``creator-audit model
convert --trust``): a pickle runs whatever code it holds when it is read. The payload goes
through the model's own ``from_payload`` and ``to_payload``, so what is written is what loading
reads, and nothing but plain data.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from creator_audit.bundle import BundleError, payload_read_as, read_pickled_bundle
from scoring.account_model import BUNDLE_KIND as ACCOUNT_KIND
from scoring.account_model import AccountModel
from scoring.comment_model import BUNDLE_KIND as COMMENT_KIND
from scoring.comment_model import CommentModel
from scoring.model import BUNDLE_FORMAT as CREATOR_FORMAT
from scoring.model import BUNDLE_KIND as CREATOR_KIND
from scoring.model import CreatorFraudModel
from scoring.store.loading import fetch_bundle, names_a_file
from scoring.store.names import BUNDLE_SUFFIX

Model = CreatorFraudModel | AccountModel | CommentModel
MODEL_TYPES: dict[str, type[Model]] = {
    CREATOR_KIND: CreatorFraudModel,
    ACCOUNT_KIND: AccountModel,
    COMMENT_KIND: CommentModel,
}


def converted_path(source: str) -> Path:
    """Where the converted bundle goes by default: beside the file, ending ``.bundle``; for an
    MLflow model, in the working folder, named after its URI (``creator-fraud-3.bundle``)."""
    if not names_a_file(source):
        name = re.sub(r"[^\w.]+", "-", source.partition(":")[2]).strip("-.")
        return Path(f"{name or 'model'}{BUNDLE_SUFFIX}")
    target = Path(source).with_suffix(BUNDLE_SUFFIX)
    if target == Path(source):
        raise ValueError(f"{source} already ends in {BUNDLE_SUFFIX}: name the new file with --out")
    return target


def convert_pickled_bundle(source: str, out: Path) -> Model:
    """Unpickle the older bundle ``source`` (a file, or an MLflow model whose bundle artifact is
    one) and write it to ``out`` as a bundle of plain data, atomically; returns the model."""
    if names_a_file(source) and Path(out).resolve() == Path(source).resolve():
        raise ValueError(f"--out {out} is the file being converted; name another file")
    if names_a_file(source):
        kind, payload = read_pickled_bundle(source)
    else:
        with tempfile.TemporaryDirectory(prefix="creator-audit-convert-") as tmp:
            bundle, _ = fetch_bundle(source, Path(tmp))
            kind, payload = read_pickled_bundle(bundle, name=source)
    kind = kind or _kind_of(payload, source)
    if kind not in MODEL_TYPES:
        raise BundleError(f"{source} is a bundle of {kind}, not of a creator-audit model")
    model_type = MODEL_TYPES[kind]
    with payload_read_as(source):
        converted = model_type.from_payload(payload, source)
    converted.save(out)
    return converted


def _kind_of(payload: Any, source: str) -> str:
    """The kind of a bundle from before the header, by its payload's format:
    1 (the creator model), ``account-authenticity/N`` or ``comment-authenticity/N``."""
    version = payload.get("format") if isinstance(payload, dict) else None
    if version == CREATOR_FORMAT:
        return CREATOR_KIND
    kind = version.split("/")[0] if isinstance(version, str) else None
    if kind not in MODEL_TYPES:
        raise BundleError(f"{source} holds no creator-audit model (format {version!r})")
    return kind
