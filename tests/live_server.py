"""A real ``creator-audit serve`` process in a test: a free port to start it on, and waiting
until it says it is ready."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request

READY_WITHIN = 120.0  # seconds: a cold start compiles the kernels and loads the models


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, process: subprocess.Popen[bytes], in_a_row: int = 1) -> None:
    """Until ``in_a_row`` readiness calls in a row answer 200: with several workers, one of them
    can be ready while another still loads its model (new connections reach either)."""
    deadline = time.time() + READY_WITHIN
    ready = 0
    while time.time() < deadline:
        if process.poll() is not None:
            output = process.communicate()[0]
            raise AssertionError(output.decode() if output else "the server stopped")
        ready = ready + 1 if _ready_status(port) == 200 else 0
        if ready >= in_a_row:
            return
        time.sleep(0.3 if ready == 0 else 0.0)
    raise AssertionError(f"server not ready within {READY_WITHIN:.0f} s")


def _ready_status(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return None
