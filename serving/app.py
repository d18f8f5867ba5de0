"""The real-time scoring API (CONTRACT.md §4): ``create_app()`` builds it, ``creator-audit serve``
runs it under uvicorn.

Requests are scored by ``serving.service`` through the same feature and scoring code as batch
files. The model lives in a ``ModelHolder``: loaded in the background once the server is up (so
``/healthz`` answers at once and ``/readyz`` says what is loading, ``serving.startup``), swapped
atomically when the registry alias moves (polled) or on ``POST /v1/admin/reload``.

Every route documents each answer it can give (``_answers``), with the body the error handlers at
the end of this module send, so generated clients and schemathesis agree with the server.
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
from scoring.account_model import AccountModel
from scoring.scores import Score
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
    MessageOut,
    ModelInfo,
    NotReadyOut,
    ReadyOut,
    ReloadOut,
    ScoreOut,
    ScoreRequest,
    ValidationErrorOut,
)
from serving.service import score_parsed
from serving.settings import ServiceSettings
from serving.startup import ConfiguredAccountModel, off_the_loop

log = logging.getLogger("creator_audit.serving")
GC_YOUNG_THRESHOLD = 20_000  # allocations between young-generation collections (default 700)
UNREADABLE_BODY = "There was an error parsing the body"  # FastAPI's 400 for a body it cannot decode
API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")
NO_MODEL_YET = "no model loaded yet; see /readyz"
# Each refusal the service can send: its body model, and when it happens.
ERROR_ANSWERS: dict[int, tuple[type[BaseModel], str]] = {
    401: (MessageOut, "Missing or unknown API key (header X-API-Key)."),
    403: (MessageOut, "Admin routes are off: CREATOR_AUDIT_ADMIN_KEY is not set."),
    413: (ValidationErrorOut, "The body is larger than CREATOR_AUDIT_MAX_BODY_BYTES."),
    422: (ValidationErrorOut, "Bad input, by field."),
    503: (MessageOut, "No model to answer with yet (see /readyz)."),
}


def serving_model(request: Request) -> LoadedModel:
    loaded = request.app.state.holder.current  # read once: the request finishes on this model
    if loaded is None:
        raise HTTPException(503, NO_MODEL_YET)
    return loaded


CurrentModel = Annotated[LoadedModel, Depends(serving_model)]


def create_app(
    settings: ServiceSettings | None = None, holder: ModelHolder | None = None
) -> FastAPI:
    settings = settings or ServiceSettings()
    holder = holder or ModelHolder(settings.model_uri)
    metrics = ServiceMetrics()
    batcher = MicroBatcher(settings.reasons)
    configured_accounts = ConfiguredAccountModel(settings.accounts_model_uri)

    async def keep_models_loaded() -> None:
        """Load the models, then check their sources every ``poll_seconds`` (0: never)."""
        await _reload(holder, metrics, force=holder.current is None)
        await off_the_loop(lambda: configured_accounts.load(_load_account_model))
        _tune_garbage_collection()  # after the load: the model's objects are frozen too
        while settings.poll_seconds > 0:
            await asyncio.sleep(settings.poll_seconds)
            await _reload(holder, metrics, force=holder.current is None)
            await off_the_loop(lambda: configured_accounts.load(_load_account_model))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from scoring.store import configure_tracking

        uris = (settings.model_uri, settings.accounts_model_uri or "")
        if any(uri.startswith("models:/") for uri in uris):  # a bundle needs no tracking store
            configure_tracking()
        # Not awaited: the server accepts connections (/healthz) while the models load.
        loader = asyncio.create_task(keep_models_loaded())
        await batcher.start()
        workers.on_reload_request(lambda: asyncio.create_task(_reload(holder, metrics, False)))
        try:
            yield
        finally:
            await batcher.stop()
            loader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loader

    app = FastAPI(
        title="creator-audit",
        version=creator_audit.__version__,
        summary="Scores creators for fake followers, engagement pods and bought engagement.",
        lifespan=lifespan,
        responses=_answers(413),  # the body limit applies to every route (serving/limits.py)
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
        responses=_answers(401, 422, 503),
        openapi_extra=_parsed_body("ScoreRequest"),
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
        responses=_answers(401, 422, 503),
        openapi_extra=_parsed_body("BatchRequest"),
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
        responses=_answers(401, 422, 503),
        openapi_extra=_parsed_body("AccountsRequest"),
    )
    async def accounts_score(request: Request) -> dict[str, Any]:
        """Judge single accounts: p_fake and audience_type (real, suspicious, mass_follower,
        influencer)."""
        model = _account_model(configured_accounts, holder)
        raw = await request.body()
        return await asyncio.to_thread(
            lambda: score_accounts(model, parse_accounts_request(raw, settings))
        )

    @app.get(
        "/v1/model",
        response_model=ModelInfo,
        dependencies=[Depends(require_key)],
        responses=_answers(401, 503),
    )
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

    @app.post(
        "/v1/admin/reload",
        response_model=ReloadOut,
        dependencies=[Depends(require_admin)],
        responses=_answers(401, 403, 422),
    )
    async def reload(force: bool = False) -> dict[str, Any]:
        """Load the model at the configured URI now (if it changed, or always with ``force``)."""
        result = await _reload(holder, metrics, force=force)
        workers.ask_all_to_reload()  # the other worker processes, if any, check their source too
        return {"swapped": result.swapped, "version": result.version, "message": result.message}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers (at once, even while the models load)."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        response_model=ReadyOut,
        responses={503: {"model": NotReadyOut, "description": "What is loading, or what failed."}},
    )
    async def readyz() -> Any:
        """Readiness: 200 once every model the routes need is loaded; until then 503 saying
        what is loading, or why the last load failed."""
        loaded = holder.current
        reason = holder.not_ready() or configured_accounts.not_ready()
        if loaded is None or reason is not None:
            status = "loading" if str(reason).startswith("loading ") else "failed"
            return JSONResponse({"status": status, "detail": reason}, status_code=503)
        return {"status": "ready", "model_version": loaded.version}

    @app.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
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


def _load_account_model(uri: str) -> AccountModel:
    from scoring.loading import load_account_model

    return load_account_model(uri)


def _account_model(configured: ConfiguredAccountModel, holder: ModelHolder) -> AccountModel:
    """The configured account model, or else the one inside the creator model serving now (its
    audience features use it); 503 while the one that answers is not loaded."""
    if configured.uri is not None:
        if configured.model is None:
            raise HTTPException(503, NO_MODEL_YET)
        return configured.model
    loaded = holder.current
    if loaded is None:
        raise HTTPException(503, NO_MODEL_YET)
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
    """The OpenAPI request body of a route that parses its body itself (from bytes, see
    ``serving.payload``)."""
    schema = {"$ref": f"#/components/schemas/{model_name}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented refusals of a route (``ERROR_ANSWERS``)."""
    return {
        status: {"model": ERROR_ANSWERS[status][0], "description": ERROR_ANSWERS[status][1]}
        for status in statuses
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
    result = await off_the_loop(lambda: holder.reload(force))
    if result.swapped:
        metrics.set_model(result.version)
    metrics.reloads.labels(result.outcome).inc()
    return result


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
