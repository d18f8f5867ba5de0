"""Adaptive micro-batching of single-creator requests (``POST /v1/score``); not the
``/v1/score/batch`` route, whose body is one batch already.

Validation and features are vectorised: most of their cost for one creator is fixed overhead, so
scoring the requests that arrived together as one dataset costs little more than scoring one.
Nothing waits on purpose: an idle service scores a request at once; under load, the requests that
queue while a batch is computed form the next batch. Every request is scored by the model it
started with (requests are grouped by model and reasons asked), and a bad request gets only its
own error.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from scoring.scores import Score
from serving.creator_scoring import Observer, score_parsed
from serving.decoding import Parsed
from serving.errors import PayloadError
from serving.holder import LoadedModel

MAX_BATCH = 32


@dataclass
class _Pending:
    item: Parsed
    loaded: LoadedModel
    n_reasons: int
    answer: asyncio.Future[Score] = field(default_factory=lambda: _loop().create_future())


def _loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


class MicroBatcher:
    def __init__(
        self, n_reasons: int, max_batch: int = MAX_BATCH, observe: Observer | None = None
    ) -> None:
        self.n_reasons = n_reasons  # when a request does not say
        self.max_batch = max_batch
        self.observe = observe
        self._queue: asyncio.Queue[_Pending] | None = None
        self._worker: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._worker = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def score(self, item: Parsed, loaded: LoadedModel, n_reasons: int | None = None) -> Score:
        """The score of one request; raises its ``PayloadError`` if the data is refused."""
        assert self._queue is not None, "MicroBatcher.start() was not called"
        pending = _Pending(item, loaded, self.n_reasons if n_reasons is None else n_reasons)
        await self._queue.put(pending)
        return await pending.answer

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            for group in _by_model(batch):
                await self._score_group(group)

    async def _score_group(self, group: list[_Pending]) -> None:
        try:
            first = group[0]
            answers = await asyncio.to_thread(
                score_parsed,
                first.loaded.model,
                [p.item for p in group],
                first.n_reasons,
                self.observe,
            )
        except Exception as err:  # a bug, not bad input: fail these requests, keep serving
            for pending in group:
                if not pending.answer.done():
                    pending.answer.set_exception(err)
            return
        for pending, answer in zip(group, answers, strict=True):
            if pending.answer.done():  # the client went away
                continue
            if isinstance(answer, PayloadError):
                pending.answer.set_exception(answer)
            else:
                pending.answer.set_result(answer)


def _by_model(batch: list[_Pending]) -> list[list[_Pending]]:
    """Requests scored together share their model and the number of reasons they asked for."""
    groups: dict[tuple[int, int], list[_Pending]] = {}
    for pending in batch:
        groups.setdefault((id(pending.loaded), pending.n_reasons), []).append(pending)
    return list(groups.values())
