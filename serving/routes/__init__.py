"""The HTTP endpoints, one ``APIRouter`` per resource: each route reads the request, hands it to the
request path behind it (``serving.decoding``, ``serving.creator_scoring``, ...) and shapes the
answer. ``ROUTERS`` is their order in the app and in the OpenAPI document."""

from serving.routes import accounts, health, model, score

ROUTERS = (score.router, accounts.router, model.router, health.router)

__all__ = ["ROUTERS"]
