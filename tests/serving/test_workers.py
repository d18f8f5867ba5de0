"""The supervisor's guards, on plain sockets and processes (no server, so each case takes well under
a second): ``serve`` claims its port so that no one else, SO_REUSEPORT or not, can be serving
there, and a worker whose supervisor dies stops, whether the kernel tells it (Linux) or it has to
notice by itself.

``tests/serving/test_real_server.py`` checks both on a real ``creator-audit serve``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from serving.workers import claim_port
from tests.serving.conftest import benchmark_module

HOST = "127.0.0.1"
GENEROUS_S = 30  # a bound for what takes well under a second, so a broken guard fails, not hangs


def _socket(port: int, reuse_port: bool, listen: bool = True) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((HOST, port))
    if listen:
        sock.listen()
    return sock


@pytest.fixture
def port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind((HOST, 0))
        free = s.getsockname()[1]
    yield free


@pytest.mark.parametrize("reuse_port", [True, False], ids=["SO_REUSEPORT listener", "plain"])
def test_a_port_someone_listens_on_is_refused_naming_it(port: int, reuse_port: bool) -> None:
    """An SO_REUSEPORT listener (an orphaned worker, another ``serve``) would otherwise share
    the port with the new workers without a word."""
    with _socket(port, reuse_port), pytest.raises(OSError) as refused:
        claim_port(HOST, port, shared=True)
    assert str(refused.value) == (
        f"[Errno 98] {HOST}:{port} is already in use (another server listens there); stop it or "
        "choose another --port"
    )


def test_a_claimed_port_admits_our_workers_and_refuses_everyone_else(port: int) -> None:
    claim = claim_port(HOST, port, shared=True)
    try:
        # Before any worker listens, as while they start:
        with pytest.raises(OSError):
            claim_port(HOST, port, shared=True)  # a second serve
        with pytest.raises(OSError):
            _socket(port, reuse_port=False)  # a plain server (SO_REUSEADDR, as uvicorn's)
        workers = [_socket(port, reuse_port=True) for _ in range(2)]
        with pytest.raises(OSError):
            claim_port(HOST, port, shared=False)
        for worker in workers:  # all workers gone at once (restarting): the port stays ours
            worker.close()
        with pytest.raises(OSError):
            claim_port(HOST, port, shared=True)
        _socket(port, reuse_port=True).close()  # and a restarted worker joins
    finally:
        claim.close()
    claim_port(HOST, port, shared=True).close()  # free once the supervisor is gone


def test_a_single_worker_claims_its_port_and_listens(port: int) -> None:
    with claim_port(HOST, port, shared=False) as claim:
        claim.listen()
        with pytest.raises(OSError):
            _socket(port, reuse_port=True)
        with socket.create_connection((HOST, port), timeout=GENEROUS_S):
            pass


# A supervisor that starts one worker, which runs ``_exit_with_supervisor`` and then sleeps.
WORKER = """
import os, sys, time
import serving.workers as workers
if sys.argv[1] == "watch":  # no PR_SET_PDEATHSIG: the worker's own check must notice
    workers._signal_on_parent_death = lambda signum: False
    workers.PARENT_CHECK_S = 0.05
workers._exit_with_supervisor(int(sys.argv[2]))
print("started", flush=True)
time.sleep(600)
"""
SUPERVISOR = """
import os, subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2], str(os.getpid())])
print(worker.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("how", ["kernel", "watch"])
def test_a_worker_stops_when_its_supervisor_is_killed(how: str) -> None:
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, WORKER, how],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert supervisor.stdout is not None
        worker = int(supervisor.stdout.readline())
        assert supervisor.stdout.readline() == "started\n"  # its guard is in place
        os.kill(supervisor.pid, signal.SIGKILL)
        supervisor.wait()
        processes = benchmark_module("load_with_faults")
        assert processes.wait_until_gone([worker], GENEROUS_S) is not None, (
            f"worker {worker} outlived its supervisor"
        )
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left of the group
            os.killpg(supervisor.pid, signal.SIGKILL)


def test_a_worker_whose_supervisor_died_before_it_started_does_not_start() -> None:
    """The supervisor died before the worker asked to be told: the parent check catches it."""
    not_the_parent = os.getpid() + 1  # the subprocess's parent is this process
    started = subprocess.run(
        [sys.executable, "-c", WORKER, "kernel", str(not_the_parent)],
        capture_output=True,
        text=True,
        timeout=GENEROUS_S,
    )
    assert started.returncode == 1 and started.stdout == ""
    assert f"supervisor {not_the_parent} is gone; not starting" in started.stderr


def test_the_supervisor_does_not_load_the_models_stack() -> None:
    """What ``serve`` runs before its workers start stays lean: no pandas, LightGBM or numba
    (each worker loads them; the supervisor only watches)."""
    code = (
        "import sys\n"
        "import creator_audit.cli, serving.settings, serving.workers\n"
        "import serving.last_good, serving.metrics\n"
        "print(','.join(m for m in ('pandas', 'lightgbm', 'numba') if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == ""
