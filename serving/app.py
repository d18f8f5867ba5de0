"""The real-time scoring API (CONTRACT.md §4): ``create_app()`` builds it, ``creator-audit serve``
runs it under uvicorn.

Requests are scored by ``serving.service`` through the same feature and scoring code as batch
files. The model lives in a ``ModelHolder``: loaded once in the lifespan, swapped atomically when
the registry alias moves (polled) or on ``POST /v1/admin/reload``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

import creator_audit
from serving import workers
from serving.accounts import NO_ACCOUNT_MODEL, parse_accounts_request, score_accounts
from serving.batcher import MicroBatcher
from serving.holder import LoadedModel, ModelHolder
from serving.limits import BodyLimitAndMetricsMiddleware
from serving.metrics import ServiceMetrics
from serving.payload import (
    Parsed,
    PayloadError,
    check_limits,
    parse_batch_items,
    parse_score_request,
)
from serving.schemas import (
    AccountsRequest,
    AccountsResponse,
    BatchRequestDocumented,
    BatchResponse,
    ItemError,
    ModelInfo,
    ReloadOut,
    ScoreOut,
    ScoreRequest,
    ValidationErrorOut,
)
from serving.scoring import Score
from serving.service import score_parsed
from serving.settings import ServiceSettings
from training.account_model import AccountModel

log = logging.getLogger("creator_audit.serving")
GC_YOUNG_THRESHOLD = 20_000  # allocations between young-generation collections (default 700)
UNREADABLE_BODY = "There was an error parsing the body"  # FastAPI's 400 for a body it cannot decode
API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")


def serving_model(request: Request) -> LoadedModel:
    loaded = request.app.state.holder.current  # read once: the request finishes on this model
    if loaded is None:
        raise HTTPException(503, "no model loaded yet; see /readyz")
    return loaded


CurrentModel = Annotated[LoadedModel, Depends(serving_model)]


def create_app(
    settings: ServiceSettings | None = None, holder: ModelHolder | None = None
) -> FastAPI:
    settings = settings or ServiceSettings()
    holder = holder or ModelHolder(settings.model_uri)
    metrics = ServiceMetrics()
    batcher = MicroBatcher(settings.reasons)
    standalone_accounts: list[AccountModel] = []  # the configured account model, once loaded

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from training.tracking import configure_tracking

        if settings.model_uri.startswith("models:/"):  # a bundle needs no tracking store
            configure_tracking()
        await _reload(holder, metrics, force=holder.current is None)
        if settings.accounts_model_uri:
            standalone_accounts.append(await asyncio.to_thread(_load_accounts, settings))
        _tune_garbage_collection()
        poller = asyncio.create_task(_poll(holder, metrics, settings.poll_seconds))
        await batcher.start()
        workers.on_reload_request(lambda: asyncio.create_task(_reload(holder, metrics, False)))
        try:
            yield
        finally:
            await batcher.stop()
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller

    app = FastAPI(
        title="creator-audit",
        version=creator_audit.__version__,
        summary="Scores creators for fake followers, engagement pods and bought engagement.",
        lifespan=lifespan,
    )
    app.state.holder = holder  # read by the serving_model dependency
    app.add_middleware(
        BodyLimitAndMetricsMiddleware, max_body_bytes=settings.max_body_bytes, metrics=metrics
    )
    _add_error_handlers(app)
    require_key = _api_key_check(settings)
    require_admin = _admin_key_check(settings)

    @app.post(
        "/v1/score",
        response_model=ScoreOut,
        dependencies=[Depends(require_key)],
        **_parsed_body("ScoreRequest"),
    )
    async def score(request: Request, loaded: CurrentModel) -> dict[str, Any]:
        """Score one creator (requests that arrive together are scored as one batch)."""
        body = parse_score_request(await request.body())
        check_limits(body, settings)
        result = await batcher.score(Parsed(body), loaded)
        metrics.observe_scores([result])
        return result.as_dict()

    @app.post(
        "/v1/score/batch",
        response_model=BatchResponse,
        dependencies=[Depends(require_key)],
        **_parsed_body("BatchRequest"),
    )
    async def score_batch(request: Request, loaded: CurrentModel) -> dict[str, Any]:
        """Score many creators; a bad item gets its own error entry, the others are scored."""
        return await asyncio.to_thread(_score_batch, await request.body(), loaded)

    def _score_batch(raw: bytes, loaded: LoadedModel) -> dict[str, Any]:
        items, creator_ids = parse_batch_items(raw, settings)
        valid = [item for item in items if isinstance(item, Parsed)]
        scores = iter(score_parsed(loaded.model, valid, settings.reasons) if valid else [])
        answers = [item if isinstance(item, PayloadError) else next(scores) for item in items]
        metrics.observe_scores(a for a in answers if isinstance(a, Score))
        return {"scores": [_entry(i, creator_ids[i], a) for i, a in enumerate(answers)]}

    @app.post(
        "/v1/accounts/score",
        response_model=AccountsResponse,
        dependencies=[Depends(require_key)],
        **_parsed_body("AccountsRequest"),
    )
    async def accounts_score(request: Request) -> dict[str, Any]:
        """Judge single accounts: p_fake and audience_type (real, suspicious, mass_follower,
        influencer)."""
        model = standalone_accounts[0] if standalone_accounts else _carried_account_model(holder)
        raw = await request.body()
        return await asyncio.to_thread(
            lambda: score_accounts(model, parse_accounts_request(raw, settings))
        )

    @app.get("/v1/model", response_model=ModelInfo, dependencies=[Depends(require_key)])
    def model_info(loaded: CurrentModel) -> dict[str, Any]:
        """The model answering now: name, version, alias, training run, feature list."""
        meta = loaded.model.metadata
        return {
            "name": meta.get("model_name"),
            "version": loaded.version,
            "alias": meta.get("alias"),
            "run_id": meta.get("run_id"),
            "uri": loaded.uri,
            "labels": list(loaded.model.labels),
            "features": list(loaded.model.feature_names),
            "loaded_at": loaded.loaded_at,
        }

    @app.post("/v1/admin/reload", response_model=ReloadOut, dependencies=[Depends(require_admin)])
    async def reload(force: bool = False) -> dict[str, Any]:
        """Load the model at the configured URI now (if it changed, or always with ``force``)."""
        result = await _reload(holder, metrics, force=force)
        workers.ask_all_to_reload()  # the other worker processes, if any, check their source too
        return {"swapped": result.swapped, "version": result.version, "message": result.message}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", responses={503: {"description": "No model loaded yet."}})
    async def readyz() -> JSONResponse:
        """Readiness: 200 only once a model is loaded."""
        loaded = holder.current
        if loaded is None:
            return JSONResponse({"status": "no model loaded"}, status_code=503)
        return JSONResponse({"status": "ready", "model_version": loaded.version})

    @app.get("/metrics", response_class=Response)
    async def prometheus() -> Response:
        """Prometheus text format."""
        return Response(metrics.render(), media_type=metrics.content_type)

    _document_bodies(
        app,
        {
            "ScoreRequest": ScoreRequest,
            "BatchRequest": BatchRequestDocumented,
            "AccountsRequest": AccountsRequest,
        },
    )
    return app


def _load_accounts(settings: ServiceSettings) -> AccountModel:
    from training.registry import load_account_model

    assert settings.accounts_model_uri is not None
    return load_account_model(settings.accounts_model_uri)


def _carried_account_model(holder: ModelHolder) -> AccountModel:
    """The account model inside the creator model serving now (its audience features use it)."""
    loaded = holder.current
    if loaded is None:
        raise HTTPException(503, "no model loaded yet; see /readyz")
    if loaded.model.account_model is None:
        raise HTTPException(503, NO_ACCOUNT_MODEL)
    return loaded.model.account_model


def _tune_garbage_collection() -> None:
    """Keep the collector off the ~300K objects of the libraries and the model.

    A full collection scans every tracked object (~200 ms here with MLflow, pandas and LightGBM
    loaded), and scoring a 2,000-event creator allocates enough to trigger collections every few
    requests: freezing what exists after start-up and collecting the young generation less often
    raised throughput 1.8x (``benchmarks/serve_vs_mlflow.py``). Cyclic garbage is still collected.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def _parsed_body(model_name: str) -> dict[str, Any]:
    """Route arguments documenting a body the route parses itself (from bytes, see
    ``serving.payload``): the request schema and the 422 answer."""
    schema = {"$ref": f"#/components/schemas/{model_name}"}
    body = {"required": True, "content": {"application/json": {"schema": schema}}}
    return {
        "openapi_extra": {"requestBody": body},
        "responses": {422: {"model": ValidationErrorOut, "description": "Bad input, by field."}},
    }


