"""Typed request and response bodies of the HTTP API (CONTRACT.md §3–4).

The request objects are built from the dataset tables' declarations (``creator_audit.schema``):
one field per column, so a column added there is a field here. Types are strict where a guess
would be wrong, and accept what a file holds where it is not: a count is a whole JSON number ≥ 0
(``74`` or ``74.0``, as JSON Schema counts integers, but not ``74.5``), a flag is
``true``/``false`` or ``1``/``0`` (how files and pandas hold flags), and ``null`` is missing.
Anything else gets a 422 naming the field; unknown fields are refused so a misspelt optional table
is not silently ignored. List lengths are checked against the service's limits in
``serving.limits`` (they are settings, so not fixed in the schema).

Timestamps are ISO-8601 strings with an offset or integer unix seconds; parsing them is left to the
dataset validation shared with files, so both answer the same way.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    create_model,
)

from creator_audit.limits import MAX_ID_CHARS, is_id
from creator_audit.schema import (
    ENGAGEMENT_KINDS,
    REQUEST_LISTS,
    REQUEST_OBJECTS,
    REQUIRED_REQUEST_LISTS,
    TABLES,
    Table,
    request_fields,
)


def _whole_number(value: Any) -> Any:
    """74.0 is the integer 74 (pandas writes optional integers as floats); 74.5 is left to fail."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _zero_one_flag(value: Any) -> Any:
    """1 / 0 (or 1.0 / 0.0) are the flags files hold; any other number is left to fail."""
    if not isinstance(value, bool) and isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    return value


