"""Run the app on uvicorn: what ``vibecast serve`` (and the API benchmark) start.

Before serving, the objects alive after start-up (modules, the app, the store) are moved out of
the garbage collector's reach with :func:`gc.freeze`: otherwise every full collection walks them
all, and those pauses were the slowest 1 % of requests (measured with
``benchmarks/api_latency.py``: p99 of a 10 s events window 57-63 ms without, 23 ms with).
"""

from __future__ import annotations

import gc
from collections.abc import Callable

import uvicorn

from vibecast.server.app import create_app
from vibecast.server.settings import ServerSettings
from vibecast.store.base import Store

__all__ = ["make_server", "run"]


def make_server(settings: ServerSettings, store: Store | None = None) -> uvicorn.Server:
    """A uvicorn server for the app on ``settings.host:settings.port`` (not started)."""
    app = create_app(settings, store=store)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
    )
    return uvicorn.Server(config)


def run(
    settings: ServerSettings,
    store: Store | None = None,
    *,
    before_start: Callable[[uvicorn.Server], None] | None = None,
) -> uvicorn.Server:
    """Serve until stopped (Ctrl+C / SIGTERM). Returns the server (``started`` says if it bound).

    ``before_start`` gets the server just before it starts (e.g. to open a browser once
    ``server.started`` turns true).
    """
    server = make_server(settings, store)
    if before_start is not None:
        before_start(server)
    gc.collect()
    gc.freeze()
    try:
        server.run()
    finally:
        gc.unfreeze()
    return server
