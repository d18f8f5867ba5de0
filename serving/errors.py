"""The service's refusals: ``PayloadError`` (a request that cannot be scored), the handlers that
turn every error into its JSON answer, and each refusal's documented body (``answers``), so the
OpenAPI document describes what the handlers send.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from serving.schemas import MessageOut, ValidationErrorOut

log = logging.getLogger("creator_audit.serving")
UNREADABLE_BODY = "There was an error parsing the body"  # FastAPI's 400 for a body it cannot decode
# Each refusal the service can send: its body model, and when it happens.
ERROR_ANSWERS: dict[int, tuple[type[BaseModel], str]] = {
    401: (MessageOut, "Missing or unknown API key (header X-API-Key)."),
    403: (MessageOut, "Admin routes are off: CREATOR_AUDIT_ADMIN_KEY is not set."),
    408: (
        ValidationErrorOut,
        "The body did not arrive within CREATOR_AUDIT_BODY_TIMEOUT_SECONDS; the connection is "
        "closed.",
    ),
    413: (ValidationErrorOut, "The body is larger than CREATOR_AUDIT_MAX_BODY_BYTES."),
    415: (ValidationErrorOut, "The body is not declared as JSON (Content-Type: application/json)."),
    422: (ValidationErrorOut, "Bad input, by field."),
    503: (MessageOut, "No model to answer with yet (see /readyz)."),
}


class PayloadError(Exception):
    """A request that cannot be scored: HTTP status and FastAPI-style error entries."""

    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["msg"] if errors else "bad request")
        self.status = status
        self.errors = errors


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented refusals of a route (``ERROR_ANSWERS``)."""
    return {
        status: {"model": ERROR_ANSWERS[status][0], "description": ERROR_ANSWERS[status][1]}
        for status in statuses
    }


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # loc and msg only: echoing the input back could return a whole oversized payload.
        detail = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == UNREADABLE_BODY:  # e.g. not UTF-8
            detail = [
                {"loc": ["body"], "msg": "the body is not valid JSON", "type": "json_invalid"}
            ]
            return JSONResponse({"detail": detail}, status_code=422)
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)

    @app.exception_handler(PayloadError)
    async def bad_payload(request: Request, exc: PayloadError) -> JSONResponse:
        return JSONResponse({"detail": exc.errors}, status_code=exc.status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse({"detail": "internal error"}, status_code=500)
