"""What the OpenAPI document says that FastAPI cannot infer: the request bodies of the routes that
parse their own body from bytes (``serving.decoding``), so the document still describes the real
API."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from serving.schemas import AccountsRequest, BatchRequestDocumented, ScoreRequest

PARSED_BODIES: dict[str, type[BaseModel]] = {
    "ScoreRequest": ScoreRequest,
    "BatchRequest": BatchRequestDocumented,
    "AccountsRequest": AccountsRequest,
}


def parsed_body(model_name: str) -> dict[str, Any]:
    """The OpenAPI request body of a route that parses its body itself (``openapi_extra``)."""
    schema = {"$ref": f"#/components/schemas/{model_name}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def document_parsed_bodies(app: FastAPI) -> None:
    """Put the self-parsed body models (``PARSED_BODIES``) into the OpenAPI components."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, model in PARSED_BODIES.items():
                definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(definition.pop("$defs", {}))
                components[name] = definition
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]
