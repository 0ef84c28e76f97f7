"""Security headers: a strict Content-Security-Policy on every HTML answer, nosniff on all.

Replay content is recorded from an agent session (prompts, tool output, file names): it may hold
markup of any kind. The pages render it as text; the policy is the second wall, so that even a
rendering mistake cannot run script: only files served by this server may run (no inline
script, no eval), connect, or style. Plain ASGI middleware, so every route is covered, including
the login page of ``server/pages.py`` and the 404 pages, a path no route knows included.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SecurityHeadersMiddleware", "content_security_policy", "page_headers"]

# Swagger UI (FastAPI's /docs) loads its script from a CDN and starts it inline: it keeps
# FastAPI's own page, without this policy. Nothing of a replay is shown there.
_EXEMPT_PREFIXES = ("/docs",)


def _style_hash(style: str) -> str:
    digest = hashlib.sha256(style.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@cache
def _server_page_style() -> str:
    """The server's own login page carries one fixed inline stylesheet: it is
    allowed by its hash, so no other inline style can apply."""
    from vibecast.server import pages  # imported late: vibecast.server imports this module

    return _style_hash(pages._STYLE)


def content_security_policy(*, embed: bool = False) -> str:
    """The policy of a page; ``embed``: other sites may show it in an iframe."""
    return "; ".join(
        [
            "default-src 'self'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            f"style-src 'self' {_server_page_style()}",
            "script-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors *" if embed else "frame-ancestors 'none'",
        ]
    )


def page_headers(*, embed: bool = False, public: bool = False) -> dict[str, str]:
    """Headers of an HTML page. ``public``: a share link's page, whose URL holds the token, so
    it must not leak through ``Referer`` nor stay in caches."""
    headers = {
        "Content-Security-Policy": content_security_policy(embed=embed),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer" if public else "same-origin",
    }
    if not embed:
        headers["X-Frame-Options"] = "DENY"
    if public:
        headers["Cache-Control"] = "no-store"
    return headers


class SecurityHeadersMiddleware:
    """Adds :func:`page_headers` to HTML answers that do not set their own, and
    ``X-Content-Type-Options: nosniff`` to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        exempt = path.startswith(_EXEMPT_PREFIXES)
        public = path.startswith("/s/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                is_html = headers.get("content-type", "").startswith("text/html")
                if is_html and not exempt and "content-security-policy" not in headers:
                    for name, value in page_headers(public=public).items():
                        headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
