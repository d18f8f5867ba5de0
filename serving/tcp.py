"""uvicorn's HTTP protocol with Nagle's algorithm off on every connection.

With more than one worker, uvicorn leaves accepted sockets with Nagle's delay on, which adds about
40 ms to every request on a reused connection (uvicorn issue #3149; ``../shared/MEASURED.md``).
Setting TCP_NODELAY ourselves makes the latency independent of the worker count. The parser is
httptools (C), which reads a 200 KB creator payload much faster than pure-Python h11.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def _no_delay(transport: asyncio.Transport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        _no_delay(transport)
        super().connection_made(transport)
