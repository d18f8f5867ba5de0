"""The API under a real ``creator-audit serve`` process (uvicorn, two SO_REUSEPORT workers).

TestClient runs the app in-process; this checks what only a real server shows: the command
starts, both workers answer over TCP with the same model, limits and keys hold, a model swap via
the admin route reaches every worker (polling is off), and SIGTERM stops everything; and on a
model store it cannot reach, liveness answers at once while readiness says what it waits for.
And faults: a second ``serve`` on the port is refused, a half-sent body gets 408, a worker started
after a refused reload serves the last good model, and no worker outlives its supervisor's SIGKILL.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.live_server import free_port, wait_ready
from tests.serving.conftest import benchmark_module

API_KEY, ADMIN_KEY = "real-server-key", "real-server-admin"


def _call(
    port: int, path: str, body: Any = None, key: str | None = API_KEY, raw: bytes | None = None
) -> tuple[int, Any]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data)
    request.add_header("Content-Type", "application/json")
    if key is not None:
        request.add_header("X-API-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
            status = answer.status
    except urllib.error.HTTPError as err:
        text, status = err.read(), err.code
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text.decode()


@pytest.fixture
def server(bundles: SimpleNamespace, tmp_path: Path) -> Iterator[SimpleNamespace]:
    port = free_port()
    model = tmp_path / "served.bundle"
    model.write_bytes(Path(bundles.a).read_bytes())
    env = {
        **os.environ,
        "CREATOR_AUDIT_API_KEYS": API_KEY,
        "CREATOR_AUDIT_ADMIN_KEY": ADMIN_KEY,
        "CREATOR_AUDIT_POLL_SECONDS": "0",  # only the admin reload can swap the model
        "CREATOR_AUDIT_MAX_BODY_BYTES": "400000",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    command = ["creator-audit", "serve", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(
        [*command, "--model", str(model)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_ready(port, process)
        yield SimpleNamespace(port=port, process=process, model=model)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=60)[0].decode()
        assert API_KEY not in output and ADMIN_KEY not in output  # keys are never logged


def test_real_server_scores_refuses_and_swaps(
    server: SimpleNamespace, sample: SimpleNamespace, bundles: SimpleNamespace
) -> None:
    port = server.port
    body = next(iter(sample.bodies.values()))
    answers = [_call(port, "/v1/score", body) for _ in range(12)]  # new connections: both workers
    assert {status for status, _ in answers} == {200}
    first = answers[0][1]
    assert all(a == first for _, a in answers), "both workers must give the same answer"
    assert first["model_version"] == "A"

    assert _call(port, "/v1/score", body, key=None)[0] == 401
    assert _call(port, "/v1/score", body, key="wrong")[0] == 401
    status, detail = _call(port, "/v1/score", raw=b'{"creator": ' + b" " * 400_000 + b"}")
    assert status == 413 and "400000" in detail["detail"][0]["msg"]
    status, detail = _call(port, "/v1/score", {**body, "posts": [{"post_id": "x"}]})
    assert status == 422 and ["body", "posts", 0, "posted_at"] in [
        d["loc"] for d in detail["detail"]
    ]
    metrics = _call(port, "/metrics", key=None)[1]
    assert 'creator_audit_requests_total{method="POST",route="/v1/score",status="200"}' in metrics

    os.replace(_copy(bundles.b, server.model.parent), server.model)
    status, reload = _call(port, "/v1/admin/reload", raw=b"", key=ADMIN_KEY)
    assert status == 200 and reload["swapped"] and reload["version"] == "B"
    # The worker that did not get the admin call is asked through the supervisor.
    deadline = time.time() + 30
    while time.time() < deadline:
        versions = {_call(port, "/v1/score", body)[1]["model_version"] for _ in range(12)}
        if versions == {"B"}:
            break
        time.sleep(0.5)
    assert versions == {"B"}


def test_sigterm_stops_every_worker(server: SimpleNamespace) -> None:
    os.killpg(server.process.pid, signal.SIGTERM)
    assert server.process.wait(timeout=60) is not None
    with pytest.raises(OSError):
        _call(server.port, "/healthz", key=None)


def test_unreachable_store_answers_liveness_at_once_and_readiness_says_why(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": "http://127.0.0.1:9",  # nothing listens: MLflow retries ~100 s
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    started = time.monotonic()
    process = subprocess.Popen(
        ["creator-audit", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        status = None
        while status != 200 and time.monotonic() - started < 30:
            assert process.poll() is None, process.communicate()[0].decode()
            try:
                status = _call(port, "/healthz", key=None)[0]
            except OSError:
                time.sleep(0.2)
        live_after = time.monotonic() - started
        assert status == 200 and live_after < 30  # imports and two workers; not MLflow's 100 s
        status, ready = _call(port, "/readyz", key=None)
        assert status == 503, ready
        assert ready == {
            "status": "loading",
            "detail": "loading model from models:/creator-fraud@champion …",
        }
        status, refused = _call(port, "/v1/model", key=None)
        assert status == 503 and "/readyz" in refused["detail"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        stopping = time.monotonic()
        process.communicate(timeout=60)
    assert time.monotonic() - stopping < 20  # a load stuck in MLflow's retries does not hold it


def _copy(path: Path, folder: Path) -> Path:
    target = folder / "incoming.bundle"
    target.write_bytes(Path(path).read_bytes())
    return target


def _samples(metrics: str, prefix: str) -> list[float]:
    return [
        float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines() if line.startswith(prefix)
    ]


def test_every_scrape_reports_every_worker_and_docs_work_offline(
    server: SimpleNamespace, sample: SimpleNamespace
) -> None:
    """Each scrape may land on either worker; each must count the requests both answered. And
    Swagger UI comes from the service itself: nothing is fetched from a CDN and the page shows
    the routes (this machine has no network: a CDN page would stay blank). One server for both:
    starting one costs ~20 s."""
    from tests.browser import render

    page = render(f"http://127.0.0.1:{server.port}/docs", settle=2.0)
    assert page.external_requests == []
    assert page.errors == []
    assert "/v1/score" in page.text and "/v1/score/batch" in page.text
    body = next(iter(sample.bodies.values()))
    for _ in range(16):  # new connections: the kernel spreads them over both workers
        assert _call(server.port, "/v1/score", body)[0] == 200
    scored = 'creator_audit_requests_total{method="POST",route="/v1/score",status="200"}'
    for _ in range(8):
        metrics = _call(server.port, "/metrics", key=None)[1]
        assert _samples(metrics, scored) == [16.0]
        assert _samples(metrics, "creator_audit_workers ") == [2.0]
        for page in ("/docs", "/openapi.json"):
            counted = f'creator_audit_requests_total{{method="GET",route="{page}",status="200"}}'
            assert _samples(metrics, counted) == [1.0], page  # the browser's visit
        assert 'route="unmatched"' not in metrics


# --- faults: one server for the four checks below, in this order (the last one kills it) ------

BODY_TIMEOUT_S = 1
GENEROUS_S = 120  # bounds for waits that take seconds, so a broken guard fails instead of hanging


@pytest.fixture(scope="module")
def faults_server(
    bundles: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SimpleNamespace]:
    """``creator-audit serve`` with two workers, serving model A from a file; starting one costs
    ~20 s, so the fault tests share it."""
    where = tmp_path_factory.mktemp("faults")
    model = where / "served.bundle"
    model.write_bytes(Path(bundles.a).read_bytes())
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREATOR_AUDIT_")}
    env.update(
        CREATOR_AUDIT_API_KEYS=API_KEY,
        CREATOR_AUDIT_ADMIN_KEY=ADMIN_KEY,
        CREATOR_AUDIT_POLL_SECONDS="0",
        CREATOR_AUDIT_BODY_TIMEOUT_SECONDS=str(BODY_TIMEOUT_S),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    command = ["creator-audit", "serve", "--port", str(port), "--workers", "2", "--model", model]
    with open(where / "output.txt", "wb") as output:
        process = subprocess.Popen(
            command, env=env, cwd=where, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        wait_ready(port, process, in_a_row=12)  # both workers: the tests count their answers
        yield SimpleNamespace(port=port, process=process, model=model, command=command, env=env)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the group, even if its leader was killed
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_a_second_serve_on_the_port_is_refused_and_the_first_keeps_serving(
    faults_server: SimpleNamespace,
) -> None:
    """SO_REUSEPORT would let the second one's workers share the port, and the answers come from
    two services (two model versions, measured)."""
    s = faults_server
    second = subprocess.Popen(
        s.command, env=s.env, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        _, refusal = second.communicate(timeout=GENEROUS_S)
    finally:  # had it started, its workers too
        with contextlib.suppress(ProcessLookupError):
            os.killpg(second.pid, signal.SIGKILL)
    assert second.returncode == 2
    assert refusal == (
        f"error: 127.0.0.1:{s.port} is already in use (another server listens there); stop it or "
        "choose another --port\n"
    )
    assert s.process.poll() is None
    assert {_call(s.port, "/readyz", key=None)[0] for _ in range(12)} == {200}


def test_a_half_sent_body_gets_408_and_the_connection_closes(
    faults_server: SimpleNamespace,
) -> None:
    head = (
        "POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"X-API-Key: {API_KEY}\r\nContent-Length: 1000\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", faults_server.port), timeout=GENEROUS_S) as s:
        s.sendall(head.encode() + b'{"creator": {"creator_id": "c1", ')
        answer = b""
        while chunk := s.recv(65536):  # until the server closes the connection
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408 ")
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body["detail"][0]["msg"] == (
        f"request body did not arrive in full within {BODY_TIMEOUT_S} s "
        "(CREATOR_AUDIT_BODY_TIMEOUT_SECONDS)"
    )


def test_a_worker_restarted_after_a_refused_reload_serves_the_last_good_model(
    faults_server: SimpleNamespace, sample: SimpleNamespace
) -> None:
    """A reload refuses a damaged file and both workers keep model A; then one worker dies. The
    one started in its place must serve A too, not load the damaged file and answer 503 (measured
    before: 91 of 200 requests) until someone repairs it."""
    s, processes = faults_server, benchmark_module("load_with_faults")
    s.model.write_bytes(os.urandom(4096))
    status, reload = _call(s.port, "/v1/admin/reload", raw=b"", key=ADMIN_KEY)
    assert status == 200 and (reload["swapped"], reload["version"]) == (False, "A")
    victim = processes.worker_pids(s.process.pid)[0]
    os.kill(victim, signal.SIGKILL)
    _wait_for(lambda: _restarted(processes.worker_pids(s.process.pid), victim), "a new worker")
    workers = "creator_audit_workers "  # the new one counts once its app is built, and by then
    _wait_for(lambda: _samples(_call(s.port, "/metrics")[1], workers) == [2.0], "its app")
    body = next(iter(sample.bodies.values()))  # its socket listens and gets half the connections
    ready_in_a_row = 0
    deadline = time.monotonic() + GENEROUS_S
    while ready_in_a_row < 20:  # the new worker answered some of them (all but 2**-20 of runs)
        assert time.monotonic() < deadline, "the new worker never became ready"
        status, ready = _call(s.port, "/readyz", key=None)
        assert status == 200 or ready == {"status": "loading", "detail": ready["detail"]}, ready
        ready_in_a_row = ready_in_a_row + 1 if status == 200 else 0
        status, score = _call(s.port, "/v1/score", body)
        assert (status, score.get("model_version")) == (200, "A"), score


def test_workers_stop_when_the_supervisor_is_killed(faults_server: SimpleNamespace) -> None:
    """Orphaned workers would go on serving the port (and a new ``serve`` beside them); their
    supervisor's SIGKILL leaves no chance to stop them, so they must notice."""
    processes = benchmark_module("load_with_faults")
    workers = processes.worker_pids(faults_server.process.pid)
    assert len(workers) == 2
    os.kill(faults_server.process.pid, signal.SIGKILL)
    faults_server.process.wait()
    assert processes.wait_until_gone(workers, GENEROUS_S) is not None, "a worker outlived it"
    assert processes.port_is_free(faults_server.port)


def _restarted(workers: list[int], victim: int) -> bool:
    return len(workers) == 2 and victim not in workers


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + GENEROUS_S
    while not condition():
        assert time.monotonic() < deadline, f"no {what} after {GENEROUS_S} s"
        time.sleep(0.2)
