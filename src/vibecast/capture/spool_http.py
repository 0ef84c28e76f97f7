"""What the capture HTTP endpoints share: a JSON body, checked, spooled, acknowledged.

Endpoints only spool: the recorder does the mapping, so an HTTP event and a hook-program event
follow exactly the same path into the store, and a request is answered as soon as the payload
is safely on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from vibecast.capture.spool import SpoolWriter

__all__ = ["spool_json_body"]

_decoder = msgspec.json.Decoder()


SPOOL_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not JSON."},
    422: {"description": "The JSON is not an event of the expected shape."},
    413: {"description": "The body is larger than the server accepts."},
    415: {"description": "The body is not sent as application/json."},
    503: {"description": "The event could not be spooled (disk full, permissions)."},
}
"""The error answers of a spooling endpoint, for its OpenAPI description."""


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def spool_json_body(
    request: Request,
    writer: SpoolWriter,
    kind: str,
    check: Callable[[dict[str, Any]], str | None],
    reply: dict[str, Any],
) -> JSONResponse:
    """Spool the request's JSON object body as ``kind`` if ``check`` finds nothing wrong,
    then answer ``reply``.

    Only ``application/json`` is accepted: a web page cannot send that cross-origin without a
    preflight, so a browser tab cannot plant events in someone's recordings.
    """
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        return _error(415, "unsupported_media_type", "send the event as application/json")
    body = await request.body()
    try:
        value = _decoder.decode(body)
    except msgspec.DecodeError as exc:
        return _error(400, "invalid_json", f"the body is not JSON: {exc}")
    if not isinstance(value, dict):
        return _error(422, "invalid_event", "the body must be a JSON object")
    problem = check(value)
    if problem is not None:
        return _error(422, "invalid_event", problem)
    try:
        await run_in_threadpool(writer.write, body, kind)
    except OSError as exc:
        return _error(503, "spool_unavailable", f"cannot spool the event: {exc.strerror or exc}")
    return JSONResponse(reply)
