"""A real ``creator-audit serve`` with two workers under load while things go wrong: a hot swap onto
a second model, a worker killed, and at the end the supervisor killed.

    .venv/bin/python benchmarks/load_with_faults.py [--requests 2000] [--concurrency 8]
        [--workdir DIR]

It trains two small models the way the serving tests do (a generated dataset, a few dozen
boosting rounds, no MLflow: seconds), saves them as bundles in ``--workdir`` (default: a temporary
folder) and serves model A from a file. Request bodies are creators of the same generated data
(``serving.client_bodies``). The load is closed-loop: ``--concurrency`` keep-alive connections,
``--requests`` in all, after a warm-up; a connection the server drops (the killed worker's) counts
as an error and is opened again. The faults, at fixed points of the load:

- after a quarter of the requests, the file is replaced by model B and ``POST /v1/admin/reload``
  swaps it in (the supervisor passes the reload on to the other worker);
- after half, one worker gets SIGKILL (the supervisor starts another, which must load B: the last
  good model);
- after the last request, the supervisor gets SIGKILL: every worker must be gone within
  ``GONE_WITHIN_S`` and the port free for the next ``serve``.

Prints requests/s, p50/p99/max latency, the answers by status ("dropped": the connection closed
before an answer), the model versions that answered in each phase and the checks after the
supervisor's death.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ADMIN_KEY = "load-with-faults-admin"
GONE_WITHIN_S = 30.0
N_CREATORS, DATA_SEED = 1_200, 7  # the models' training data, as the serving tests'
N_BODIES, BODY_SEED = 200, 99  # the creators the requests describe (other data, of the same kind)
MAX_BODY_KIB = 100  # the bodies of this size or less: most of them
DROPPED = "dropped"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workdir", help="where the bundles go (default: a temporary folder)")
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="load-with-faults-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    bundles, bodies = train_models_and_bodies(workdir)
    sizes = [len(b) for b in bodies]
    print(
        f"models A and B trained, {len(bodies)} request bodies (median "
        f"{np.median(sizes) / 1024:.0f} KiB) in {time.perf_counter() - started:.0f} s"
    )
    live = workdir / "served.bundle"
    shutil.copyfile(bundles["A"], live)
    port = free_port()
    server = start_server(live, port, workdir)
    try:
        wait_ready(port, server)
        run = asyncio.run(drive(port, bodies, args.requests, args.concurrency, server, bundles))
        after = kill_supervisor(server, port)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    report(run, after, args)


def train_models_and_bodies(workdir: Path) -> tuple[dict[str, Path], list[bytes]]:
    """Models A and B saved as bundles in ``workdir`` (they answer differently), and the bodies
    of ``N_BODIES`` generated creators, those of at most ``MAX_BODY_KIB``."""
    from creator_audit.schema import LABELS
    from creator_audit.simulator import generate
    from evaluation.metrics import label_codes
    from features import build_features
    from serving.client_bodies import request_body

    ds = generate(N_CREATORS, seed=DATA_SEED)
    features = build_features(ds)
    truth = ds.labels.set_index("creator_id")["label"]
    y = label_codes(truth.loc[features.index].to_numpy(), LABELS)
    bundles = {
        "A": _small_model(features, y, 0, {"num_iterations": 30}, "A").save(workdir / "a.bundle"),
        "B": _small_model(features, y, 1, {"num_iterations": 20, "num_leaves": 7}, "B").save(
            workdir / "b.bundle"
        ),
    }
    described = generate(N_BODIES, seed=BODY_SEED)
    bodies = [
        json.dumps(request_body(described, c)).encode() for c in described.creators["creator_id"]
    ]
    return bundles, [b for b in bodies if len(b) <= MAX_BODY_KIB * 1024]


def _small_model(features, y: np.ndarray, seed: int, params: dict, version: str):
    """A creator model fit in seconds, as ``tests/serving/conftest.py`` fits its models A and B
    (here without account or comment model: those features are missing)."""
    from sklearn.model_selection import train_test_split

    from creator_audit.schema import LABELS
    from scoring.model import CreatorFraudModel
    from training.fit import fit_booster

    train, val = train_test_split(np.arange(len(y)), test_size=0.3, stratify=y, random_state=seed)
    x = features.to_numpy(np.float64)
    fitted = fit_booster(
        x[train], y[train], x[val], y[val], list(features.columns), len(LABELS), seed,
        log=lambda _: None, params=params,
    )  # fmt: skip
    return CreatorFraudModel(
        booster_text=fitted.booster.model_to_string(),
        feature_names=list(features.columns),
        labels=list(LABELS),
        calibration=fitted.calibration,
        metadata={"model_version": version, "model_name": "load-with-faults"},
    )


# --- the server and its processes ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model: Path, port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """``creator-audit serve`` with two workers, polling off (only the admin reload swaps)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREATOR_AUDIT_")}
    env.update(
        CREATOR_AUDIT_ADMIN_KEY=ADMIN_KEY,
        CREATOR_AUDIT_POLL_SECONDS="0",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    command = ["creator-audit", "serve", "--port", str(port), "--workers", "2"]
    return subprocess.Popen(
        [*command, "--no-access-log", "--model", str(model)],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_ready(port: int, server: subprocess.Popen[bytes], within_s: float = 120) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready within {within_s:.0f} s")


def worker_pids(supervisor: int) -> list[int]:
    """The supervisor's worker processes (Linux ``/proc``): its children started by
    multiprocessing's spawn, not its resource tracker."""
    children: list[int] = []
    for task in Path(f"/proc/{supervisor}/task").glob("*"):
        with contextlib.suppress(OSError):  # the supervisor or the thread is gone
            children += [int(pid) for pid in (task / "children").read_text().split()]
    return [pid for pid in children if b"--multiprocessing-fork" in _cmdline(pid)]


def running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie nobody reaped yet does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def port_is_free(port: int) -> bool:
    """What the next ``serve`` checks first: can it claim the port?"""
    from serving.workers import claim_port

    try:
        claim_port("127.0.0.1", port, shared=False).close()
    except OSError:
        return False
    return True


def wait_until_gone(pids: list[int], within_s: float = GONE_WITHIN_S) -> float | None:
    """Seconds until none of ``pids`` runs, or None if some still run after ``within_s``."""
    started = time.monotonic()
    while any(running(pid) for pid in pids):
        if time.monotonic() - started > within_s:
            return None
        time.sleep(0.05)
    return time.monotonic() - started


@dataclass
class AfterSupervisorKill:
    workers: list[int]
    gone_after_s: float | None
    port_free: bool


def kill_supervisor(server: subprocess.Popen[bytes], port: int) -> AfterSupervisorKill:
    workers = worker_pids(server.pid)
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    gone = wait_until_gone(workers)
    return AfterSupervisorKill(workers, gone, port_is_free(port))


# --- the load and its faults -----------------------------------------------------------------


@dataclass
class Run:
    """What the load saw: latency and answer per request, the model versions per phase."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    versions: dict[str, Counter[str]] = field(default_factory=dict)
    phase: str = "before the swap"
    wall_s: float = 0.0
    faults: list[str] = field(default_factory=list)

    def record(self, status: str, seconds: float, version: str | None) -> None:
        self.latencies.append(seconds)
        self.statuses[status] += 1
        if version is not None:
            self.versions.setdefault(self.phase, Counter())[version] += 1


async def drive(
    port: int,
    bodies: list[bytes],
    total: int,
    concurrency: int,
    server: subprocess.Popen[bytes],
    bundles: dict[str, Path],
) -> Run:
    """Warm up, then ``total`` requests over ``concurrency`` connections with the faults."""
    await _load(port, bodies, min(200, total), concurrency, Run(), {})
    live = Path(bundles["A"]).parent / "served.bundle"
    run = Run()
    faults = {
        total // 4: lambda: _hot_swap(port, bundles["B"], live, run),
        total // 2: lambda: _kill_a_worker(server.pid, run),
    }
    started = time.perf_counter()
    await _load(port, bodies, total, concurrency, run, faults)
    run.wall_s = time.perf_counter() - started
    return run


async def _load(port, bodies, total, concurrency, run: Run, faults: dict) -> None:
    next_index = 0
    tasks: list[asyncio.Task] = []

    async def connection() -> None:
        nonlocal next_index
        stream = None
        while next_index < total:
            index, next_index = next_index, next_index + 1
            if index in faults:
                tasks.append(asyncio.create_task(asyncio.to_thread(faults[index])))
            stream = stream or await _connect(port)
            body = bodies[index % len(bodies)]
            started = time.perf_counter()
            try:
                status, answer = await _post(stream, "/v1/score", body)
            except (ConnectionError, asyncio.IncompleteReadError):
                run.record(DROPPED, time.perf_counter() - started, None)
                stream[1].close()
                stream = None
                continue
            version = json.loads(answer)["model_version"] if status == 200 else None
            run.record(str(status), time.perf_counter() - started, version)
        if stream is not None:
            stream[1].close()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    await asyncio.gather(*tasks)


async def _connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    while True:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except ConnectionError:
            await asyncio.sleep(0.05)
            continue
        writer.transport.get_extra_info("socket").setsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
        )
        return reader, writer


async def _post(stream, path: str, body: bytes, key: str | None = None) -> tuple[int, bytes]:
    reader, writer = stream
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += f"X-API-Key: {key}\r\n" if key else ""
    writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    response = await reader.readuntil(b"\r\n\r\n")
    lines = response.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = next(
        int(v) for k, _, v in (x.partition(":") for x in lines) if k.lower() == "content-length"
    )
    return status, await reader.readexactly(length)


def _hot_swap(port: int, bundle: Path, live: Path, run: Run) -> None:
    """Replace the served file as a deploy does (a copy beside, then a rename) and reload."""
    tmp = live.with_name(live.name + ".tmp")
    shutil.copyfile(bundle, tmp)
    os.replace(tmp, live)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/admin/reload",
        data=b"",
        headers={"X-API-Key": ADMIN_KEY},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        outcome = json.loads(answer.read())
    run.phase = "after the swap"
    run.faults.append(f"hot swap: {outcome['message']}")


def _kill_a_worker(supervisor: int, run: Run) -> None:
    victim = worker_pids(supervisor)[0]
    os.kill(victim, signal.SIGKILL)
    run.phase = "after a worker's SIGKILL"
    run.faults.append(f"worker {victim} killed (SIGKILL)")


def report(run: Run, after: AfterSupervisorKill, args: argparse.Namespace) -> None:
    lat = np.array(run.latencies) * 1000
    print(
        f"\n{args.requests} requests at concurrency {args.concurrency}, 2 workers, "
        f"{len(os.sched_getaffinity(0))} cores"
    )
    for fault in run.faults:
        print(f"  {fault}")
    print(
        f"{args.requests / run.wall_s:.0f} requests/s; latency ms p50 {np.percentile(lat, 50):.1f}"
        f", p99 {np.percentile(lat, 99):.1f}, max {lat.max():.1f}"
    )
    print("answers: " + ", ".join(f"{s}: {n}" for s, n in sorted(run.statuses.items())))
    not_ok = {s: n for s, n in run.statuses.items() if s != "200"}
    print(f"non-2xx: {sum(not_ok.values())} {dict(sorted(not_ok.items()))}")
    for phase, versions in run.versions.items():
        print(f"versions {phase}: " + ", ".join(f"{v}: {n}" for v, n in sorted(versions.items())))
    gone = "never" if after.gone_after_s is None else f"within {after.gone_after_s:.2f} s"
    print(
        f"supervisor SIGKILL: its {len(after.workers)} workers gone {gone}; "
        f"port {'free' if after.port_free else 'STILL HELD'}"
    )


if __name__ == "__main__":
    main()
