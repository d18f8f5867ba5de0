"""The model the service answers with, and how it is replaced without downtime.

A request reads ``holder.current`` once and uses that object to the end, so a swap never mixes two
models in one answer and requests in flight finish on the model they started with. A new model is
loaded beside the old one, must pass a smoke test (score a known creator through the full feature
and scoring path), and only then replaces the reference in one assignment. A model that fails to
load or to pass leaves the old one serving.

Under the supervisor, every worker's holder shares the last model that loaded
(``serving.last_good``): a worker started later begins with it, so it serves what the others serve
even when the source now holds something a reload refused.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scoring.model import CreatorFraudModel
from scoring.store.loading import load_model, registry_identity
from serving.last_good import GoodModel, LastGoodModel

log = logging.getLogger("creator_audit.serving")


@dataclass(frozen=True)
class LoadedModel:
    model: CreatorFraudModel
    uri: str
    source_stamp: str  # what identifies this model at its source: registry version or file mtime
    loaded_at: float

    @property
    def version(self) -> str:
        return self.model.version


@dataclass(frozen=True)
class ReloadResult:
    outcome: str  # "swapped", "unchanged" or "failed"
    version: str
    message: str

    @property
    def swapped(self) -> bool:
        return self.outcome == "swapped"


class ModelHolder:
    def __init__(
        self,
        uri: str,
        loader: Callable[[str], CreatorFraudModel] = load_model,
        smoke_test: Callable[[CreatorFraudModel], None] | None = None,
        last_good: LastGoodModel | None = None,
    ) -> None:
        self.uri = uri
        self._loader = loader
        self._smoke_test = smoke_test or smoke_test_model
        self._last_good = last_good
        self._current: LoadedModel | None = None
        self._failure: str | None = None  # why the last load failed, while there is no model
        self._reload_lock = threading.Lock()  # one load at a time; reads never wait on it

    @property
    def current(self) -> LoadedModel | None:
        return self._current

    @property
    def first_load_pending(self) -> bool:
        """No model yet and no failed load either: the first load is still under way."""
        return self._current is None and self._failure is None

    def not_ready(self) -> str | None:
        """Why there is no model to answer with (one line naming the URI), or None once there
        is one."""
        if self._current is not None:
            return None
        return self._failure or f"loading model from {self.uri} …"

    def reload(self, force: bool = False) -> ReloadResult:
        """Load the model at ``uri`` if its source changed (or ``force``), test it, swap it in.
        The first load takes the last good model instead, when one is recorded."""
        with self._reload_lock:
            if self._current is None and self._last_good is not None:
                good = self._last_good.recall()
                loaded = self._load_good(good) if good is not None else None
                if loaded is not None:
                    self._current = loaded
                    message = f"serving version {loaded.version} (the last good model)"
                    log.info(message)
                    return ReloadResult("swapped", loaded.version, message)
            return self._reload_source(force)

    def _load_good(self, good: GoodModel) -> LoadedModel | None:
        """The recorded last good model, tested; None (logged) if it does not load."""
        try:
            model = self._loader(good.load_from)
            model.metadata.update(good.metadata)
            self._smoke_test(model)
        except Exception as err:  # e.g. its copy was replaced meanwhile: load the source
            log.warning("last good model %s not loaded (%s)", good.load_from, one_line(err))
            return None
        return LoadedModel(model, self.uri, good.stamp, time.time())

    def _reload_source(self, force: bool) -> ReloadResult:
        old, load_from = self._current, self.uri
        try:
            stamp = source_stamp(self.uri)
            if old is not None and not force and stamp == old.source_stamp:
                return ReloadResult("unchanged", old.version, "model unchanged")
            load_from = self._last_good.copy_of(self.uri, stamp) if self._last_good else self.uri
            model = self._loader(load_from)
            self._smoke_test(model)
        except Exception as err:  # any failure keeps the old model serving
            kept = old.version if old else "none"
            why = one_line(err).replace(load_from, self.uri)  # name the source, not its copy
            message = f"new model from {self.uri} not loaded ({why}); "
            message += f"serving version {kept}"
            log.warning(message)
            self._failure = message if old is None else None
            return ReloadResult("failed", kept, message)
        if self._last_good is not None:
            self._last_good.remember(self.uri, load_from, stamp, model.metadata)
        self._current = LoadedModel(model, self.uri, stamp, time.time())
        new_version = self._current.version
        message = f"serving version {new_version}" + (
            f" (was {old.version})" if old is not None else ""
        )
        log.info(message)
        return ReloadResult("swapped", new_version, message)


def one_line(err: BaseException, limit: int = 600) -> str:
    """An error as one short line (MLflow's can span pages of HTML)."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def source_stamp(uri: str) -> str:
    """What changes when the model behind ``uri`` changes: the registry version an alias points
    at, or a bundle file's modification time and size."""
    identity = registry_identity(uri)
    if identity:
        return f"{identity['model_name']}/{identity['model_version']}"
    path = Path(uri)
    stat = path.stat()
    return f"{path.resolve()}:{stat.st_mtime_ns}:{stat.st_size}"


def smoke_test_model(model: CreatorFraudModel) -> None:
    """Score a small known creator end to end; raise if anything is off."""
    from serving.creator_scoring import score_requests
    from serving.smoke import SMOKE_REQUEST

    (score,) = score_requests(model, [SMOKE_REQUEST], n_reasons=3)
    total = sum(score.probabilities.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6) or set(score.probabilities) != set(model.labels):
        raise ValueError(f"smoke test: probabilities {score.probabilities} do not sum to 1")
