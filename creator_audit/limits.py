"""The one set of size limits, for request bodies and dataset files alike (docs/api.md,
"Limits"), and the one wording of a limit passed.

Both sides apply the same rules: an id is at most ``MAX_ID_CHARS`` characters, and a creator has
at most so many posts, engagement events, follower counts and follower samples. A request must
answer within a request's time, so its per-creator maxima are smaller (``API``); a file is read
once, in batch, and its maxima (``FILES``) only catch a runaway export (a join that multiplied
rows, a scraper stuck on one account) before it costs minutes of features for one creator.

One table file is read whole into memory, so its size is limited too (``max_file_bytes``), before
a byte of it is read; a larger table belongs in a folder of part files.

This module is the bottom layer: it imports nothing from the rest of the project.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_ID_CHARS = 256
"""Characters in any id (creator_id, post_id, actor_id, account_id), in files and requests."""

_KEY_CHARS = contextvars.ContextVar("key_chars", default=0)


@contextlib.contextmanager
def keyed_ids(extra_chars: int) -> Iterator[None]:
    """Within it, ids may be ``extra_chars`` longer than ``MAX_ID_CHARS``: the API validates a
    batch as one dataset with each item's ids prefixed by its position (``3:p1``), and the limit
    is on the ids a client sent, not on the service's keys for them."""
    token = _KEY_CHARS.set(extra_chars)
    try:
        yield
    finally:
        _KEY_CHARS.reset(token)


def max_id_chars() -> int:
    """The longest id the current validation accepts (see :func:`keyed_ids`)."""
    return MAX_ID_CHARS + _KEY_CHARS.get()


@dataclass(frozen=True)
class PerCreator:
    """The most rows of each per-creator table one creator may have."""

    posts: int
    engagements: int
    follower_counts: int
    follower_samples: int

    def of(self, table: str) -> int:
        return int(getattr(self, table))


# Request maxima (each a setting of the service, ``serving/settings.py``, with these defaults).
API = PerCreator(posts=1_000, engagements=100_000, follower_counts=5_000, follower_samples=5_000)
MAX_BATCH_ITEMS = 1_000
MAX_ACCOUNTS = 5_000  # accounts per POST /v1/accounts/score
MAX_BODY_BYTES = 8 * 1024 * 1024

# File maxima: 100x the request's. The busiest real accounts have a few tens of thousands of posts,
# and per-creator features are linear in these rows, so one creator at the limit still takes
# seconds, not the minutes (or the memory) of an export gone wrong.
FILES = PerCreator(
    posts=100_000, engagements=10_000_000, follower_counts=500_000, follower_samples=500_000
)


# Bytes of one table file. Each is the size whose read peaks near 16 GB (measured 2026-12-07: a
# Parquet file takes 8.4x its size at the peak of reading, a CSV file 2.7x), well above the largest
# single files the project writes: 20,000 creators (the main job) have a 350 MB engagements.parquet
# and a 1.7-2.0 GB engagements.csv; 50,000 (the most ``generate`` writes as single files) 2.5x that.
GiB = 2**30
MAX_FILE_BYTES = {"parquet": 2 * GiB, "csv": 6 * GiB}
FILE_BYTES_VARIABLES = {
    "parquet": "CREATOR_AUDIT_MAX_PARQUET_BYTES",
    "csv": "CREATOR_AUDIT_MAX_CSV_BYTES",
}
_UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


def max_file_bytes(fmt: str) -> int:
    """The most bytes one ``fmt`` ("csv" or "parquet") table file may have: its environment
    variable (``FILE_BYTES_VARIABLES``) when set, in bytes or with a unit (``8GiB``, ``500MB``),
    else ``MAX_FILE_BYTES``."""
    variable = FILE_BYTES_VARIABLES[fmt]
    text = os.environ.get(variable, "").strip()
    if not text:
        return MAX_FILE_BYTES[fmt]
    size = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:([kmgt]?)(i?)b?)?", text, re.IGNORECASE)
    if size is None:
        raise ValueError(f"{variable}={text!r} is not a size; write bytes (8589934592) or 8GiB")
    number, prefix, binary = size.group(1), (size.group(2) or "").lower(), size.group(3)
    scale = 1024 ** " kmgt".index(prefix or " ") if binary else _UNITS[prefix]
    return int(float(number) * scale)


def file_too_large(size: int, fmt: str) -> str:
    """What the refusal of a table file over ``max_file_bytes`` says, and how to proceed."""
    return (
        f"{_bytes(size)} is more than the limit of {_bytes(max_file_bytes(fmt))} per "
        f"{'Parquet' if fmt == 'parquet' else 'CSV'} file; split the table into a folder of "
        f"part files, or raise {FILE_BYTES_VARIABLES[fmt]}"
    )


def _bytes(count: int) -> str:
    """``count`` bytes for a reader: ``6 GiB``, ``7.2 GiB``, ``512 MiB``, ``100 bytes``."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{count} bytes"


def over_limit(count: int, unit: str, limit: int, per: str) -> str:
    """What every refusal over a limit says, in files and requests: ``"300 characters is more
    than the limit of 256 per id"``, ``"1500 posts is more than the limit of 1000 per creator"``."""
    return f"{count} {unit} is more than the limit of {limit} per {per}"


def id_too_long(length: int) -> str:
    return over_limit(length, "characters", MAX_ID_CHARS, "id")


def is_id(column: str) -> bool:
    """Whether a column holds ids (the id-length limit applies to it)."""
    return column.endswith("_id")
