"""The real-time scoring API (CONTRACT.md §4): ``create_app()`` builds it and its lifespan,
``creator-audit serve`` runs it under uvicorn (``serving.workers``).

The endpoints are in ``serving.routes`` (one router per resource); they decode the request
(``serving.decoding``) and hand it to the same feature and scoring code as batch files. The model
lives in a ``ModelHolder``: loaded in the background once the server is up (so ``/healthz``
answers at once and ``/readyz`` says what is loading, ``serving.startup``), swapped atomically when
the registry alias moves (polled) or on ``POST /v1/admin/reload``.

Every route documents each answer it can give (``serving.errors.answers``), with the body the
error handlers send, so generated clients and schemathesis agree with the server.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

import creator_audit
from serving import workers
from serving.dependencies import ADMIN_KEY_HEADER, API_KEY_HEADER, Keys, Service
from serving.docs_pages import add_offline_docs
from serving.drift_window import DriftWindow
from serving.errors import add_error_handlers, answers
from serving.holder import ModelHolder
from serving.last_good import LastGoodModel
from serving.metrics import ServiceMetrics
from serving.micro_batching import MicroBatcher
from serving.middleware import BodyLimitAndMetricsMiddleware
from serving.openapi import document_as_configured
from serving.routes import ROUTERS
from serving.settings import ServiceSettings
from serving.startup import ConfiguredAccountModel, keep_models_loaded, reload_model


def create_app(
    settings: ServiceSettings | None = None, holder: ModelHolder | None = None
) -> FastAPI:
    settings = settings or ServiceSettings()
    metrics = ServiceMetrics()
    drift = DriftWindow(metrics, settings.drift_window)
    service = Service(
        settings=settings,
        holder=holder or ModelHolder(settings.model_uri, last_good=LastGoodModel.shared()),
        metrics=metrics,
        drift=drift,
        batcher=MicroBatcher(settings.reasons, observe=drift.observe),
        accounts=ConfiguredAccountModel(settings.accounts_model_uri),
        keys=Keys.of(settings),
    )
    app = FastAPI(
        title="creator-audit",
        version=creator_audit.__version__,
        summary="Scores creators for fake followers, engagement pods and bought engagement.",
        lifespan=_lifespan(service),
        docs_url=None,  # served from local assets below: the default loads a CDN
        redoc_url=None,
        responses=answers(408, 413),  # the body limits apply to every route (serving.middleware)
    )
    app.state.service = service  # read by the dependencies (serving.dependencies)
    app.add_middleware(
        BodyLimitAndMetricsMiddleware,
        max_body_bytes=settings.max_body_bytes,
        body_timeout_seconds=settings.body_timeout_seconds,
        metrics=service.metrics,
    )
    add_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    add_offline_docs(app)
    document_as_configured(app, keys_off=_keys_off(service.keys))
    return app


def _keys_off(keys: Keys) -> set[str]:
    """The security schemes of the keys that are not configured."""
    off = set() if keys.api else {API_KEY_HEADER.scheme_name}
    return off if keys.admin is not None else off | {ADMIN_KEY_HEADER.scheme_name}


def _lifespan(service: Service) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    holder, metrics = service.holder, service.metrics

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from scoring.store.location import configure_tracking

        uris = (service.settings.model_uri, service.settings.accounts_model_uri or "")
        if any(uri.startswith("models:/") for uri in uris):  # a bundle needs no tracking store
            configure_tracking()
        # Not awaited: the server accepts connections (/healthz) while the models load.
        loader = asyncio.create_task(
            keep_models_loaded(holder, metrics, service.accounts, service.settings.poll_seconds)
        )
        await service.batcher.start()
        workers.on_reload_request(lambda: asyncio.create_task(reload_model(holder, metrics, False)))
        try:
            yield
        finally:
            await service.batcher.stop()
            loader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loader

    return lifespan
