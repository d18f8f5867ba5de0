"""Batch scoring in memory vs on a Dask LocalCluster: creators/s, peak memory, same scores.

    .venv/bin/python benchmarks/dask_scale.py [--workdir DIR] [--creators 200000]
        [--likes-per-post 5] [--worker-memory 3GiB] [--workers 2] [--model BUNDLE]

Generates a partitioned dataset (kept in --workdir and reused), trains a small model if no
--model is given, then runs ``creator-audit score`` twice as child processes — in memory, then
with ``--scheduler local`` under a per-worker memory limit — sampling the resident memory of each
whole process tree every 0.2 s. Prints wall time, creators/s, peak memory (sum over the tree and
largest single process) and the largest probability difference between the two outputs, then
extrapolates the measured per-core rate to 10M creators on 100 cores.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

PROBABILITIES = ("p_genuine", "p_fake_followers", "p_engagement_pod", "p_bot_engagement")


def run_measured(args: list[str]) -> dict[str, float]:
    """Run a command; its wall time and the peak RSS of its process tree (sum and largest)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args)
    peak = {"total": 0.0, "largest": 0.0}
    done = threading.Event()

    def sample() -> None:
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                rss = [p.memory_info().rss for p in tree if p.is_running()]
            except psutil.Error:
                rss = []
            if rss:
                peak["total"] = max(peak["total"], float(sum(rss)))
                peak["largest"] = max(peak["largest"], float(max(rss)))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    done.set()
    sampler.join()
    if code != 0:
        raise SystemExit(f"{' '.join(args)} exited with {code}")
    return {"seconds": time.perf_counter() - start, **peak}


def dataset(workdir: Path, creators: int, likes: int) -> Path:
    data = workdir / f"data-{creators}-{likes}"
    if not data.exists():
        part = str(max(10_000, creators // 8))
        subprocess.run(
            ["creator-audit", "generate", "--out", str(data), "--creators", str(creators),
             "--seed", "1", "--likes-per-post", str(likes), "--part-creators", part],
            check=True,
        )  # fmt: skip
    return data


def model(workdir: Path, given: str | None) -> str:
    if given:
        return given
    bundle = workdir / "models" / "creator-fraud-champion.bundle"
    if not bundle.exists():
        train = workdir / "train-data"
        subprocess.run(
            ["creator-audit", "generate", "--out", str(train), "--creators", "6000", "--seed", "2"],
            check=True,
        )
        subprocess.run(
            ["creator-audit", "train", "--data", str(train), "--accounts-model", "none",
             "--models-dir", str(workdir / "models")],
            check=True, cwd=workdir,
        )  # fmt: skip
    return str(bundle)


def size_of(data: Path) -> tuple[int, int]:
    """Creators and engagement events, from the Parquet footers."""
    import pyarrow.parquet as pq

    creators = sum(pq.ParquetFile(p).metadata.num_rows for p in (data / "creators").iterdir())
    events = sum(pq.ParquetFile(p).metadata.num_rows for p in (data / "engagements").iterdir())
    return creators, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("bench-dask"))
    parser.add_argument("--creators", type=int, default=200_000)
    parser.add_argument("--likes-per-post", type=int, default=5)
    parser.add_argument("--worker-memory", default="3GiB")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    data = dataset(args.workdir, args.creators, args.likes_per_post)
    bundle = model(args.workdir, args.model)
    n_creators, n_events = size_of(data)
    print(f"dataset: {n_creators:,} creators, {n_events:,} engagement events in {data}")
    score = ["creator-audit", "score", "--data", str(data), "--model", bundle]
    in_memory = run_measured([*score, "--out", str(args.workdir / "scores-memory.parquet")])
    print(f"in memory: {in_memory}", flush=True)
    on_dask = run_measured(
        [*score, "--out", str(args.workdir / "scores-dask.parquet"), "--scheduler", "local",
         "--worker-memory", args.worker_memory]
    )  # fmt: skip
    report(args, n_creators, n_events, in_memory, on_dask)


def report(args, n_creators: int, n_events: int, in_memory: dict, on_dask: dict) -> None:
    memory = pd.read_parquet(args.workdir / "scores-memory.parquet").set_index("creator_id")
    dask = pd.read_parquet(args.workdir / "scores-dask.parquet").set_index("creator_id")
    dask = dask.loc[memory.index]
    diff = float(np.abs(dask[list(PROBABILITIES)] - memory[list(PROBABILITIES)]).to_numpy().max())
    gib = 2.0**30
    for name, m in (("in memory", in_memory), (f"dask {args.workers} workers", on_dask)):
        print(
            f"{name:>18}: {m['seconds']:7.1f} s, {n_creators / m['seconds']:8,.0f} creators/s, "
            f"{n_events / m['seconds']:10,.0f} events/s; peak RSS {m['total'] / gib:5.2f} GiB "
            f"(largest process {m['largest'] / gib:4.2f} GiB)"
        )
    same_labels = bool((dask["label"] == memory["label"]).all())
    print(
        f"worker memory limit {args.worker_memory}; max |p difference| {diff:.2e} over "
        f"{len(memory):,} creators; labels equal: {same_labels}"
    )
    per_core = n_creators / on_dask["seconds"] / args.workers
    hours = 10_000_000 / (per_core * 100) / 3600
    print(
        f"dask per core: {per_core:,.0f} creators/s -> 10M creators on 100 cores: "
        f"~{hours * 60:.0f} min at this rate (ideal scaling)"
    )


if __name__ == "__main__":
    sys.exit(main())
