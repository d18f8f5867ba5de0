"""The last model that loaded and passed its smoke test, kept where every worker of one supervisor
finds it, so that a worker started later (after a crash) serves what the others serve.

Loading the configured source again is not enough: a reload may have refused what is there now (a
damaged bundle, a registry version that does not load) while the running workers kept their model,
and a new worker would then have none. So a worker loads a bundle from a copy taken for its source
stamp (its path, time and size), and once that copy has loaded and passed, the copy, the stamp and
what loading it cannot tell (the alias it came through) are recorded; for a registry URI the record
names the version the alias pointed at. A worker's first load takes the record, when there is one
(``serving.holder``).

The folder is the supervisor's (``serving.workers``), removed when it stops; a single-process
server keeps nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from creator_audit.atomic import atomic_path

log = logging.getLogger("creator_audit.serving")
LAST_GOOD_DIR_ENV = "CREATOR_AUDIT_LAST_GOOD_DIR"  # set by the supervisor for its workers
RECORD = "last-good.json"
COPY_PREFIX = "bundle-"


@dataclass(frozen=True)
class GoodModel:
    """What to load to get the last good model, the source stamp it was taken at, and metadata
    its loader cannot restore (the alias a registry version was reached through)."""

    load_from: str
    stamp: str
    metadata: dict[str, str] = field(default_factory=dict)


class LastGoodModel:
    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    @classmethod
    def shared(cls) -> LastGoodModel | None:
        """The supervisor's folder (``LAST_GOOD_DIR_ENV``), or None outside a supervisor."""
        folder = os.environ.get(LAST_GOOD_DIR_ENV)
        return cls(folder) if folder else None

    def copy_of(self, uri: str, stamp: str) -> str:
        """What to load for ``uri`` at ``stamp``: a registry URI as it is (a version does not
        change), a bundle file from a copy, taken once per stamp whichever worker comes first."""
        if is_registry(uri):
            return uri
        digest = hashlib.sha256(stamp.encode()).hexdigest()[:16]
        copy = self.folder / f"{COPY_PREFIX}{digest}{Path(uri).suffix}"
        if not copy.exists():
            try:
                with atomic_path(copy) as tmp:
                    shutil.copyfile(uri, tmp)
            except (OSError, ValueError) as err:  # e.g. a full disk: load the file itself
                log.warning("could not copy %s into %s: %s", uri, self.folder, err)
                return uri
        return str(copy)

    def remember(self, uri: str, loaded_from: str, stamp: str, metadata: dict[str, str]) -> None:
        """Record the model of ``uri`` just loaded from ``loaded_from`` (at ``stamp``) for the
        workers that start later, and drop the copies it replaces. A failure is logged: the model
        loaded, and serving it matters more than the record."""
        good = _good_model(uri, loaded_from, stamp, metadata)
        try:
            if good is None:  # nothing that stays put: later workers load the source
                (self.folder / RECORD).unlink(missing_ok=True)
                return
            with atomic_path(self.folder / RECORD) as tmp:
                tmp.write_text(json.dumps(asdict(good)))
            for old in self.folder.glob(f"{COPY_PREFIX}*"):
                if str(old) != good.load_from:
                    old.unlink(missing_ok=True)
        except (OSError, ValueError) as err:  # atomic_path words its failures as ValueError
            log.warning("could not record the last good model in %s: %s", self.folder, err)

    def recall(self) -> GoodModel | None:
        """The last good model, or None before any model loaded."""
        try:
            return GoodModel(**json.loads((self.folder / RECORD).read_text()))
        except FileNotFoundError:
            return None


def is_registry(uri: str) -> bool:
    return uri.startswith("models:/")


def _good_model(
    uri: str, loaded_from: str, stamp: str, metadata: dict[str, str]
) -> GoodModel | None:
    """What a later worker loads: for a registry URI the version the alias pointed at (and the
    alias), for a bundle its copy; None for a bundle that could not be copied."""
    if not is_registry(uri):
        return None if loaded_from == uri else GoodModel(loaded_from, stamp)
    name, version = metadata.get("model_name"), metadata.get("model_version")
    if not name or not version:
        return None
    kept = {k: metadata[k] for k in ("alias", "uri") if k in metadata}
    return GoodModel(f"models:/{name}/{version}", stamp, kept)
