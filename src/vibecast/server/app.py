"""The app factory: one FastAPI app over one store, in local or server mode."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from vibecast import __version__
from vibecast.capture import CapturePaths, Recorder
from vibecast.capture.hook_http import HOOK_PATH, hook_router
from vibecast.capture.lock import RecorderLock
from vibecast.capture.vibecraft_http import vibecraft_router
from vibecast.config import Settings
from vibecast.server.auth import Authenticator
from vibecast.server.context import AppState
from vibecast.server.errors import install_error_handlers
from vibecast.server.guards import LoopbackHostMiddleware, SameOriginMiddleware, origin_of
from vibecast.server.limits import MAX_BODY_BYTES, MAX_EVENT_BODY_BYTES, BodyLimitMiddleware
from vibecast.server.logs import DeniedRequestLog
from vibecast.server.metrics import Metrics, RequestMetricsMiddleware
from vibecast.server.openapi import drop_security
from vibecast.server.routes import (
    annotations,
    capture,
    exports,
    live,
    replays,
    session,
    sharing,
    system,
)
from vibecast.server.settings import NOT_RECORDING_WITHOUT_USER, ServerSettings
from vibecast.store import open_store
from vibecast.store.base import Store
from vibecast.web import routes as web_routes

__all__ = ["create_app"]

_DESCRIPTION = """\
Record Claude Code sessions and replay them like a video.

**Auth.** Local mode (the default: SQLite, bound to 127.0.0.1) has one implicit user and no
login. Server mode (PostgreSQL, or bound beyond loopback) needs `Authorization: Bearer <token>`
(`vibecast tokens create USER`) or the web login's cookie.

**Errors** are `{"error": {"code", "message"}}`. **Limits:** bodies 1 MiB, pages 500 replays,
event windows 1 hour and 5000 events (a busier window is cut and says `next_from_ms`).
Times are epoch milliseconds, except event windows, which are milliseconds from the replay's
start (`relative_time_ms`).
"""

_TAGS = [
    {"name": "replays", "description": "Recordings: start, stop, list, read, edit, delete."},
    {"name": "sharing", "description": "Secret links to a replay (owner only)."},
    {"name": "public", "description": "What a share link opens. No login."},
    {"name": "annotations", "description": "Notes at moments of a replay."},
    {"name": "bookmarks", "description": "Marked moments (annotations of kind bookmark)."},
    {"name": "live", "description": "A recording in progress, as it is saved."},
    {"name": "session", "description": "The caller."},
    {"name": "system", "description": "Health and metrics."},
]


def create_app(settings: Settings | ServerSettings, store: Store | None = None) -> FastAPI:
    """The ASGI app. ``store``: use this one (the caller closes it); None: open the settings'
    database, closed when the app shuts down."""
    server = settings if isinstance(settings, ServerSettings) else ServerSettings.load(settings)
    owned = store is None
    active = open_store(server.base.database_url) if store is None else store

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop_capture = _start_capture(server) if server.record else None
        try:
            yield
        finally:
            if stop_capture is not None:
                stop_capture()
            if owned:
                active.close()

    app = FastAPI(
        title="vibecast",
        version=__version__,
        description=_DESCRIPTION,
        openapi_tags=_TAGS,
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    metrics = Metrics(server.clock)
    app.state.vibecast = AppState(
        settings=server,
        store=active,
        metrics=metrics,
        auth=Authenticator(active, server),
    )
    install_error_handlers(app)
    for module in (replays, sharing, annotations, live, session, system, capture):
        app.include_router(module.router)
    exports.install(app, server.base, active)
    if not server.auth_required:
        # Vibecraft's hook and Claude Code's http hooks post here, without credentials: local
        # mode only.
        app.include_router(vibecraft_router(server.base))
        app.include_router(hook_router(server.base))
    # Added innermost first: metrics see every answer, guards run before any body is read.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=MAX_BODY_BYTES,
        path_limits={"/event": MAX_EVENT_BODY_BYTES, HOOK_PATH: MAX_EVENT_BODY_BYTES},
    )
    trusted = (origin_of(server.public_url),) if server.public_url else ()
    app.add_middleware(SameOriginMiddleware, trusted=trusted)
    if not server.auth_required:
        app.add_middleware(LoopbackHostMiddleware)
        drop_security(app)
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics)
    app.add_middleware(DeniedRequestLog)  # outside the guards: their 403s are logged too
    web_routes.install(app)  # pages, /static, CSP: last, so its headers cover every answer
    return app


def _start_capture(server: ServerSettings) -> Callable[[], None]:
    """Live capture in this process, on its own store connection; returns how to stop it.

    If another recorder holds the spool (``vibecast record``, another worker), this one tries
    again every ``recorder_retry_s`` and records once it is gone. In server mode with nobody
    to record as, nothing records: the standby lock tells ``vibecast hooks status`` why."""
    if server.recording_as is None:
        paths = CapturePaths.from_settings(server.base)
        standby = RecorderLock(
            paths.standby, f"{server.recorder_owner} is {NOT_RECORDING_WITHOUT_USER}"
        )
        standby.acquire()  # False: another worker of this server says it already
        return standby.release
    recorder = Recorder(server.base, user_id=server.recording_as, owner=server.recorder_owner)
    recorder.start(retry_s=server.recorder_retry_s)
    return recorder.stop
