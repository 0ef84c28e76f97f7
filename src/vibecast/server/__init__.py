"""The HTTP server: REST API, share links, live stream and metrics (``vibecast serve``).

:func:`create_app` builds the ASGI app over a store; :class:`ServerSettings` says how it runs
(local or server mode, share-link lifetime, cookie key, clock). See ``docs/api.md``.

:func:`create_app` is imported on first use: ``vibecast --help`` lists ``serve`` through
:mod:`vibecast.server.settings` (light), and must not load FastAPI to do so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vibecast.server.settings import ServerSettings

if TYPE_CHECKING:
    from vibecast.server.app import create_app

__all__ = ["ServerSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from vibecast.server.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
