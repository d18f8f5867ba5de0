"""The floor under any service that takes this API's payload: read the body, parse the JSON.

``serve_vs_mlflow.py --floor`` serves this app through our own worker supervisor
(``serving.workers.serve``: the same uvicorn protocol, worker count and SO_REUSEPORT sockets)
and drives it with the same requests as ours. It does no validation, features or scoring, so
its throughput bounds the full service's on the same machine and the same load generator.
"""

from __future__ import annotations

import json

from fastapi import FastAPI, Request, Response

app = FastAPI()
_ANSWER = b'{"creator_id":"floor","label":"genuine","fraud_score":0.0}'


@app.post("/v1/score")
async def parse_only(request: Request) -> Response:
    """Parse the creator payload and answer a constant: no validation, features or model."""
    body = json.loads(await request.body())
    if not isinstance(body, dict):
        return Response(status_code=422)
    return Response(_ANSWER, media_type="application/json")


@app.get("/readyz")
async def ready() -> dict:
    return {"ready": True}


def create_app() -> FastAPI:
    """The factory ``serving.workers.serve`` imports, as it does ``serving.app:create_app``."""
    return app
