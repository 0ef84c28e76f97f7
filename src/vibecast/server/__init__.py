"""The HTTP server: REST API, share links, live stream and metrics (``vibecast serve``).

:func:`create_app` builds the ASGI app over a store; :class:`ServerSettings` says how it runs
(local or server mode, share-link lifetime, cookie key, clock). See ``docs/api.md``.
"""

from vibecast.server.app import create_app
from vibecast.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
