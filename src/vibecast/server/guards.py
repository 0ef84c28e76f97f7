"""Browser-facing guards: who may address the server, and from which page.

Both are plain ASGI middleware so they run before routing and cost nothing per route.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from vibecast.server.limits import send_json_error
from vibecast.server.settings import is_loopback

__all__ = ["LoopbackHostMiddleware", "SameOriginMiddleware", "host_name", "origin_of"]

_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return value.decode("latin-1")
    return None


def host_name(host: str) -> str:
    """``127.0.0.1:8642`` -> ``127.0.0.1``; ``[::1]:8642`` -> ``::1``."""
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def origin_of(url: str) -> str:
    """``https://replays.example.com/base`` -> ``https://replays.example.com``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class LoopbackHostMiddleware:
    """Local mode answers only requests addressed to a loopback name.

    Local mode has no login, so a web page the user visits could otherwise point a DNS name of
    its own at 127.0.0.1 ("DNS rebinding") and read the API with the browser's same-origin
    blessing.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = _header(scope, b"host")
            if host and not is_loopback(host_name(host)):
                if scope["type"] == "http":
                    await send_json_error(
                        send,
                        421,
                        "misdirected_request",
                        "this local vibecast server answers only to localhost addresses",
                    )
                return
        await self.app(scope, receive, send)


class SameOriginMiddleware:
    """Refuse changes (POST/PATCH/DELETE) sent by a page of another origin.

    Browsers send ``Origin`` with every cross-origin write; a request whose origin is not the
    server itself is another site acting with the user's cookie (or, in local mode, with the
    user's implicit access). Clients that are not browsers send no ``Origin`` and pass.
    ``trusted`` origins (the public URL, when a reverse proxy rewrites ``Host``) pass too.
    """

    def __init__(self, app: ASGIApp, trusted: tuple[str, ...] = ()) -> None:
        self.app = app
        self.trusted = {origin.rstrip("/").lower() for origin in trusted}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _UNSAFE_METHODS:
            origin = _header(scope, b"origin")
            if (
                origin is not None
                and origin.lower() not in self.trusted
                and not self._same_origin(origin, _header(scope, b"host"))
            ):
                await send_json_error(
                    send, 403, "cross_origin", "requests from other web sites are refused"
                )
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _same_origin(origin: str, host: str | None) -> bool:
        if origin == "null" or host is None:
            return False
        try:
            netloc = urlsplit(origin).netloc
        except ValueError:
            return False
        return netloc.lower() == host.lower()
