"""Our scoring API against ``mlflow models serve`` on the same registered model, same load.

    .venv/bin/python benchmarks/serve_vs_mlflow.py [--requests 2000] [--concurrency 8]
        [--workdir DIR] [--workers N] [--payload full|posts] [--reasons N] [--skip-mlflow]
        [--floor] [--pin] [--model models:/creator-fraud@champion]

In ``--workdir`` (default ./bench-serve, git-ignored) it trains and registers a model if the
embedded MLflow store there has none, then starts each server on 127.0.0.1 in turn and drives it
with the same closed-loop load (``--concurrency`` keep-alive connections, ``--requests`` in all,
after a warm-up):

- ours, ``creator-audit serve`` at its defaults: raw creator payloads (30 posts, up to 2,000
  engagement events, follower history and follower sample; with ``--payload posts`` the 30 posts
  only): validation, features, prediction and reasons (``--reasons N`` asks for N);
- ``mlflow models serve``: one precomputed feature row per request (what a user would otherwise
  deploy), as ``dataframe_split`` JSON;
- with ``--floor``, ``floor_app.py`` under our worker supervisor and worker count: it reads and
  parses the same raw payloads and answers a constant, so it bounds what any service taking
  this payload can reach with this client on this machine.

The load generator is a minimal HTTP/1.1 client on asyncio streams, so it takes as little CPU as
possible from the servers on the same machine. With ``--pin`` it runs alone on the last usable
core and every server on the others (``sched_setaffinity``, what ``taskset`` does), so the client
takes nothing from the servers; our service then starts one worker per core it may use. Prints
throughput, p50/p99/max latency and errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

from serving.workers import usable_cores

POSTS_PER_CREATOR = 30
MAX_EVENTS = 2_000
PAYLOADS = 200
# Row names of the report; its ratio line divides OURS by MLFLOW.
OURS = "ours (raw payload, features + reasons)"
FLOOR = "floor (parse the payload only)"
MLFLOW = "mlflow models serve (feature row)"


def main() -> None:
    args = _parse()
    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    os.chdir(workdir)
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": f"sqlite:///{workdir / 'mlflow.db'}",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    os.environ.update(env)
    _ensure_model(workdir)
    bodies, rows = _payloads(workdir, posts_only=args.payload == "posts")
    if args.pin:
        _pin_client()
    sizes = [len(b) for b in bodies]
    print(f"payloads: {len(bodies)} creators, body {np.median(sizes) / 1024:.0f} KiB median")
    results = {}
    port = _free_port()
    with _server(
        [
            "creator-audit",
            "serve",
            "--port",
            str(port),
            *(["--workers", str(args.workers)] if args.workers else []),
            "--no-access-log",
            "--model",
            args.model,
        ],
        env | {"CREATOR_AUDIT_POLL_SECONDS": "0"},
        f"http://127.0.0.1:{port}/readyz",
    ):
        route = "/v1/score" if args.reasons is None else f"/v1/score?reasons={args.reasons}"
        results[OURS] = _drive(port, route, bodies, args.requests, args.concurrency)
    if args.floor:
        results[FLOOR] = _drive_floor(bodies, args, env)
    if not args.skip_mlflow:
        port = _free_port()
        with _server(
            [
                "mlflow",
                "models",
                "serve",
                "-m",
                args.model,
                "-p",
                str(port),
                "-h",
                "127.0.0.1",
                "--env-manager",
                "local",
            ],
            env,
            f"http://127.0.0.1:{port}/ping",
        ):
            results[MLFLOW] = _drive(port, "/invocations", rows, args.requests, args.concurrency)
    _report(results, args)


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--workers", type=int, default=None, help="our service's workers (default: serve's own)"
    )
    parser.add_argument("--workdir", default="bench-serve")
    parser.add_argument(
        "--payload",
        choices=("full", "posts"),
        default="full",
        help="full: 30 posts, events, history, sample; posts: 30 posts only (a brand tool's call)",
    )
    parser.add_argument("--reasons", type=int, default=None, help="?reasons=N on our requests")
    parser.add_argument("--skip-mlflow", action="store_true")
    parser.add_argument(
        "--floor", action="store_true", help="also serve floor_app.py: parse the payload only"
    )
    parser.add_argument(
        "--pin", action="store_true", help="the client alone on one core, servers on the others"
    )
    parser.add_argument(
        "--model",
        default="models:/creator-fraud@champion",
        help="the registered model both servers load (an MLflow models:/ URI)",
    )
    return parser.parse_args()


def _drive_floor(bodies: list[bytes], args: argparse.Namespace, env: dict) -> dict:
    port = _free_port()
    here = str(Path(__file__).resolve().parent)
    launch = "import sys; from serving.workers import serve; "
    launch += "serve('127.0.0.1', int(sys.argv[1]), int(sys.argv[2]), "
    launch += "access_log=False, app=sys.argv[3])"
    command = [
        sys.executable,
        "-c",
        launch,
        str(port),
        str(args.workers or (len(SERVER_CORES) if SERVER_CORES else usable_cores())),
        "floor_app:create_app",
    ]
    path = os.pathsep.join([here, str(Path(here).parent), env.get("PYTHONPATH", "")])
    with _server(command, env | {"PYTHONPATH": path}, f"http://127.0.0.1:{port}/readyz"):
        return _drive(port, "/v1/score", bodies, args.requests, args.concurrency)


def _ensure_model(workdir: Path) -> None:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        MlflowClient().get_model_version_by_alias("creator-fraud", "champion")
        return
    except MlflowException:
        pass
    print("no champion in this store: generating 8,000 creators and training one")
    subprocess.run(
        ["creator-audit", "generate", "--out", "train-data", "--creators", "8000", "--seed", "1"],
        check=True,
    )
    subprocess.run(["creator-audit", "train", "--data", "train-data"], check=True)


def _payloads(workdir: Path, posts_only: bool = False) -> tuple[list[bytes], list[bytes]]:
    """Request bodies of creators with every table (or their posts only): ours raw, MLflow's as
    the feature row of the same data."""
    from creator_audit.simulator import generate
    from features import build_features
    from serving.client_bodies import request_body

    ds = generate(1_500, seed=99)
    with_all = set(ds.engagements.merge(ds.posts[["post_id", "creator_id"]]).creator_id)
    with_all &= set(ds.follower_counts.creator_id) & set(ds.follower_samples.creator_id)
    chosen = [c for c in ds.creators.creator_id if c in with_all][:PAYLOADS]
    bodies = [json.dumps(request_body(_subset(ds, [c], posts_only), c)).encode() for c in chosen]
    features = build_features(_subset(ds, chosen, posts_only))
    rows = [
        json.dumps(
            {"dataframe_split": {"columns": list(features.columns), "data": [_jsonable(r)]}}
        ).encode()
        for r in features.to_numpy(dtype=float)
    ]
    return bodies, rows


def _subset(ds, creators: list[str], posts_only: bool = False):
    from creator_audit.dataset import Dataset

    posts = _recent_posts(ds, creators)
    if posts_only:
        return Dataset(creators=ds.creators[ds.creators.creator_id.isin(creators)], posts=posts)
    return Dataset(
        creators=ds.creators[ds.creators.creator_id.isin(creators)],
        posts=posts,
        engagements=_events(ds, posts),
        follower_counts=ds.follower_counts[ds.follower_counts.creator_id.isin(creators)],
        follower_samples=ds.follower_samples[ds.follower_samples.creator_id.isin(creators)],
    )


def _recent_posts(ds, creators: list[str]) -> pd.DataFrame:
    posts = ds.posts[ds.posts.creator_id.isin(creators)].sort_values("posted_at")
    return posts.groupby("creator_id").tail(POSTS_PER_CREATOR)


def _events(ds, posts: pd.DataFrame) -> pd.DataFrame:
    events = ds.engagements[ds.engagements.post_id.isin(posts.post_id)]
    events = events.merge(posts[["post_id", "creator_id"]])
    return events.groupby("creator_id").head(MAX_EVENTS).drop(columns="creator_id")


def _jsonable(row: np.ndarray) -> list:
    return [None if np.isnan(v) else float(v) for v in row]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_CORES: set[int] | None = None  # the cores servers may use; None: every core


def _pin_client() -> None:
    """This process (the load client) on the last usable core; servers on the others."""
    global SERVER_CORES
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        raise SystemExit("--pin needs at least two usable cores")
    SERVER_CORES = set(cores[:-1])
    os.sched_setaffinity(0, {cores[-1]})
    print(f"client pinned to core {cores[-1]}, servers to cores {sorted(SERVER_CORES)}")


def _server_affinity() -> None:
    if SERVER_CORES is not None:
        os.sched_setaffinity(0, SERVER_CORES)


class _server:
    """Start a server process, wait until ``ready_url`` answers 200, stop it on exit."""

    def __init__(self, command: list[str], env: dict, ready_url: str) -> None:
        self.command, self.env, self.ready_url = command, env, ready_url

    def __enter__(self):
        self.proc = subprocess.Popen(
            self.command,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_server_affinity,
        )
        started = time.perf_counter()
        deadline = time.time() + 180
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{' '.join(self.command)} exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2) as answer:
                    if answer.status == 200:
                        self.ready_after = time.perf_counter() - started  # seconds to ready
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.ready_url} not ready after 180 s")

    def __exit__(self, *exc) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


def _drive(port: int, path: str, bodies: list[bytes], total: int, concurrency: int) -> dict:
    asyncio.run(_load(port, path, bodies, min(200, total), concurrency))  # warm-up
    latencies, errors, wall = asyncio.run(_load(port, path, bodies, total, concurrency))
    return {"latencies": latencies, "errors": errors, "wall": wall, "n": total}


async def _load(port, path, bodies, total, concurrency):
    latencies: list[float] = []
    errors = 0
    next_index = 0

    async def connection() -> None:
        nonlocal next_index, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.transport.get_extra_info("socket").setsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
        )
        while next_index < total:
            body = bodies[next_index % len(bodies)]
            next_index += 1
            head = (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            started = time.perf_counter()
            writer.write(head + body)
            status = await _read_response(reader)
            latencies.append(time.perf_counter() - started)
            errors += status != 200
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length")
    )
    await reader.readexactly(length)
    return status


def _report(results: dict, args: argparse.Namespace) -> None:
    print(
        f"\n{args.requests} requests at concurrency {args.concurrency}, {args.payload} payload, "
        f"127.0.0.1, {len(os.sched_getaffinity(0)) + len(SERVER_CORES or ())} cores"
        + (f", client pinned apart, servers on {len(SERVER_CORES or ())}" if args.pin else "")
    )
    print(f"{'server':42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}")
    throughput = {}
    for name, r in results.items():
        lat = np.array(r["latencies"]) * 1000
        throughput[name] = r["n"] / r["wall"]
        label = name if name != OURS or args.reasons is None else f"ours (reasons={args.reasons})"
        print(
            f"{label:42} {throughput[name]:8.0f} {np.percentile(lat, 50):8.1f} "
            f"{np.percentile(lat, 99):8.1f} {lat.max():8.1f} {r['errors']:7d}"
        )
    ours, theirs = throughput.get(OURS), throughput.get(MLFLOW)
    if ours and theirs:
        print(f"throughput ratio ours / mlflow: {ours / theirs:.1f}x")


if __name__ == "__main__":
    main()
