"""Start-up that does not wait for the models: the server answers ``/healthz`` at once and loads
them in the background, and ``/readyz`` says what it is still waiting for.

A model store that cannot be reached keeps a load busy for minutes (MLflow retries with backoff:
104 s for an unreachable tracking server), and an orchestrator that sees no liveness answer for
that long restarts the process, which then loads again. Loads run in daemon threads, not asyncio's
executor: that one is joined when the event loop closes, so a stuck load would hold up SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from scoring.account_model import AccountModel
from serving.holder import one_line

log = logging.getLogger("creator_audit.serving")
T = TypeVar("T")


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
