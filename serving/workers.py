"""Run several uvicorn worker processes that really share the load.

uvicorn's own ``--workers`` shares one listening socket: whichever worker wakes first accepts, and
with keep-alive clients one worker ends up holding nearly every connection (measured: 36 s of CPU
on one worker, 2 s on the other, for the same load). Here each worker opens its own socket with
SO_REUSEPORT, and the kernel spreads new connections across them. A worker that dies is started
again; SIGINT / SIGTERM stop them all, and a worker whose supervisor dies, even by SIGKILL, stops
too (``_exit_with_supervisor``): an orphan would go on answering beside whatever takes the port
next.

SO_REUSEPORT lets any process of the same user join the port silently, so before anything starts
the supervisor claims it (``claim_port``): a plain bind that fails if anyone holds the port, which
then admits SO_REUSEPORT sockets only, so its own workers can share it and a second ``serve``
(whose own claim fails) is refused for as long as the supervisor lives. A program of the same user
that sets SO_REUSEPORT itself can still join: the kernel offers no way to keep it out.

An admin reload reaches one worker; it asks the supervisor (SIGUSR1), which passes the signal to
every worker, and each checks its model's source, so all of them serve the new model at once.

The supervisor gives the workers one fresh folder for the run: metric files (``serving.metrics``),
so any worker's ``/metrics`` reports all of them, and the last model that loaded
(``serving.last_good``), so a worker started again serves what the others serve. It marks a dead
worker's live gauges gone.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("creator_audit.serving")
APP = "serving.app:create_app"
RESTART_PAUSE_S = 1.0
SUPERVISOR_ENV = "CREATOR_AUDIT_SUPERVISOR_PID"  # set for workers started by the supervisor
RELOAD_SIGNAL = signal.SIGUSR1
BACKLOG = 2048
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>: the signal a process gets when its parent dies
PARENT_CHECK_S = 1.0  # how often a worker without PR_SET_PDEATHSIG looks for its supervisor


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
    else under a supervisor. Benchmarks pass their own app to measure it on the same footing.

    Raises OSError naming ``host:port`` when the port is taken (or cannot be bound) before any
    worker starts."""
    if workers > 1 and port == 0:
        raise ValueError("--workers above 1 needs a fixed --port (each worker binds it)")
    claim = claim_port(host, port, shared=workers > 1)
    try:
        if workers == 1:
            claim.listen(BACKLOG)
            _run_worker(host, port, access_log, app, listener=claim)
        else:
            _supervise(host, port, workers, access_log, app)
    finally:
        claim.close()


def claim_port(host: str, port: int, shared: bool) -> socket.socket:
    """A socket bound to ``host:port`` that no other server holds; OSError naming it if one does.

    The bind has no SO_REUSEPORT, so it fails while any socket is bound there, however that one
    was opened (a stranger, another ``serve``, a worker orphaned by an older version). SO_REUSEADDR
    only lets it past the TIME_WAIT connections of a server that just stopped. When ``shared``,
    the bound socket then turns SO_REUSEPORT on, so this supervisor's workers can join it, and
    SO_REUSEADDR off, so a plain bind is refused even before a worker listens (Linux checks these
    flags of the sockets already bound at each new bind). It never listens: the kernel hands
    connections to listening sockets only, the workers'.
    """
    family, kind, proto, _, address = _address(host, port)
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as err:
        sock.close()
        if err.errno == errno.EADDRINUSE:
            raise OSError(
                err.errno,
                f"{host}:{port} is already in use (another server listens there); stop it or "
                "choose another --port",
            ) from None
        raise OSError(err.errno, f"cannot listen on {host}:{port}: {err.strerror}") from None
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
    return sock


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
        supervisor = os.getpid()
        process = context.Process(
            target=_run_worker, args=(host, port, access_log, app, supervisor)
        )
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


def _run_worker(
    host: str,
    port: int,
    access_log: bool,
    app: str,
    supervisor: int | None = None,
    listener: socket.socket | None = None,
) -> None:
    """One uvicorn server: on ``listener``, or (started by ``supervisor``) on a SO_REUSEPORT
    socket of its own."""
    if supervisor is not None:
        _exit_with_supervisor(supervisor)
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
    server.run(sockets=[listener or _reuse_port_socket(host, port)])


def _exit_with_supervisor(supervisor: int) -> None:
    """Have this worker stopped (SIGTERM: uvicorn finishes the requests in flight) once its
    supervisor is gone, however it went, SIGKILL included.

    On Linux the kernel sends the signal (PR_SET_PDEATHSIG); elsewhere a thread looks for the
    parent every ``PARENT_CHECK_S``. The signal is tied to the thread that started the worker,
    the supervisor's main thread, which lives as long as the supervisor. A supervisor that died
    before the request took effect is caught by the parent check that follows it.
    """
    if not _signal_on_parent_death(signal.SIGTERM):
        watcher = threading.Thread(target=_watch_parent, args=(supervisor,), daemon=True)
        watcher.start()
    if os.getppid() != supervisor:
        raise SystemExit(f"worker {os.getpid()}: supervisor {supervisor} is gone; not starting")


def _signal_on_parent_death(signum: int) -> bool:
    """Ask the kernel for ``signum`` when the parent dies; False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0)


def _watch_parent(supervisor: int) -> None:
    while os.getppid() == supervisor:
        time.sleep(PARENT_CHECK_S)
    os.kill(os.getpid(), signal.SIGTERM)


def _address(host: str, port: int) -> tuple[Any, ...]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]


def _reuse_port_socket(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = _address(host, port)
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock
