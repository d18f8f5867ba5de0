"""What the OpenAPI document says that FastAPI cannot infer, so it describes the API as it is
configured: the request bodies of the routes that parse their own body from bytes
(``serving.decoding``), and the keys, listed only while they are on (FastAPI lists every security
dependency, whether or not a key is configured)."""

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


def document_as_configured(app: FastAPI, keys_off: set[str]) -> None:
    """Put the self-parsed body models (``PARSED_BODIES``) into the OpenAPI components, and take
    out the security schemes named in ``keys_off`` (``serving.dependencies``'s header schemes)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, model in PARSED_BODIES.items():
                definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(definition.pop("$defs", {}))
                components[name] = definition
            drop_security(schema, keys_off)
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


def drop_security(schema: dict[str, Any], schemes: set[str]) -> None:
    """Remove ``schemes`` from ``schema``: the requirements that name them, the 401 of an operation
    left with no key to check, and the schemes themselves."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            required = [r for r in operation.get("security", ()) if not set(r) & schemes]
            if required:
                operation["security"] = required
            elif "security" in operation:
                del operation["security"]
                operation.get("responses", {}).pop("401", None)
    components = schema.get("components", {})
    defined = components.get("securitySchemes", {})
    for name in schemes:
        defined.pop(name, None)
    if "securitySchemes" in components and not defined:
        del components["securitySchemes"]
