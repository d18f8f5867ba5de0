"""``GET /v1/model`` (the model answering now) and ``POST /v1/admin/reload`` (load it again)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from fastapi import APIRouter, Depends

from scoring.missing_models import missing_models
from serving import workers
from serving.dependencies import CurrentModel, ServiceParts, require_admin_key, require_api_key
from serving.errors import answers
from serving.schemas import ModelInfo, ReloadOut
from serving.startup import reload_model

router = APIRouter(tags=["model"])


@router.get(
    "/v1/model",
    response_model=ModelInfo,
    dependencies=[Depends(require_api_key)],
    responses=answers(401, 503),
)
def model_info(loaded: CurrentModel) -> dict[str, Any]:
    """The model answering now: name, version, alias, training run, feature list, and the
    account and comment models it scores without."""
    meta = loaded.model.metadata
    return {
        "name": meta.get("model_name"),
        "version": loaded.version,
        "alias": meta.get("alias"),
        "run_id": meta.get("run_id"),
        "uri": shown_source(loaded.uri),
        "labels": list(loaded.model.labels),
        "features": list(loaded.model.feature_names),
        "loaded_at": loaded.loaded_at,
        "missing_models": [m.as_dict() for m in missing_models(loaded.model)],
    }


def shown_source(uri: str) -> str:
    """Where the model came from, as a client may see it: a registry URI, or a bundle's file name
    (where files lie on the server is none of a client's business)."""
    return uri if uri.startswith("models:/") else PurePath(uri).name


@router.post(
    "/v1/admin/reload",
    response_model=ReloadOut,
    dependencies=[Depends(require_admin_key)],
    responses=answers(401, 403, 422),
    tags=["admin"],
)
async def reload(service: ServiceParts, force: bool = False) -> dict[str, Any]:
    """Load the model at the configured URI now (if it changed, or always with ``force``)."""
    result = await reload_model(service.holder, service.metrics, force=force)
    workers.ask_all_to_reload()  # the other worker processes, if any, check their source too
    return {"swapped": result.swapped, "version": result.version, "message": result.message}
