"""The dataset tables of the public contract (CONTRACT.md §1), as data.

Everything that reads, validates, writes or simulates a dataset takes its column names and kinds
from here, so the contract is spelled out once.

Canonical in-memory dtypes, produced by ``creator_audit.dataset.read_dataset`` and by the simulator:

- ``str``        ids and text: pandas string dtype (``"str"``)
- ``count``      required non-negative integer: ``int64``. A ``nullable`` count (``likes``: owners
  can hide it) may be missing in a row: ``int64`` while every row has it, else ``float64`` with NaN
  for the missing ones, which the features treat as unknown, never as 0.
- ``timestamp``  ``datetime64[ns, UTC]``
- ``int`` / ``bool`` optional numeric traits: ``float64`` (1.0 / 0.0 for booleans, NaN when
  missing), so a missing value stays missing all the way into the features, never 0 or False.
- ``label`` / ``kind``: ``str`` restricted to the values below.
"""

from __future__ import annotations

from dataclasses import dataclass

LABELS: tuple[str, ...] = ("genuine", "fake_followers", "engagement_pod", "bot_engagement")
ENGAGEMENT_KINDS: tuple[str, ...] = ("like", "comment")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # one of: str, count, timestamp, int, bool, label, kind
    required: bool = True  # the column must be there (and, but for ``nullable``, every value)
    nullable: bool = False  # a required count whose value a row may leave missing
    description: str | None = None  # shown in the API's schema (OpenAPI) where it helps


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool = False
    unique: tuple[str, ...] = ()  # column(s) whose values (jointly) must be unique

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


_PROFILE_TRAITS = (
    Column("username", "str", required=False),
    Column("bio_length", "int", required=False),
    Column("has_profile_pic", "bool", required=False),
    Column("is_private", "bool", required=False),
    Column("has_external_url", "bool", required=False),
)

CREATORS = Table(
    "creators",
    (
        Column("creator_id", "str"),
        Column("followers", "count"),
        Column("following", "count"),
        Column("media_count", "count"),
        Column("snapshot_at", "timestamp", required=False),
        *_PROFILE_TRAITS,
        Column("is_verified", "bool", required=False),
    ),
    required=True,
    unique=("creator_id",),
)

POSTS = Table(
    "posts",
    (
        Column("creator_id", "str"),
        Column("post_id", "str"),
        Column("posted_at", "timestamp"),
        # Missing where the owner hides the like count (Instagram lets them): unknown, not 0.
        Column(
            "likes",
            "count",
            nullable=True,
            description="null where the owner hides the count: missing, never 0",
        ),
        Column("comments", "count"),
        Column("comments_disabled", "bool", required=False),
        Column("hashtags", "int", required=False),
        Column("has_location", "bool", required=False),
    ),
    required=True,
    unique=("post_id",),
)

ENGAGEMENTS = Table(
    "engagements",
    (
        Column("post_id", "str"),
        Column("actor_id", "str"),
        Column("kind", "kind"),
        Column("at", "timestamp"),
        Column("text", "str", required=False),
    ),
)

FOLLOWER_COUNTS = Table(
    "follower_counts",
    (
        Column("creator_id", "str"),
        Column("at", "timestamp"),
        Column("followers", "count"),
    ),
    unique=("creator_id", "at"),
)

FOLLOWER_SAMPLES = Table(
    "follower_samples",
    (
        Column("creator_id", "str"),
        Column("account_id", "str"),
        Column("followers", "count"),
        Column("following", "count"),
        Column("media_count", "count"),
        *_PROFILE_TRAITS,
    ),
    unique=("creator_id", "account_id"),
)

LABELS_TABLE = Table(
    "labels",
    (
        Column("creator_id", "str"),
        Column("label", "label"),
    ),
    unique=("creator_id",),
)

# Input of the account model (``creator-audit accounts score``, ``POST /v1/accounts/score``): the
# follower_samples fields, with creator_id optional. Not a dataset table.
ACCOUNTS = Table(
    "accounts",
    (
        Column("account_id", "str"),
        Column("creator_id", "str", required=False),
        *FOLLOWER_SAMPLES.columns[2:],
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (CREATORS, POSTS, ENGAGEMENTS, FOLLOWER_COUNTS, FOLLOWER_SAMPLES, LABELS_TABLE)
}
OPTIONAL_TABLES: tuple[str, ...] = tuple(name for name, t in TABLES.items() if not t.required)

# The score request of the API (CONTRACT.md §3): the ``creator`` object (a CREATORS row) and a
# list per table below. The API's schemas, its fast decoder and the request-to-columns code are
# all derived from these declarations, so a field is added in this file and nowhere else.
REQUEST_LISTS: tuple[str, ...] = ("posts", "engagements", "follower_counts", "follower_samples")
REQUIRED_REQUEST_LISTS: tuple[str, ...] = ("posts",)
# Each table's request object, by the name the API's schema (OpenAPI) gives it.
REQUEST_OBJECTS: dict[str, str] = {
    "creators": "CreatorIn",
    "posts": "PostIn",
    "engagements": "EngagementIn",
    "follower_counts": "FollowerCountIn",
    "follower_samples": "FollowerSampleIn",
}
_OWNER_DESCRIPTION = "Optional; must be the creator's id if given."


def request_fields(table: Table) -> tuple[Column, ...]:
    """The columns of ``table`` as fields of a request object. A listed row belongs to the
    request's creator, so its ``creator_id`` is optional (and must be that creator's if given)."""
    if table is CREATORS:
        return table.columns
    return tuple(
        Column(c.name, c.kind, required=False, description=_OWNER_DESCRIPTION)
        if c.name == "creator_id"
        else c
        for c in table.columns
    )
