"""Claude Code ``http`` hooks: ``POST /capture/hook`` with the hook's JSON input as the body.

This is the other transport docs/capture.md measures. It is not what ``vibecast hooks
install`` sets up: Claude Code treats a refused connection as a non-blocking error and goes on,
so every event sent while the server is down would be lost, and ``SessionStart`` accepts only
command hooks. It is here for setups where no program can be installed next to Claude Code
(a remote container posting to a vibecast server), with that caveat. It answers ``{}``: a
valid hook output that decides nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from vibecast.capture.paths import CapturePaths
from vibecast.capture.spool import HOOK, SpoolWriter
from vibecast.capture.spool_http import SPOOL_ERRORS, spool_json_body
from vibecast.config import Settings

__all__ = ["HOOK_PATH", "check_hook_payload", "hook_router"]

HOOK_PATH = "/capture/hook"


def check_hook_payload(payload: dict[str, Any]) -> str | None:
    if not isinstance(payload.get("hook_event_name"), str):
        return "a hook payload needs a hook_event_name"
    if not isinstance(payload.get("session_id"), str):
        return "a hook payload needs a session_id"
    return None


def hook_router(settings: Settings) -> APIRouter:
    writer = SpoolWriter(CapturePaths.from_settings(settings).spool)
    router = APIRouter(tags=["capture"])

    @router.post(
        HOOK_PATH,
        summary="Record a Claude Code hook event (http hook)",
        response_description="{} (no decision) once the payload is spooled for the recorder",
        responses=SPOOL_ERRORS,
    )
    async def post_hook_payload(request: Request) -> JSONResponse:
        return await spool_json_body(request, writer, HOOK, check_hook_payload, {})

    return router
