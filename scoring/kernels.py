"""The compiled kernels, made ready before they are needed.

numba compiles a kernel on its first call and caches the machine code on disk (``cache=True``:
``__pycache__`` beside the source, or numba's user cache where that cannot be written), so only
the first run on a machine compiles; later processes load. :func:`warm_up` calls every kernel
once on a tiny input, so a server does it before ``/readyz`` turns 200 and a request never pays
for it, and a command can say so when it took long enough to notice.
"""

from __future__ import annotations

import time

from features import warm_up_kernels as warm_up_features
from scoring import comment_vectors, compiled_trees

NOTICEABLE_SECONDS = 1.0  # a warm-up longer than this was a compile, worth a line of output


def warm_up() -> float:
    """Compile or load every kernel; the seconds it took."""
    started = time.perf_counter()
    warm_up_features()
    comment_vectors.warm_up()
    compiled_trees.warm_up()
    return time.perf_counter() - started


def warm_up_message(seconds: float) -> str | None:
    """What a command says about the warm-up: nothing when it was quick (a cache load)."""
    if seconds <= NOTICEABLE_SECONDS:
        return None
    return f"compiled the feature and scoring kernels in {seconds:.1f} s (cached for later runs)"
