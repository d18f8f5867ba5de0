"""The one set of size limits, for request bodies and dataset files alike (README, "The scoring
API"), and the one wording of a limit passed.

Both sides apply the same rules: an id is at most ``MAX_ID_CHARS`` characters, and a creator has
at most so many posts, engagement events, follower counts and follower samples. A request must
answer within a request's time, so its per-creator maxima are smaller (``API``); a file is read
once, in batch, and its maxima (``FILES``) only catch a runaway export (a join that multiplied
rows, a scraper stuck on one account) before it costs minutes of features for one creator.

This module is the bottom layer: it imports nothing from the rest of the project.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ID_CHARS = 256
"""Characters in any id (creator_id, post_id, actor_id, account_id), in files and requests."""


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


def over_limit(count: int, unit: str, limit: int, per: str) -> str:
    """What every refusal over a limit says, in files and requests: ``"300 characters is more
    than the limit of 256 per id"``, ``"1500 posts is more than the limit of 1000 per creator"``."""
    return f"{count} {unit} is more than the limit of {limit} per {per}"


def id_too_long(length: int) -> str:
    return over_limit(length, "characters", MAX_ID_CHARS, "id")


def is_id(column: str) -> bool:
    """Whether a column holds ids (the id-length limit applies to it)."""
    return column.endswith("_id")
