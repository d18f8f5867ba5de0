"""The ASGI middleware around every request: refuse an oversized body with 413 (by its declared
length, or as soon as a chunked body passes the limit, ``serving.limits``), a body that has not
arrived in full within the body timeout with 408 (closing the connection: a client that sends half a
body would otherwise hold it open for ever), and count every request (route template, status,
latency) for ``/metrics``.

Pure ASGI rather than ``BaseHTTPMiddleware``: it adds no task or buffering per request.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from serving.docs_pages import ASSETS as DOCS_ASSETS
from serving.limits import body_too_large, body_too_slow
from serving.metrics import ServiceMetrics

Scope = dict[str, Any]


class BodyLimitAndMetricsMiddleware:
    def __init__(
        self, app: Any, max_body_bytes: int, body_timeout_seconds: float, metrics: ServiceMetrics
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_seconds = body_timeout_seconds
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what a request that never answers counts as

        async def send_and_record(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            too_large = self._declared_length(scope) > self.max_body_bytes
            try:
                async with asyncio.timeout(self.body_timeout_seconds):
                    body = None if too_large else await self._read_body(receive)
            except TimeoutError:
                await _refuse(send_and_record, 408, body_too_slow(self.body_timeout_seconds))
                return
            if body is None:
                await _refuse(send_and_record, 413, body_too_large(self.max_body_bytes))
                return
            await self.app(scope, _replay(body, receive), send_and_record)
        finally:
            self.metrics.observe_request(
                _route_template(scope), scope["method"], status, time.perf_counter() - started
            )

    def _declared_length(self, scope: Scope) -> int:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0

    async def _read_body(self, receive: Any) -> bytes | None:
        """The whole body, or None as soon as it passes the limit (chunked bodies declare no
        length). Read here rather than in the app: an error raised while FastAPI reads the body
        would become its generic 400."""
        chunks, seen = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


async def _refuse(send: Any, status: int, body: bytes) -> None:
    """Answer ``status`` with the JSON ``body`` before the app sees the request. A body not read
    to its end is still on the connection, so after a 408 the connection is closed."""
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 408:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _route_template(scope: Scope) -> str:
    """The matched route's path template; FastAPI's own pages (``/docs``, ``/openapi.json``) are
    plain Starlette routes that set only the endpoint, and have no path parameters."""
    template = getattr(scope.get("route"), "path", None)
    if template:
        return template
    if scope["path"].startswith(DOCS_ASSETS + "/"):
        return DOCS_ASSETS  # Swagger UI's files: one route, whichever file
    return scope["path"] if "endpoint" in scope else "unmatched"


def _replay(body: bytes, receive: Any) -> Any:
    """``receive`` that gives the buffered body once, then defers to the server (disconnects)."""
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