def _document_bodies(app: FastAPI, models: dict[str, type[BaseModel]]) -> None:
    """Put the self-parsed body models into the OpenAPI components, so the document still
    describes the real API."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, model in models.items():
                definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(definition.pop("$defs", {}))
                components[name] = definition
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


def _entry(index: int, creator_id: str | None, answer: Score | PayloadError) -> dict[str, Any]:
    if isinstance(answer, Score):
        return answer.as_dict()
    return ItemError(
        index=index, creator_id=creator_id, status=answer.status, error=answer.errors
    ).model_dump()


async def _reload(holder: ModelHolder, metrics: ServiceMetrics, force: bool):
    result = await asyncio.to_thread(holder.reload, force)
    if result.swapped:
        metrics.set_model(result.version)
    metrics.reloads.labels(result.outcome).inc()
    return result


async def _poll(holder: ModelHolder, metrics: ServiceMetrics, every: float) -> None:
    """Check the model's source every ``every`` seconds; swap when it changed."""
    if every <= 0:
        return
    while True:
        await asyncio.sleep(every)
        await _reload(holder, metrics, force=holder.current is None)


def _api_key_check(settings: ServiceSettings):
    keys = [k.get_secret_value().encode() for k in settings.api_keys]

    def check(key: Annotated[str | None, Depends(API_KEY_HEADER)]) -> None:
        if keys and not _matches(key, keys):
            raise HTTPException(401, "missing or unknown API key (header X-API-Key)")

    return check


def _admin_key_check(settings: ServiceSettings):
    admin = settings.admin_key.get_secret_value().encode() if settings.admin_key else None

    def check(key: Annotated[str | None, Depends(API_KEY_HEADER)]) -> None:
        if admin is None:
            raise HTTPException(403, "admin routes are off: set CREATOR_AUDIT_ADMIN_KEY")
        if not _matches(key, [admin]):
            raise HTTPException(401, "missing or wrong admin key (header X-API-Key)")

    return check


def _matches(given: str | None, keys: list[bytes]) -> bool:
    """Constant-time comparison against every key (no early exit that would leak which)."""
    if given is None:
        return False
    candidate = given.encode()
    found = False
    for key in keys:
        found |= hmac.compare_digest(candidate, key)
    return found


def _add_error_handlers(app: FastAPI) -> None:
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
