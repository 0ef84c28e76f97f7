"""A health check and ``/metrics`` (the pages are in ``vibecast.web``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from vibecast import __version__
from vibecast.server.deps import State, authenticate, require_admin
from vibecast.server.encoding import json_response
from vibecast.server.errors import ErrorOut
from vibecast.server.schemas import HealthOut

__all__ = ["router"]

router = APIRouter()

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


# What every app of this version serves; "export" is listed only where the export service runs.
_BASE_FEATURES = ("annotations", "attachments", "file", "live", "share")


def features(request: Request) -> list[str]:
    """The optional parts this server offers, so a page can show a button only when it works
    (cheaper and more direct than reading the OpenAPI schema)."""
    found = set(_BASE_FEATURES)
    if getattr(request.app.state, "vibecast_exports", None) is not None:
        found.add("export")
    return sorted(found)


@router.get("/api/health", response_model=HealthOut, tags=["system"], summary="Liveness check")
def health(state: State, request: Request) -> Response:
    """Also says what the server offers (``features``): ``export`` when videos can be made."""
    mode = "server" if state.settings.auth_required else "local"
    return json_response(
        {"status": "ok", "version": __version__, "mode": mode, "features": features(request)}
    )


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    tags=["system"],
    responses={
        200: {"content": {PROMETHEUS_TYPE: {"schema": {"type": "string"}}}},
        401: {"model": ErrorOut, "description": "Server mode: an admin's token is needed"},
        403: {"model": ErrorOut, "description": "Not an admin"},
    },
    summary="Prometheus metrics",
)
async def metrics(request: Request, state: State) -> Response:
    """The spec's ReplayMetrics and request counters. Server mode: admins only (scrape with a
    bearer token)."""
    if state.settings.auth_required:
        actor = await run_in_threadpool(authenticate, request, state)
        require_admin(actor)
    text = await run_in_threadpool(state.metrics.render, state.store)
    return Response(text, media_type=PROMETHEUS_TYPE)
