"""Vibecraft compatibility: ``POST /event`` with a ClaudeEvent body, as Vibecraft's hook sends
to ``VIBECRAFT_WS_NOTIFY`` (default ``http://localhost:4003/event``).

Point the hook at vibecast (``VIBECRAFT_WS_NOTIFY=http://127.0.0.1:<port>/event``) and a
Vibecraft user's existing setup records replays. The event is spooled like any captured
payload; the recorder maps it with the Vibecraft importer (Vibecraft's own time and ids, its
always-true ``success`` not trusted).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from vibecast.capture.paths import CapturePaths
from vibecast.capture.spool import VIBECRAFT, SpoolWriter
from vibecast.capture.spool_http import SPOOL_ERRORS, spool_json_body
from vibecast.config import Settings

__all__ = ["check_vibecraft_event", "vibecraft_router"]


def check_vibecraft_event(event: dict[str, Any]) -> str | None:
    """What is wrong with a ClaudeEvent body, or None if it can be recorded."""
    if not isinstance(event.get("sessionId"), str) or not event["sessionId"]:
        return "a ClaudeEvent needs a sessionId"
    if not isinstance(event.get("type"), str) or not event["type"]:
        return "a ClaudeEvent needs a type"
    timestamp = event.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float):
        return "a ClaudeEvent needs a numeric timestamp (epoch ms)"
    return None


def vibecraft_router(settings: Settings) -> APIRouter:
    """The router to mount at the server's root (Vibecraft posts to ``/event``)."""
    writer = SpoolWriter(CapturePaths.from_settings(settings).spool)
    router = APIRouter(tags=["capture"])

    @router.post(
        "/event",
        summary="Record a Vibecraft ClaudeEvent",
        response_description='{"ok": true} once the event is spooled for the recorder',
        responses=SPOOL_ERRORS,
    )
    async def post_vibecraft_event(request: Request) -> JSONResponse:
        return await spool_json_body(
            request, writer, VIBECRAFT, check_vibecraft_event, {"ok": True}
        )

    return router
