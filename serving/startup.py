"""Loading the models in the background: at start-up without waiting for them (the server
answers ``/healthz`` at once, and ``/readyz`` says what it is still waiting for), then on every
poll of their source or reload request.

A model store that cannot be reached keeps a load busy for minutes (MLflow retries with backoff:
104 s for an unreachable tracking server), and an orchestrator that sees no liveness answer for
that long restarts the process, which then loads again. Loads run in daemon threads, not asyncio's
executor: that one is joined when the event loop closes, so a stuck load would hold up SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from scoring import kernels
from scoring.account_model import AccountModel
from serving.holder import ModelHolder, ReloadResult, one_line
from serving.metrics import ServiceMetrics

log = logging.getLogger("creator_audit.serving")
T = TypeVar("T")
GC_YOUNG_THRESHOLD = 20_000  # allocations between young-generation collections (default 700)


async def off_the_loop(work: Callable[[], T]) -> T:
    """``work()`` in a daemon thread, awaited without blocking the event loop."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if done.done():  # the awaiting task was cancelled (shutdown)
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            outcome: tuple[T | None, BaseException | None] = (work(), None)
        except BaseException as err:  # handed to the awaiting task
            outcome = (None, err)
        with contextlib.suppress(RuntimeError):  # the loop closed while the work ran
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=run, daemon=True, name="creator-audit-load").start()
    return await done


@dataclass
class ConfiguredAccountModel:
    """The account model of ``CREATOR_AUDIT_ACCOUNTS_MODEL_URI`` (``uri`` None: not configured,
    the serving creator model's own is used), once loaded; and why not, until then."""

    uri: str | None
    model: AccountModel | None = None
    failure: str | None = None

    def not_ready(self) -> str | None:
        if self.uri is None or self.model is not None:
            return None
        return self.failure or f"loading account model from {self.uri} …"

    def load(self, loader: Callable[[str], AccountModel]) -> None:
        """Load it if it is configured and not loaded yet; a failure is kept for ``/readyz``."""
        if self.uri is None or self.model is not None:
            return
        try:
            self.model = loader(self.uri)
        except Exception as err:  # reported on /readyz; the poller tries again
            self.failure = f"account model from {self.uri} not loaded ({one_line(err)})"
            log.warning(self.failure)


async def keep_models_loaded(
    holder: ModelHolder,
    metrics: ServiceMetrics,
    accounts: ConfiguredAccountModel,
    poll_seconds: float,
) -> None:
    """Make the compiled kernels ready, load the models, then check their sources every
    ``poll_seconds`` (0: never). ``/readyz`` turns 200 only after the first load, so no request
    waits for a kernel to compile."""
    seconds = await off_the_loop(kernels.warm_up)
    log.info("feature and scoring kernels ready in %.2f s", seconds)
    await reload_model(holder, metrics, force=holder.current is None)
    await off_the_loop(lambda: accounts.load(_load_account_model))
    _tune_garbage_collection()  # after the load: the model's objects are frozen too
    while poll_seconds > 0:
        await asyncio.sleep(poll_seconds)
        await reload_model(holder, metrics, force=holder.current is None)
        await off_the_loop(lambda: accounts.load(_load_account_model))


async def reload_model(holder: ModelHolder, metrics: ServiceMetrics, force: bool) -> ReloadResult:
    """Load the model at the configured URI if it changed (always with ``force``), and count it."""
    result = await off_the_loop(lambda: holder.reload(force))
    if result.swapped:
        metrics.set_model(result.version)
    metrics.reloads.labels(result.outcome).inc()
    return result


def _load_account_model(uri: str) -> AccountModel:
    from scoring.store.loading import load_account_model

    return load_account_model(uri)


def _tune_garbage_collection() -> None:
    """Keep the collector off the ~300K objects of the libraries and the model.

    A full collection scans every tracked object (~200 ms here with MLflow, pandas and LightGBM
    loaded), and scoring a 2,000-event creator allocates enough to trigger collections every few
    requests: freezing what exists after start-up and collecting the young generation less often
    raised throughput 1.8x (``benchmarks/serve_vs_mlflow.py``). Cyclic garbage is still collected.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
