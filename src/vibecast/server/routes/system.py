"""The index page, a health check, and ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from vibecast import __version__
from vibecast.server.deps import State, authenticate, require_admin
from vibecast.server.encoding import json_response
from vibecast.server.errors import ApiError, ErrorOut
from vibecast.server.pages import index_page
from vibecast.server.schemas import HealthOut

__all__ = ["router"]

router = APIRouter()

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index(request: Request, state: State) -> HTMLResponse:
    name: str | None = None
    if state.settings.auth_required:
        try:
            name = authenticate(request, state).user.name
        except ApiError:
            name = None
    return HTMLResponse(index_page(name, state.settings.auth_required))


@router.get("/api/health", response_model=HealthOut, tags=["system"], summary="Liveness check")
def health(state: State) -> Response:
    mode = "server" if state.settings.auth_required else "local"
    return json_response({"status": "ok", "version": __version__, "mode": mode})


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
