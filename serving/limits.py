"""Every limit the service enforces on a request, and the refusal that names it (docs/api.md,
"Limits").

The maxima are settings (``ServiceSettings``); their defaults, the id length and the wording are
``creator_audit.limits``, shared with files. A body over ``max_body_bytes`` gets 413, sent by
``serving.middleware`` before the app reads it, as does a body still arriving after
``body_timeout_seconds`` (408). Too many items in a batch, accounts in a request or
rows in one creator's list get 422 naming the field. An id over ``MAX_ID_CHARS`` is refused by the
schema (``serving.schemas.Id``) and its message is worded here as files word it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from creator_audit import limits
from serving import wire
from serving.errors import PayloadError
from serving.schemas import ScoreRequest
from serving.settings import ServiceSettings


def body_too_large(max_body_bytes: int) -> bytes:
    """The JSON body of the 413 answer."""
    message = f"request body is larger than the limit of {max_body_bytes} bytes"
    return json.dumps({"detail": [{"loc": ["body"], "msg": message, "type": "too_large"}]}).encode()


def body_too_slow(timeout_seconds: float) -> bytes:
    """The JSON body of the 408 answer."""
    message = (
        f"request body did not arrive in full within {timeout_seconds:g} s "
        "(CREATOR_AUDIT_BODY_TIMEOUT_SECONDS)"
    )
    return json.dumps({"detail": [{"loc": ["body"], "msg": message, "type": "timeout"}]}).encode()


def check_creator_lists(
    request: ScoreRequest | wire.ScoreRequest,
    settings: ServiceSettings,
    prefix: Sequence[str | int] = ("body",),
) -> None:
    """422 naming the limit for every list longer than the service allows."""
    maxima = {
        "posts": settings.max_posts,
        "engagements": settings.max_engagements,
        "follower_counts": settings.max_follower_counts,
        "follower_samples": settings.max_follower_samples,
    }
    errors = []
    for field, limit in maxima.items():
        rows = getattr(request, field)
        if rows is not None and len(rows) > limit:
            message = limits.over_limit(len(rows), field, limit, "creator")
            errors.append(_too_long([*prefix, field], message))
    if errors:
        raise PayloadError(422, errors)


def check_batch_size(n: int, settings: ServiceSettings) -> None:
    if n > settings.max_batch_items:
        message = limits.over_limit(n, "items", settings.max_batch_items, "batch")
        raise PayloadError(422, [_too_long(["body", "items"], message)])


def check_accounts(n: int, settings: ServiceSettings) -> None:
    if n > settings.max_accounts:
        message = limits.over_limit(n, "accounts", settings.max_accounts, "request")
        raise PayloadError(422, [_too_long(["body", "accounts"], message)])


def schema_message(error: Any) -> str:
    """pydantic's message, but an id over the limit is worded as files word it."""
    if error["type"] == "string_too_long":  # only ids have a maximum length
        return limits.id_too_long(len(error["input"]))
    return error["msg"]


def _too_long(loc: list[str | int], message: str) -> dict[str, Any]:
    return {"loc": loc, "msg": message, "type": "too_long"}
