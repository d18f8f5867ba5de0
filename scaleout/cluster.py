"""Which Dask cluster to run on: a ``LocalCluster`` sized to this machine, or an existing one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

from distributed import Client, LocalCluster

LOCAL = "local"


@contextlib.contextmanager
def connect(
    scheduler: str, worker_memory: str | None = None, workers: int | None = None
) -> Iterator[Client]:
    """``local``: one single-threaded worker process per core (pandas and LightGBM hold the GIL
    for much of the feature work, so processes, not threads), each with ``worker_memory`` as its
    limit (Dask spills to disk at 60%, pauses at 80%, restarts the worker at 95%). Anything else
    is the address of a running scheduler (``tcp://host:8786``), whose workers are sized by
    whoever started them."""
    if scheduler != LOCAL:
        with Client(scheduler) as client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with (
        # The workers' spill and lock files go in a folder of this run's, removed with it (Dask's
        # default, /tmp/dask-scratch-space, stays behind).
        tempfile.TemporaryDirectory(prefix="creator-audit-dask-") as scratch,
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            memory_limit=worker_memory or "auto",
            dashboard_address=":0",
            local_directory=scratch,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
