"""``POST /v1/accounts/score``: the account model on single accounts."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request

from serving.account_scoring import score_accounts
from serving.decoding import parse_accounts_request
from serving.dependencies import (
    CurrentAccountModel,
    ServiceParts,
    require_api_key,
    require_json_body,
)
from serving.errors import answers
from serving.openapi import parsed_body
from serving.schemas import AccountsResponse

router = APIRouter(tags=["accounts"], dependencies=[Depends(require_api_key)])


@router.post(
    "/v1/accounts/score",
    response_model=AccountsResponse,
    dependencies=[Depends(require_json_body)],
    responses=answers(401, 415, 422, 503),
    openapi_extra=parsed_body("AccountsRequest"),
)
async def accounts_score(
    request: Request, model: CurrentAccountModel, service: ServiceParts
) -> dict[str, Any]:
    """Judge single accounts: p_fake and audience_type (real, suspicious, mass_follower,
    influencer)."""
    raw = await request.body()
    settings = service.settings
    return await asyncio.to_thread(
        lambda: score_accounts(model, parse_accounts_request(raw, settings))
    )
