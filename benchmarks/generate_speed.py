"""Simulator throughput: creators/s and engagement events/s, generation plus writing parquet.

.venv/bin/python benchmarks/generate_speed.py [N ...]   (default: 2000 10000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from creator_audit.dataset.write import write_dataset
from creator_audit.simulator import generate


def run(n_creators: int, seed: int = 0) -> None:
    start = time.perf_counter()
    ds = generate(n_creators, seed)
    generated = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_dataset(ds, Path(tmp) / "ds", "parquet")
    total = time.perf_counter() - start
    events = len(ds.engagements)
    print(
        f"{n_creators:>7,} creators  {events:>11,} events  "
        f"generate {generated - start:6.1f} s  total {total:6.1f} s  "
        f"{n_creators / total:8,.0f} creators/s  {events / total:10,.0f} events/s"
    )


def main(argv: list[str]) -> None:
    for n in [int(a) for a in argv] or [2_000, 10_000]:
        run(n)


if __name__ == "__main__":
    main(sys.argv[1:])
