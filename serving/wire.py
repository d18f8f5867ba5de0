"""The score request bodies as msgspec structs: a strict, fast decoder for the common case.

pydantic (``serving.schemas``) stays the API's schema: the OpenAPI document and every error's
wording come from it. These structs accept a subset of what it accepts: exact JSON types only (a
count is a JSON integer, a flag a JSON boolean), with every constraint the schema states, and they
decode a body about 7x faster (1.3 against 9.8 ms for 2,000 engagement events; pydantic builds a
model per row). A body they refuse, for any reason, is parsed again by pydantic, which accepts it
(``74.0`` as a count, ``1`` as a flag) or words its 422; so this path can make an answer faster,
never different. Tests hold the two schemas to the same fields.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from creator_audit.limits import MAX_ID_CHARS

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID_CHARS)]
Count = Annotated[int, msgspec.Meta(ge=0)]
Timestamp = int | str  # ISO-8601 with an offset, or unix seconds: parsed by the dataset rules


class _Strict(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """gc=False: these structs hold no reference cycles, and untracked objects are cheaper to
    make (a 2,000-event body: 1.13 -> 0.96 ms) and add nothing to the collector's work."""


class ProfileTraits(_Strict, kw_only=True):
    username: str | None = None
    bio_length: Count | None = None
    has_profile_pic: bool | None = None
    is_private: bool | None = None
    has_external_url: bool | None = None


class CreatorIn(ProfileTraits, kw_only=True):
    creator_id: Id
    followers: Count
    following: Count
    media_count: Count
    snapshot_at: Timestamp | None = None
    is_verified: bool | None = None


class PostIn(_Strict, kw_only=True):
    post_id: Id
    posted_at: Timestamp
    likes: Count | None  # required; null where the owner hides the count (missing, never 0)
    comments: Count
    creator_id: Id | None = None
    comments_disabled: bool | None = None
    hashtags: Count | None = None
    has_location: bool | None = None


class EngagementIn(_Strict, kw_only=True):
    post_id: Id
    actor_id: Id
    kind: Literal["like", "comment"]
    at: Timestamp
    text: str | None = None


class FollowerCountIn(_Strict, kw_only=True):
    at: Timestamp
    followers: Count
    creator_id: Id | None = None


class FollowerSampleIn(ProfileTraits, kw_only=True):
    account_id: Id
    followers: Count
    following: Count
    media_count: Count
    creator_id: Id | None = None


class ScoreRequest(_Strict, kw_only=True):
    creator: CreatorIn
    posts: list[PostIn]
    engagements: list[EngagementIn] | None = None
    follower_counts: list[FollowerCountIn] | None = None
    follower_samples: list[FollowerSampleIn] | None = None


class BatchRequest(_Strict, kw_only=True):
    items: list[ScoreRequest]


SCORE_REQUEST = msgspec.json.Decoder(ScoreRequest)
BATCH_REQUEST = msgspec.json.Decoder(BatchRequest)


def decode_score_request(raw: bytes) -> ScoreRequest | None:
    """The body as structs, or None when pydantic must judge it."""
    try:
        return SCORE_REQUEST.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def decode_batch_request(raw: bytes) -> BatchRequest | None:
    try:
        return BATCH_REQUEST.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def set_fields(value: msgspec.Struct) -> dict[str, object]:
    """The fields a struct has a value for (what pydantic's ``model_dump(exclude_none=True)``
    gives for the same body)."""
    return {
        name: field
        for name in value.__struct_fields__
        if (field := getattr(value, name)) is not None
    }
