"""Seconds from starting ``creator-audit serve`` to ``/readyz`` answering 200, and each process's
memory once ready: with numba's on-disk kernel cache as the last run left it, or cold.

    .venv/bin/python benchmarks/ready_time.py --model BUNDLE_OR_URI [--workers N] [--cold]
        [--runs R]

``--cold`` points numba at an empty cache folder (``NUMBA_CACHE_DIR``), so every kernel
compiles, as on a fresh install's first start. Memory is each process's resident set (the
supervisor and its workers) read from /proc right after ready.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve_vs_mlflow import _free_port, _server


def main() -> None:
    args = _parse()
    for run in range(args.runs):
        env = dict(os.environ, CREATOR_AUDIT_POLL_SECONDS="0")
        with tempfile.TemporaryDirectory() as empty:
            if args.cold:
                env["NUMBA_CACHE_DIR"] = empty
            port = _free_port()
            command = ["creator-audit", "serve", "--port", str(port), "--no-access-log"]
            command += ["--model", args.model, "--workers", str(args.workers)]
            with _server(command, env, f"http://127.0.0.1:{port}/readyz") as server:
                memory = _resident_mib(server.proc.pid)
                cache = "cold" if args.cold else "warm"
                shown = ", ".join(f"{mib:.0f}" for mib in memory)
                print(
                    f"run {run + 1} ({cache} kernel cache, {args.workers} worker(s)): ready in "
                    f"{server.ready_after:.2f} s; resident MiB per process: {shown}"
                )


def _resident_mib(group: int) -> list[float]:
    """Resident memory of every process in the server's process group, supervisor first."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            status = (stat.parent / "status").read_text()
        except OSError:
            continue
        if int(fields[2]) == group:  # the process group id
            rss = next(line for line in status.splitlines() if line.startswith("VmRSS"))
            found.append((int(stat.parent.name), int(rss.split()[1]) / 1024))
    return [mib for _, mib in sorted(found)]


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="bundle path or MLflow model URI")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--cold", action="store_true", help="compile every kernel (empty cache)")
    parser.add_argument("--runs", type=int, default=2)
    return parser.parse_args()


if __name__ == "__main__":
    main()
