"""``POST /v1/score`` (one creator, micro-batched with the requests that arrive with it) and
``POST /v1/score/batch`` (many creators in one body, each with its own answer)."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response

from scoring.scores import Score
from serving.creator_scoring import score_batch_items
from serving.decoding import Parsed, parse_as_of_query, parse_batch_items, parse_score_request
from serving.dependencies import (
    CurrentModel,
    Service,
    ServiceParts,
    require_api_key,
    require_json_body,
)
from serving.errors import PayloadError, answers
from serving.holder import LoadedModel
from serving.limits import check_creator_lists
from serving.openapi import parsed_body
from serving.schemas import BatchResponse, ItemError, ScoreOut

router = APIRouter(tags=["score"], dependencies=[Depends(require_api_key)])
MAX_REASONS = 50  # as the setting's own bound
Reasons = Annotated[
    int | None,
    Query(
        ge=0,
        le=MAX_REASONS,
        description="Reasons per score (default: the service's setting); 0 skips them, and "
        "their cost.",
    ),
]
AsOf = Annotated[
    str | None,
    Query(
        description="Score as of this past time (ISO-8601 with an offset, or unix seconds): only "
        "the posts, engagement events and follower-count readings dated by then count, the "
        "follower count is the last reading by then (else the profile's), a follower sample is "
        "left out when the time is before the snapshot, and likes and comments stay the counts "
        "read at the snapshot. Each score then says so in `as_of`. A time before a creator's "
        "first post is refused (422).",
        examples=["2026-03-31T23:59:59Z"],
    ),
]


@router.post(
    "/v1/score",
    response_model=ScoreOut,
    dependencies=[Depends(require_json_body)],
    responses=answers(401, 415, 422, 503),
    openapi_extra=parsed_body("ScoreRequest"),
)
async def score(
    request: Request,
    loaded: CurrentModel,
    service: ServiceParts,
    reasons: Reasons = None,
    as_of: AsOf = None,
) -> Response:
    """Score one creator (requests that arrive together are scored as one batch)."""
    received_at = time.time()  # the snapshot of a creator sent without snapshot_at
    at = parse_as_of_query(as_of)
    body = parse_score_request(await request.body())
    check_creator_lists(body, service.settings)
    n_reasons = service.settings.reasons if reasons is None else reasons
    parsed = Parsed(body, received_at=received_at, as_of=at)
    result = await service.batcher.score(parsed, loaded, n_reasons)
    service.metrics.observe_scores([result])
    return _json(result.as_dict())


@router.post(
    "/v1/score/batch",
    response_model=BatchResponse,
    dependencies=[Depends(require_json_body)],
    responses=answers(401, 415, 422, 503),
    openapi_extra=parsed_body("BatchRequest"),
)
async def score_batch(
    request: Request,
    loaded: CurrentModel,
    service: ServiceParts,
    reasons: Reasons = None,
    as_of: AsOf = None,
) -> Response:
    """Score many creators; a bad item gets its own error entry, the others are scored."""
    received_at = time.time()
    at = parse_as_of_query(as_of)
    n_reasons = service.settings.reasons if reasons is None else reasons
    raw = await request.body()
    answer = await asyncio.to_thread(_score_batch, raw, received_at, at, loaded, service, n_reasons)
    return _json(answer)


def _json(body: dict[str, Any]) -> Response:
    """The answer as JSON bytes. The body is built from our own typed scores, so FastAPI's second
    validation against ``response_model`` (which stays, for the OpenAPI document) is skipped;
    the schema tests hold the answers to it."""
    return Response(orjson.dumps(body), media_type="application/json")


def _score_batch(
    raw: bytes,
    received_at: float,
    as_of: float | None,
    loaded: LoadedModel,
    service: Service,
    n_reasons: int,
) -> dict[str, Any]:
    items, creator_ids = parse_batch_items(raw, service.settings, received_at, as_of)
    outcomes = score_batch_items(loaded.model, items, n_reasons, service.drift.observe)
    service.metrics.observe_scores(a for a in outcomes if isinstance(a, Score))
    return {"scores": [_entry(i, creator_ids[i], a) for i, a in enumerate(outcomes)]}


def _entry(index: int, creator_id: str | None, answer: Score | PayloadError) -> dict[str, Any]:
    if isinstance(answer, Score):
        return answer.as_dict()
    return ItemError(
        index=index, creator_id=creator_id, status=answer.status, error=answer.errors
    ).model_dump()
