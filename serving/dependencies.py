"""What the routes are given (FastAPI dependencies): the app's parts (``ServiceParts``), the models
answering now (``CurrentModel``, ``CurrentAccountModel``, 503 until loaded), the key checks
(401 / 403) and the check that a body is declared JSON (415)."""

from __future__ import annotations

import asyncio
import hmac
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader

from scoring.account_model import AccountModel
from serving.account_scoring import NO_ACCOUNT_MODEL
from serving.drift_window import DriftWindow
from serving.errors import PayloadError
from serving.holder import LoadedModel, ModelHolder
from serving.metrics import ServiceMetrics
from serving.micro_batching import MicroBatcher
from serving.settings import ServiceSettings
from serving.startup import ConfiguredAccountModel

# One header, two schemes, so the OpenAPI document can list each only while it is on
# (``serving.openapi``).
API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")
ADMIN_KEY_HEADER = APIKeyHeader(
    name="X-API-Key",
    scheme_name="AdminKeyHeader",
    auto_error=False,
    description="The admin key (CREATOR_AUDIT_ADMIN_KEY).",
)
JSON_MEDIA_TYPE = "application/json"
NO_MODEL_YET = "no model loaded yet; see /readyz"
WARMUP_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Keys:
    """The configured keys, encoded once for the constant-time comparison."""

    api: list[bytes]  # empty: key checks are off
    admin: bytes | None  # None: admin routes are off

    @classmethod
    def of(cls, settings: ServiceSettings) -> Keys:
        admin = settings.admin_key.get_secret_value().encode() if settings.admin_key else None
        return cls([k.get_secret_value().encode() for k in settings.api_keys], admin)


@dataclass(frozen=True)
class Service:
    """One app's parts, built by ``create_app`` and kept on ``app.state.service``."""

    settings: ServiceSettings
    holder: ModelHolder
    metrics: ServiceMetrics
    drift: DriftWindow
    batcher: MicroBatcher
    accounts: ConfiguredAccountModel
    keys: Keys


async def service_parts(request: Request) -> Service:
    return request.app.state.service


ServiceParts = Annotated[Service, Depends(service_parts)]


# Every dependency is ``async``: none blocks, and FastAPI runs a plain ``def`` one in its thread
# pool, two thread hand-offs per scoring request (5% of a worker's busy time, py-spy).
async def serving_model(service: ServiceParts) -> LoadedModel:
    loaded = service.holder.current  # read once: the request finishes on this model
    if loaded is None:
        loaded = await _after_first_load(service)
    if loaded is None:
        raise HTTPException(503, NO_MODEL_YET)
    return loaded


async def _after_first_load(service: Service) -> LoadedModel | None:
    """The model once this worker's first load ends, waiting at most ``warmup_wait_seconds``.

    Each worker loads its own copy, and the kernel spreads connections over workers: a client
    that saw /readyz answer 200 from the first worker to finish may reach one that is a second
    behind. A failed load answers at once."""
    deadline = time.monotonic() + service.settings.warmup_wait_seconds
    while service.holder.first_load_pending and time.monotonic() < deadline:
        await asyncio.sleep(WARMUP_POLL_SECONDS)
    return service.holder.current


CurrentModel = Annotated[LoadedModel, Depends(serving_model)]


async def serving_account_model(service: ServiceParts) -> AccountModel:
    """The configured account model, or else the one inside the creator model serving now (its
    audience features use it); 503 while the one that answers is not loaded."""
    configured = service.accounts
    if configured.uri is not None:
        if configured.model is None:
            raise HTTPException(503, NO_MODEL_YET)
        return configured.model
    loaded = service.holder.current or await _after_first_load(service)
    if loaded is None:
        raise HTTPException(503, NO_MODEL_YET)
    if loaded.model.account_model is None:
        raise HTTPException(503, NO_ACCOUNT_MODEL)
    return loaded.model.account_model


CurrentAccountModel = Annotated[AccountModel, Depends(serving_account_model)]


async def require_api_key(
    service: ServiceParts, key: Annotated[str | None, Depends(API_KEY_HEADER)]
) -> None:
    keys = service.keys.api
    if keys and not _matches(key, keys):
        raise HTTPException(401, "missing or unknown API key (header X-API-Key)")


async def require_admin_key(
    service: ServiceParts, key: Annotated[str | None, Depends(ADMIN_KEY_HEADER)]
) -> None:
    admin = service.keys.admin
    if admin is None:
        raise HTTPException(403, "admin routes are off: set CREATOR_AUDIT_ADMIN_KEY")
    if not _matches(key, [admin]):
        raise HTTPException(401, "missing or wrong admin key (header X-API-Key)")


async def require_json_body(request: Request) -> None:
    """415 unless the body is declared ``application/json`` (any parameters, e.g. a charset).

    The body is parsed as JSON whatever its declared type, so this is what keeps a page of another
    site from posting to the service: a browser sends ``text/plain``, a form's types or no type
    at all without asking first (no CORS preflight), but never ``application/json``. A missing
    Content-Type is refused too, for that reason; curl's ``-d`` declares a form, so curl needs
    ``-H 'content-type: application/json'`` (or ``--json``)."""
    declared = request.headers.get("content-type")
    media_type = (declared or "").split(";", 1)[0].strip().lower()
    if media_type != JSON_MEDIA_TYPE:
        given = f"got {declared[:100]!r}" if declared else "none was given"
        message = f"the body must be sent as Content-Type: {JSON_MEDIA_TYPE} ({given})"
        error = {"loc": ["header", "content-type"], "msg": message, "type": "media_type"}
        raise PayloadError(415, [error])


def _matches(given: str | None, keys: list[bytes]) -> bool:
    """Constant-time comparison against every key (no early exit that would leak which)."""
    if given is None:
        return False
    candidate = given.encode()
    found = False
    for key in keys:
        found |= hmac.compare_digest(candidate, key)
    return found
