"""Run the app on uvicorn: what ``vibecast serve`` (and the API benchmark) start.

One process by default. ``workers > 1`` starts that many worker processes on one socket (each
with its own store connections, token cache and counters) — on PostgreSQL, where the database
does the locking, this is what uses more than one core.

Each process logs what :mod:`vibecast.server.logs` says (WARNINGs, rate-limited; uvicorn's
access log only when asked for), configured after uvicorn has configured its own loggers.

Before serving, the objects alive after start-up (modules, the app, the store) are moved out of
the garbage collector's reach with :func:`gc.freeze`: otherwise every full collection walks them
all, and those pauses were the slowest 1 % of requests (measured with
``benchmarks/api_latency.py``: p99 of a 10 s events window 57-63 ms without, 23 ms with).
"""

from __future__ import annotations

import gc
import os

import uvicorn
from fastapi import FastAPI

from vibecast.config import load_settings
from vibecast.server.app import create_app
from vibecast.server.logs import ACCESS_LOG_ENV, configure_serve_logging
from vibecast.server.settings import ServerSettings
from vibecast.store.base import Store

__all__ = ["app_from_environment", "run"]

_HOST_ENV = "VIBECAST_SERVE_HOST"
_PORT_ENV = "VIBECAST_SERVE_PORT"
_CAPTURE_USER_ENV = "VIBECAST_SERVE_CAPTURE_USER"
_OWNER_ENV = "VIBECAST_SERVE_RECORDER_OWNER"
_FACTORY = "vibecast.server.runner:app_from_environment"


def _freeze_startup_objects() -> None:
    gc.collect()
    gc.freeze()


def app_from_environment() -> FastAPI:
    """The app of one worker process, from the environment :func:`run` left for it."""
    configure_serve_logging(os.environ.get(ACCESS_LOG_ENV) == "1")
    settings = ServerSettings.load(
        load_settings(),
        host=os.environ[_HOST_ENV],
        port=int(os.environ[_PORT_ENV]),
        capture_user=os.environ.get(_CAPTURE_USER_ENV) or None,
        recorder_owner=os.environ.get(_OWNER_ENV, "vibecast serve"),
    )
    app = create_app(settings)
    _freeze_startup_objects()
    return app


def run(
    settings: ServerSettings,
    store: Store | None = None,
    *,
    workers: int = 1,
    access_log: bool = False,
) -> None:
    """Serve until stopped (Ctrl+C / SIGTERM).

    With one worker the app runs here, on ``store`` if given. With more, each worker process
    builds its own app and store from the same settings, handed over through the environment
    (the cookie key included, so a login works whichever worker answers).
    """
    common = {"log_level": "warning", "access_log": access_log}
    if workers <= 1:
        app = create_app(settings, store=store)
        server = uvicorn.Server(
            uvicorn.Config(app, host=settings.host, port=settings.port, **common)
        )
        configure_serve_logging(access_log)
        _freeze_startup_objects()
        try:
            server.run()
        finally:
            gc.unfreeze()
        if not server.started:
            raise SystemExit(1)  # uvicorn could not start (it logged why)
        return
    os.environ.update(
        {
            "VIBECAST_HOME": str(settings.base.home),
            "VIBECAST_DATABASE_URL": settings.base.database_url,
            "VIBECAST_SECRET_KEY": settings.secret_key.decode(),
            "VIBECAST_SHARE_DAYS": str(settings.share_days),
            "VIBECAST_SERVE_RECORD": "1" if settings.record else "0",
            _HOST_ENV: settings.host,
            _PORT_ENV: str(settings.port),
            _CAPTURE_USER_ENV: settings.capture_user or "",
            _OWNER_ENV: settings.recorder_owner,
            ACCESS_LOG_ENV: "1" if access_log else "0",
        }
    )
    if settings.public_url:
        os.environ["VIBECAST_PUBLIC_URL"] = settings.public_url
    uvicorn.run(
        _FACTORY,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        **common,
    )
