"""Limits on what one request may ask for, and the middleware that bounds request bodies.

Limits keep one client from tying up the server (a 2-core laptop, often): bodies, page sizes,
event windows and strings are all bounded, and going over any of them is a 4xx that says which.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_DESCRIPTION_CHARS",
    "MAX_EVENTS_PER_RESPONSE",
    "MAX_FILTER_CHARS",
    "MAX_ID_CHARS",
    "MAX_MS",
    "MAX_OFFSET",
    "MAX_PAGE",
    "MAX_POSITION_KEYS",
    "MAX_TEXT_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_WINDOW_MS",
    "BodyLimitMiddleware",
    "send_json_error",
]

MAX_BODY_BYTES = 1 << 20
"""1 MiB: the largest request body (annotations and titles are small) — except Vibecraft's event
POST, which carries whole tool outputs: :data:`MAX_EVENT_BODY_BYTES`."""
MAX_EVENT_BODY_BYTES = 64 << 20
MAX_PAGE = 500
"""Most replays one ``GET /api/replays`` returns."""
MAX_OFFSET = 1_000_000_000
MAX_WINDOW_MS = 3_600_000
"""Longest events window one request may ask for: one hour of a replay."""
MAX_EVENTS_PER_RESPONSE = 5000
"""Most events one response carries; a busier window is cut and says where to continue."""
MAX_MS = 2**53 - 1
"""Times are epoch or relative milliseconds; anything larger is not a time (and not a JS number)."""
MAX_ID_CHARS = 200
MAX_TITLE_CHARS = 300
MAX_DESCRIPTION_CHARS = 10_000
MAX_TEXT_CHARS = 10_000
MAX_FILTER_CHARS = 500
MAX_POSITION_KEYS = 16

_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


async def send_json_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """413 for a body over ``max_bytes``, whether it declares its length or streams it.

    A declared ``Content-Length`` is refused before reading a byte; a chunked body is read up to
    the limit and then refused, so it never sits in memory whole.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = MAX_BODY_BYTES,
        path_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        max_bytes = self.path_limits.get(scope["path"], self.max_bytes)
        too_large = f"request body is larger than {max_bytes} bytes"
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await send_json_error(send, 400, "bad_request", "invalid Content-Length")
                    return
                if declared > max_bytes:
                    await send_json_error(send, 413, "body_too_large", too_large)
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                await send_json_error(send, 413, "body_too_large", too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as ASGI says

        await self.app(scope, replay, send)
