"""What orchestrators and monitoring read: ``/healthz`` (liveness), ``/readyz`` (readiness) and
``/metrics`` (Prometheus)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from serving.dependencies import ServiceParts
from serving.schemas import NotReadyOut, ReadyOut

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers (at once, even while the models load)."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=ReadyOut,
    responses={503: {"model": NotReadyOut, "description": "What is loading, or what failed."}},
)
async def readyz(service: ServiceParts) -> Any:
    """Readiness: 200 once every model the routes need is loaded; until then 503 saying
    what is loading, or why the last load failed."""
    loaded = service.holder.current
    reason = service.holder.not_ready() or service.accounts.not_ready()
    if loaded is None or reason is not None:
        status = "loading" if str(reason).startswith("loading ") else "failed"
        return JSONResponse({"status": status, "detail": reason}, status_code=503)
    return {"status": "ready", "model_version": loaded.version}


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def prometheus(service: ServiceParts) -> Response:
    """Prometheus text format."""
    return Response(service.metrics.render(), media_type=service.metrics.content_type)
