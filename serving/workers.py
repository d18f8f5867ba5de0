"""Run several uvicorn worker processes that really share the load.

uvicorn's own ``--workers`` shares one listening socket: whichever worker wakes first accepts, and
with keep-alive clients one worker ends up holding nearly every connection (measured: 36 s of CPU
on one worker, 2 s on the other, for the same load). Here each worker opens its own socket with
SO_REUSEPORT, and the kernel spreads new connections across them. A worker that dies is started
again; SIGINT / SIGTERM stop them all.

An admin reload reaches one worker; it asks the supervisor (SIGUSR1), which passes the signal to
every worker, and each checks its model's source, so all of them serve the new model at once.

The supervisor gives the workers one fresh folder for the run: metric files (``serving.metrics``),
so any worker's ``/metrics`` reports all of them, and the last model that loaded
(``serving.last_good``), so a worker started again serves what the others serve. It marks a dead
worker's live gauges gone.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("creator_audit.serving")
APP = "serving.app:create_app"
RESTART_PAUSE_S = 1.0
SUPERVISOR_ENV = "CREATOR_AUDIT_SUPERVISOR_PID"  # set for workers started by the supervisor
RELOAD_SIGNAL = signal.SIGUSR1


def ask_all_to_reload() -> None:
    """From a worker: have every worker check its model's source (no-op without a supervisor)."""
    supervisor = os.environ.get(SUPERVISOR_ENV)
    if supervisor:
        os.kill(int(supervisor), RELOAD_SIGNAL)


def on_reload_request(reload: Callable[[], Any]) -> None:
    """In a worker's event loop: run ``reload`` when the supervisor passes a reload request on."""
    if os.environ.get(SUPERVISOR_ENV):
        asyncio.get_running_loop().add_signal_handler(RELOAD_SIGNAL, reload)


def usable_cores() -> int:
    """The cores this process may run on (a container's or ``taskset``'s share, not the host's):
    the default number of workers, each with one LightGBM thread."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def serve(host: str, port: int, workers: int, access_log: bool, app: str = APP) -> None:
    """Run ``app`` (an app factory's import path) under uvicorn: in this process for one worker,
    else under a supervisor. Benchmarks pass their own app to measure it on the same footing."""
    if workers == 1:
        _run_worker(host, port, access_log, reuse_port=False, app=app)
        return
    if port == 0:
        raise ValueError("--workers above 1 needs a fixed --port (each worker binds it)")
    _supervise(host, port, workers, access_log, app)


def _supervise(host: str, port: int, workers: int, access_log: bool, app: str) -> None:
    run_dir = _fresh_run_dir()
    try:
        _run_workers(host, port, workers, access_log, app)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _fresh_run_dir() -> str:
    """An empty folder for this run, its path inherited by the spawned workers: metric files (an
    earlier run's would be summed in as if they were this one's) and the last good model."""
    from serving.last_good import LAST_GOOD_DIR_ENV
    from serving.metrics import MULTIPROCESS_DIR_ENV

    path = tempfile.mkdtemp(prefix="creator-audit-serve-")
    for env, name in ((MULTIPROCESS_DIR_ENV, "metrics"), (LAST_GOOD_DIR_ENV, "models")):
        os.mkdir(os.path.join(path, name))
        os.environ[env] = os.path.join(path, name)
    return path


def _run_workers(host: str, port: int, workers: int, access_log: bool, app: str) -> None:
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> Any:
        process = context.Process(target=_run_worker, args=(host, port, access_log, True, app))
        process.start()
        return process

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    def pass_reload_on(signum: int, _frame: Any) -> None:
        for process in running:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, RELOAD_SIGNAL)

    os.environ[SUPERVISOR_ENV] = str(os.getpid())  # inherited by the spawned workers
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(RELOAD_SIGNAL, pass_reload_on)
    running: list[Any] = []
    running.extend(start() for _ in range(workers))
    while not stopping:
        time.sleep(0.5)
        for i, process in enumerate(running):
            if not process.is_alive() and not stopping:
                log.warning(
                    "worker %s exited with %s; starting another", process.pid, process.exitcode
                )
                _forget_worker(process.pid)
                time.sleep(RESTART_PAUSE_S)
                running[i] = start()
    for process in running:
        process.terminate()
    for process in running:
        process.join(timeout=30)


def _forget_worker(pid: int | None) -> None:
    """A dead worker's live gauges (the model it served) leave ``/metrics``; its counters stay."""
    from prometheus_client import multiprocess

    if pid is not None:
        multiprocess.mark_process_dead(pid)


def _run_worker(host: str, port: int, access_log: bool, reuse_port: bool, app: str) -> None:
    import uvicorn

    # A reload request that arrives before the app is up must not kill the worker (the signal's
    # default action); the app installs its handler in the lifespan.
    signal.signal(RELOAD_SIGNAL, signal.SIG_IGN)

    from serving.tcp import NoDelayHttpToolsProtocol

    config = uvicorn.Config(
        app,
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