Count = Annotated[StrictInt, Field(ge=0), BeforeValidator(_whole_number)]  # ge in the schema
Flag = Annotated[
    StrictBool,
    BeforeValidator(_zero_one_flag),
    Field(description="true / false; 1 / 0 as files hold flags"),
]
Timestamp = Annotated[
    StrictStr | StrictInt,
    BeforeValidator(_whole_number),
    Field(description="ISO-8601 with an offset, or integer unix seconds.", examples=[1767225600]),
]
# Too long an id gets the message files get for it (``serving.limits.schema_message``).
Id = Annotated[StrictStr, Field(min_length=1, max_length=MAX_ID_CHARS)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Each dataset column kind as a request field (ids are ``Id``, see ``creator_audit.limits.is_id``).
_FIELD_TYPES: dict[str, Any] = {
    "str": StrictStr,
    "count": Count,
    "int": Count,
    "bool": Flag,
    "timestamp": Timestamp,
    "kind": Literal[ENGAGEMENT_KINDS],
}


def _request_model(name: str, table: Table, doc: str | None = None) -> type[_Strict]:
    """The request object of ``table``'s rows, field for field from its declaration
    (``creator_audit.schema``): required columns required, a nullable one required but may be
    null, optional ones default to missing."""
    fields: dict[str, Any] = {}
    for col in request_fields(table):
        kind = Id if is_id(col.name) else _FIELD_TYPES[col.kind]
        # No description of its own keeps the type's (a timestamp's formats).
        about = {"description": col.description} if col.description else {}
        if col.required and not col.nullable:
            fields[col.name] = (kind, Field(**about))
        elif col.required:
            fields[col.name] = (kind | None, Field(**about))
        else:
            fields[col.name] = (kind | None, Field(None, **about))
    return create_model(name, __base__=_Strict, __doc__=doc, __module__=__name__, **fields)


_ROW_MODELS = {
    table: _request_model(name, TABLES[table]) for table, name in REQUEST_OBJECTS.items()
}
CreatorIn, PostIn, EngagementIn, FollowerCountIn, FollowerSampleIn = _ROW_MODELS.values()
# Request list → the model of its rows (a request's lists are named as their tables).
LIST_ROW_MODELS = {table: _ROW_MODELS[table] for table in REQUEST_LISTS}
ScoreRequest = create_model(
    "ScoreRequest",
    __base__=_Strict,
    __doc__="One creator and what is known about them; only ``creator`` and ``posts`` are "
    "required.",
    __module__=__name__,
    creator=(CreatorIn, ...),
    **{
        name: (list[row], ...) if name in REQUIRED_REQUEST_LISTS else (list[row] | None, None)
        for name, row in LIST_ROW_MODELS.items()
    },
)


class AccountsRequest(_Strict):
    """Accounts to judge one by one (e.g. a sample of a creator's followers)."""

    accounts: list[FollowerSampleIn]


class AccountScoreOut(BaseModel):
    account_id: str
    creator_id: str | None = None
    p_fake: float = Field(ge=0, le=1, description="Probability that the account is fake.")
    audience_type: Literal["real", "suspicious", "mass_follower", "influencer"]


class AudienceShareOut(BaseModel):
    """The audience report: the fake share estimated for an audience (its scores matched against
    how real accounts and fakes of collections the model never saw scored), its 95% interval,
    the share of each type."""

    creator_id: str | None = None
    accounts: int = Field(ge=0)
    fake_share: float | None = Field(None, description="Estimated share of fake accounts.")
    fake_share_low: float | None = Field(None, description="Lower end of its 95% interval.")
    fake_share_high: float | None = Field(None, description="Upper end of its 95% interval.")
    share_real: float | None = None
    share_suspicious: float | None = None
    share_mass_follower: float | None = None
    share_influencer: float | None = None


class AudienceSummaryOut(AudienceShareOut):
    """Every account of the request as one audience (creator_id set when they name one creator),
    and one row per creator_id named (``creators``)."""

    creators: list[AudienceShareOut]


class AccountsResponse(BaseModel):
    scores: list[AccountScoreOut]
    summary: AudienceSummaryOut
    model_version: str = Field(description="Version of the account model that answered.")


class BatchRequest(_Strict):
    """Items are validated one by one, so a bad item gets its own error and the rest are scored."""

    items: list[dict[str, Any]]


class BatchRequestDocumented(_Strict):
    """What the OpenAPI document shows for ``BatchRequest``: every item is a ``ScoreRequest``."""

    model_config = ConfigDict(extra="forbid", title="BatchRequest")

    items: list[ScoreRequest]


class ReasonOut(BaseModel):
    feature: str
    value: float | None = Field(description="The feature's value; null when it is missing.")
    contribution: float = Field(description="Signed push towards fraud (log-odds).")
    note: str | None = Field(
        None, description='A short note, e.g. "38% of sampled followers look fake (±6%)".'
    )
    text: str | None = Field(
        None,
        description="The reason as a sentence, compared with genuine creators of the same size, "
        'e.g. "Likes per follower (median post) is 0.31: 3.1× what genuine creators with '
        '10K-100K followers get (typical 0.7-1.4× their median); this points to fraud."',
    )


class CoverageOut(BaseModel):
    """Which optional tables the score rests on: a posts-only verdict has all three false."""

    engagements: bool = Field(description="engagement events sent on the posts scored")
    follower_counts: bool = Field(description="a follower-count history")
    follower_samples: bool = Field(description="a sample of followers")
    comment_events: Literal["complete", "partial", "none"] | None = Field(
        None,
        description="none: no events on the posts scored; partial: on some post the comment "
        "events hold under 80% of its comment count (a first page, say), and that post's comment "
        "events are left out of the comment timing and commenter features; else complete.",
    )
    comment_events_share: float | None = Field(
        None,
        description="The share of the comment count, on the posts with events, that the comment "
        "events hold (null when those posts have no comments).",
    )


class ExcludedPostsOut(BaseModel):
    """Posts one rule left out of some features."""

    rule: Literal["too_recent", "comments_disabled", "partial_comment_events", "older"]
    reason: str = Field(description="The rule, and the features it leaves the posts out of.")
    post_ids: list[str]


class AsOfOut(BaseModel):
    """What a score as of a past time (``?as_of=``) rests on."""

    at: str = Field(description="The as-of time (ISO-8601, UTC).")
    followers_source: Literal["history", "snapshot"] = Field(
        description="history: the last follower-count reading at or before the as-of time; "
        "snapshot: the profile's count, read at the snapshot (at or after the as-of time, or no "
        "reading by then)."
    )
    followers_read_at: str = Field(description="When that follower count was read (ISO-8601).")
    posts_left_out: int = Field(ge=0, description="Posts published after the as-of time.")
    notes: list[str] = Field(
        description="The as-of rules that applied, in words: e.g. that likes and comments are "
        "the counts read at the snapshot, or that the follower sample (which has no time) was "
        "left out."
    )


class ScoreOut(BaseModel):
    creator_id: str
    label: str
    probabilities: dict[str, float]
    fraud_score: int = Field(ge=0, le=100, description="round(100 × (1 − p_genuine))")
    reasons: list[ReasonOut]
    model_version: str
    coverage: CoverageOut | None = None
    snapshot_at: str | None = Field(
        None,
        description="When the counts were read (ISO-8601, UTC): the creator's snapshot_at, or "
        "when the request arrived if it sent none. Posts under a day old at this time are left "
        "out of the ratio features (their likes are still coming in).",
    )
    snapshot_source: Literal["given", "received", "read"] | None = Field(
        None,
        description="given: the creator's snapshot_at; received: the time the request arrived "
        "(read: batch files, the time they were read).",
    )
    excluded_posts: list[ExcludedPostsOut] | None = Field(
        None, description="The posts left out of some features, by rule; empty when none."
    )
    as_of: AsOfOut | None = Field(
        None, description="Only in a score asked as of a past time (?as_of=): what it rests on."
    )


class ErrorDetail(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(BaseModel):
    """Bad input (422), a body too large (413), too slow (408) or not JSON (415): what is wrong,
    by field."""

    detail: list[ErrorDetail] = Field(min_length=1)


class MessageOut(BaseModel):
    """A refusal that is about the request as a whole (401, 403, 503)."""

    detail: str = Field(min_length=1)


class ReadyOut(BaseModel):
    status: Literal["ready"]
    model_version: str


class NotReadyOut(BaseModel):
    status: Literal["loading", "failed"] = Field(
        description="loading: the first load is under way; failed: the last load failed (the "
        "service tries again every CREATOR_AUDIT_POLL_SECONDS)."
    )
    detail: str = Field(min_length=1, description="One line naming the URI.")


class ItemError(BaseModel):
    """A batch item that could not be scored, in place of its score."""

    index: int
    creator_id: str | None = None
    status: int
    error: list[ErrorDetail]


class BatchResponse(BaseModel):
    scores: list[ScoreOut | ItemError]


class MissingModelOut(BaseModel):
    """A model the creator model scores without (``scoring.missing_models``)."""

    model: str = Field(description="Its registered name, e.g. account-authenticity.")
    cannot_see: str = Field(description="The evidence the score cannot see without it.")
    how_to_get: str = Field(description="The commands that give it.")


class ModelInfo(BaseModel):
    name: str | None
    version: str
    alias: str | None
    run_id: str | None
    uri: str = Field(description="The registry URI, or the bundle's file name (never its path).")
    labels: list[str]
    features: list[str]
    loaded_at: float = Field(description="Unix time the service loaded this model.")
    missing_models: list[MissingModelOut] = Field(
        description="The account and comment models this model scores without (empty when it "
        "has both): their features are missing from every score."
    )


class ReloadOut(BaseModel):
    swapped: bool
    version: str
    message: str
