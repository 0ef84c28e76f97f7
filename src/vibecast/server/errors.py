"""Every failure becomes ``{"error": {"code", "message"}}`` with a 4xx/5xx status.

Clients branch on ``code`` (stable, snake_case) and show ``message`` (says what is wrong and, for
bad input, which field). Replays a user may not see answer 404 exactly like replays that do not
exist, so probing ids reveals nothing. One exception to JSON: a browser asking for a page that does
not exist (a path outside ``/api/``, ``Accept: text/html``) gets the not-found page, still a 404.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from vibecast.store.base import (
    AccessDenied,
    AmbiguousReplayId,
    AnnotationNotFound,
    ReplayNotFound,
    StoreError,
)
from vibecast.web.pages import not_found_response

__all__ = [
    "ApiError",
    "ErrorBody",
    "ErrorOut",
    "body_error",
    "error_response",
    "install_error_handlers",
    "not_found",
]

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    """The body of every error response."""

    error: ErrorBody


class ApiError(Exception):
    """Raised by routes and dependencies; rendered by the handler below."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def not_found(what: str = "replay") -> ApiError:
    return ApiError(404, "not_found", f"no such {what}")


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] == "body" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "request"


def validation_message(exc: RequestValidationError) -> str:
    """``limit: Input should be less than or equal to 500; title: ...`` (first three problems)."""
    problems = []
    for error in exc.errors()[:3]:
        problems.append(f"{_location(tuple(error.get('loc', ())))}: {error.get('msg', 'invalid')}")
    more = len(exc.errors()) - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def _is_json_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def body_error(request: Request, exc: RequestValidationError) -> ApiError | None:
    """A body the route could not read as JSON at all: **400** ``bad_request`` when it is not
    valid JSON (saying where the parser stopped), **415** ``unsupported_media_type`` when it was
    sent as another type. None for a JSON body whose fields are wrong (a 422)."""
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error") or "it cannot be parsed"
            where = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
            if where is not None and isinstance(exc.body, str):
                parsed = json.JSONDecodeError(reason, exc.body, where)
                reason = f"{reason} at line {parsed.lineno}, column {parsed.colno}"
            elif where is not None:
                reason = f"{reason} at character {where}"
            return ApiError(400, "bad_request", f"the body is not valid JSON: {reason}")
        if loc == ("body",) and isinstance(error.get("input"), bytes | bytearray):
            content_type = request.headers.get("content-type", "")
            if not _is_json_type(content_type):
                sent = f"not {content_type[:100]}" if content_type else "it has no Content-Type"
                return ApiError(
                    415,
                    "unsupported_media_type",
                    f"the body must be JSON (Content-Type: application/json), {sent}",
                )
    return None


def _undecodable_body(exc: StarletteHTTPException) -> str | None:
    """What FastAPI's bare "There was an error parsing the body" was: a body that is not UTF-8."""
    cause = exc.__cause__
    if exc.status_code != 400 or not isinstance(cause, UnicodeDecodeError):
        return None
    byte = cause.object[cause.start : cause.start + 1].hex()
    return f"the body is not valid JSON: it is not UTF-8 (byte 0x{byte} at offset {cause.start})"


def wants_html(request: Request) -> bool:
    """A browser navigating to a page: a path outside the API whose ``Accept`` names
    ``text/html`` (not refused with ``q=0``). Scripts, ``fetch`` and API clients get JSON."""
    if request.url.path == "/api" or request.url.path.startswith("/api/"):
        return False
    for item in request.headers.get("accept", "").split(","):
        kind, *params = (part.strip() for part in item.split(";"))
        if kind.lower() == "text/html":
            return all(_quality(param) > 0 for param in params)
    return False


def _quality(param: str) -> float:
    """An ``Accept`` parameter's weight: ``q=0`` refuses the type; other parameters weigh 1."""
    name, _, value = param.partition("=")
    if name.strip().lower() != "q":
        return 1.0
    try:
        return float(value)
    except ValueError:
        return 1.0


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        unreadable = body_error(request, exc)
        if unreadable is not None:
            return error_response(unreadable.status, unreadable.code, unreadable.message)
        return error_response(422, "invalid_request", validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and wants_html(request):
            return not_found_response("page")
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        message = _undecodable_body(exc) or message
        return error_response(exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(AnnotationNotFound)
    async def _no_annotation(_request: Request, _exc: StoreError) -> JSONResponse:
        return error_response(404, "not_found", "no such annotation")

    @app.exception_handler(ReplayNotFound)
    @app.exception_handler(AccessDenied)
    @app.exception_handler(AmbiguousReplayId)
    async def _not_found(_request: Request, _exc: StoreError) -> JSONResponse:
        return error_response(404, "not_found", "no such replay")

    @app.exception_handler(StoreError)
    async def _store(_request: Request, exc: StoreError) -> JSONResponse:
        log.error("storage error: %s", exc)
        return error_response(500, "storage_error", str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "internal_error", "internal server error")
