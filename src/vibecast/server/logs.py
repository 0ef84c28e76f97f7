"""What ``vibecast serve`` tells whoever runs it: a few startup lines, then what a lead acts on.

On stderr, with a timestamp: the startup lines (:func:`startup_lines`), and every WARNING of
vibecast's loggers — a refused sign-in or token (:class:`DeniedRequestLog`: method, path, status
and client, never a token), a recorder busy or taking over, a commit that failed. INFO stays
off (the recorder logs each commit at INFO). The same kind of line is let through at most
:data:`BURST` times per :data:`WINDOW_S` (:class:`RateLimit`), so a burst of thousands of 401s
writes a handful of lines, the next of which says how many were held back.

uvicorn's access log (one line per request) is off unless ``--access-log`` or
``VIBECAST_ACCESS_LOG=1`` turns it on.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vibecast.server.settings import NOT_RECORDING_WITHOUT_USER, ServerSettings
from vibecast.store import sqlite_path
from vibecast.store.records import LOCAL_USER

__all__ = [
    "ACCESS_LOG_ENV",
    "DeniedRequestLog",
    "RateLimit",
    "configure_serve_logging",
    "describe_database",
    "log_startup",
    "startup_lines",
]

ACCESS_LOG_ENV = "VIBECAST_ACCESS_LOG"
BURST = 5
WINDOW_S = 10.0
_MAX_KINDS = 1000  # distinct kinds of line remembered; beyond that the counts start over

log = logging.getLogger("vibecast.serve")


class RateLimit(logging.Filter):
    """At most ``burst`` records of one kind (logger, level, message template) per
    ``window_s``; the first let through after some were held back says how many."""

    def __init__(
        self,
        burst: int = BURST,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.burst = burst
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        # kind -> (window start, records let through in it, records held back since)
        self._seen: dict[tuple[str, int, str], tuple[float, int, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        kind = (record.name, record.levelno, str(record.msg))
        now = self._clock()
        with self._lock:
            if len(self._seen) > _MAX_KINDS:
                self._seen.clear()
            start, passed, held = self._seen.get(kind, (now, 0, 0))
            if now - start >= self.window_s:
                start, passed = now, 0
            if passed >= self.burst:
                self._seen[kind] = (start, passed, held + 1)
                return False
            passed += 1
            self._seen[kind] = (start, passed, 0)
        notes = []
        if held:
            notes.append(f"{held} more like this not logged")
        if passed == self.burst:
            notes.append(f"more like this within {self.window_s:g} s are counted, not logged")
        if notes:
            record.msg = f"{record.msg} [{'; '.join(notes)}]"
        return True


def _warning_or_serve(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or record.name == log.name


def configure_serve_logging(access_log: bool = False, stream: TextIO | None = None) -> None:
    """vibecast's WARNINGs (and ``vibecast.serve``'s INFO: the startup lines) on ``stream``
    (stderr), rate-limited; uvicorn's access log too when ``access_log``. Called after
    uvicorn configured its own loggers, in each process that serves."""
    logger = logging.getLogger("vibecast")
    for old in [h for h in logger.handlers if getattr(h, "vibecast_serve", False)]:
        logger.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    handler.addFilter(_warning_or_serve)
    handler.addFilter(RateLimit())
    handler.vibecast_serve = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    log.setLevel(logging.INFO)  # the rest keep the default, WARNING: INFO lines cost nothing
    if access_log:  # uvicorn's own format, on stderr with the rest (uvicorn writes stdout)
        access = logging.getLogger("uvicorn.access")
        access.setLevel(logging.INFO)
        for existing in access.handlers:
            if isinstance(existing, logging.StreamHandler):
                existing.setStream(handler.stream)


def describe_database(url: str) -> str:
    """The database's kind and place, without credentials (user, password, query)."""
    if url.startswith("sqlite:"):
        return f"SQLite ({sqlite_path(url)})"
    parts = urlsplit(url)
    host = parts.hostname or "the local socket"
    port = f":{parts.port}" if parts.port else ""
    return f"PostgreSQL (database {parts.path.lstrip('/') or 'default'} on {host}{port})"


def startup_lines(
    server: ServerSettings, *, capture_name: str | None, access_log: bool
) -> list[tuple[int, str]]:
    """(level, line) for what ``vibecast serve`` does: mode, database, live capture, exports,
    access log. ``capture_name``: the user ``--user`` named, if any."""
    if server.auth_required:
        mode = "mode: server (every API call needs a token or a login)"
    else:
        mode = "mode: local (no login; this machine only)"
    lines = [(logging.INFO, mode)]
    database = describe_database(server.base.database_url)
    lines.append((logging.INFO, f"database: {database}"))
    if server.record:
        if server.recording_as is None:
            lines.append((logging.WARNING, NOT_RECORDING_WITHOUT_USER))
        else:
            who = capture_name or LOCAL_USER
            lines.append(
                (logging.INFO, f"live capture: recording this machine's hook events as {who}")
            )
    if database.startswith("PostgreSQL"):
        exports = "video exports: rendered by `vibecast worker` processes, not this one"
    else:
        exports = "video exports: rendered in this process"
    lines.append((logging.INFO, exports))
    if access_log:
        lines.append((logging.INFO, "access log: on"))
    else:
        lines.append(
            (logging.INFO, f"access log: off (--access-log or {ACCESS_LOG_ENV}=1 turns it on)")
        )
    return lines


def log_startup(server: ServerSettings, *, capture_name: str | None, access_log: bool) -> None:
    """Log :func:`startup_lines` (``vibecast serve`` does, once, before serving)."""
    for level, line in startup_lines(server, capture_name=capture_name, access_log=access_log):
        log.log(level, line)


_DENIED = {401: "no valid token or login", 403: "not allowed"}
_SHARE_PREFIXES = ("/s/", "/api/s/")
_MAX_PATH = 200


def _loggable_path(path: str) -> str:
    """The path with a share link's token hidden, printable, and not too long."""
    for prefix in _SHARE_PREFIXES:
        if path.startswith(prefix):
            _, _, rest = path[len(prefix) :].partition("/")
            path = f"{prefix}…" + (f"/{rest}" if rest else "")
            break
    path = "".join(c if c.isprintable() else "?" for c in path)
    return path if len(path) <= _MAX_PATH else path[:_MAX_PATH] + "…"


class DeniedRequestLog:
    """A WARNING for each request answered 401 or 403 (rate-limited by the handler): a failed
    sign-in, a bad or revoked token, a forbidden call. The method, the path (a share token
    hidden; never the query string, never a header), the status and the client's address."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in _DENIED:
                _log_denied(scope, message["status"])
            await send(message)

        await self.app(scope, receive, watch)


def _log_denied(scope: Scope, status: int) -> None:
    path = _loggable_path(scope.get("path", ""))
    method = scope.get("method", "?")
    client = scope.get("client")
    host = client[0] if client else "?"
    if status == 401 and path == "/login":  # its own kind of line: not hidden by a token flood
        log.warning("failed sign-in: %s %s answered %d, from %s", method, path, status, host)
    else:
        log.warning("%d %s %s from %s (%s)", status, method, path, host, _DENIED[status])
