"""Run several uvicorn worker processes that really share the load.

uvicorn's own ``--workers`` shares one listening socket: whichever worker wakes first accepts, and
with keep-alive clients one worker ends up holding nearly every connection (measured: 36 s of CPU
on one worker, 2 s on the other, for the same load). Here each worker opens its own socket with
SO_REUSEPORT, and the kernel spreads new connections across them. A worker that dies is started
again; SIGINT / SIGTERM stop them all.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from typing import Any

log = logging.getLogger("creator_audit.serving")
APP = "serving.app:create_app"
RESTART_PAUSE_S = 1.0


def serve(host: str, port: int, workers: int, access_log: bool) -> None:
    """Run the app under uvicorn: in this process for one worker, else under a supervisor."""
    if workers == 1:
        _run_worker(host, port, access_log, reuse_port=False)
        return
    if port == 0:
        raise ValueError("--workers above 1 needs a fixed --port (each worker binds it)")
    _supervise(host, port, workers, access_log)


def _supervise(host: str, port: int, workers: int, access_log: bool) -> None:
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> Any:
        process = context.Process(target=_run_worker, args=(host, port, access_log, True))
        process.start()
        return process

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    running = [start() for _ in range(workers)]
    while not stopping:
        time.sleep(0.5)
        for i, process in enumerate(running):
            if not process.is_alive() and not stopping:
                log.warning(
                    "worker %s exited with %s; starting another", process.pid, process.exitcode
                )
                time.sleep(RESTART_PAUSE_S)
                running[i] = start()
    for process in running:
        process.terminate()
    for process in running:
        process.join(timeout=30)


def _run_worker(host: str, port: int, access_log: bool, reuse_port: bool) -> None:
    import uvicorn

    from serving.tcp import NoDelayHttpToolsProtocol

    config = uvicorn.Config(
        APP,
        factory=True,
        host=host,
        port=port,
        access_log=access_log,
        http=NoDelayHttpToolsProtocol,
        log_level="info",
    )
    server = uvicorn.Server(config)
    if not reuse_port:
        server.run()
        return
    server.run(sockets=[_reuse_port_socket(host, port)])


def _reuse_port_socket(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock
