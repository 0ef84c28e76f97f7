"""The HTML page the server itself renders: login (the web pages, the not-found page among them,
are in ``vibecast.web``). Every value is HTML-escaped; the page carries no scripts, and its one
inline stylesheet is allowed by hash in the Content-Security-Policy (``vibecast.web.csp``).
"""

from __future__ import annotations

from html import escape

from vibecast import __version__

__all__ = ["login_page"]

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;"
    "color:#222}h1{font-size:1.4rem}dt{font-weight:600}dd{margin:0 0 .5rem}"
    "label{display:block;margin:.7rem 0 .2rem}input{width:100%;padding:.4rem;font:inherit}"
    "button{margin-top:1rem;padding:.4rem 1.2rem;font:inherit}.error{color:#b00}"
    "footer{margin-top:3rem;color:#777;font-size:.85rem}"
)


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        '<meta name=robots content="noindex,nofollow">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}<footer>vibecast {escape(__version__)}</footer></body></html>\n"
    )


def login_page(error: str | None = None, next_path: str = "/") -> str:
    message = f"<p class=error role=alert>{escape(error)}</p>" if error else ""
    body = (
        "<h1>Log in to vibecast</h1>"
        f"{message}"
        '<form method=post action="/login">'
        f'<input type=hidden name=next value="{escape(next_path)}">'
        "<label for=name>User name</label>"
        "<input id=name name=name autocomplete=username required maxlength=200>"
        "<label for=token>API token</label>"
        "<input id=token name=token type=password autocomplete=current-password required "
        "maxlength=200>"
        "<button type=submit>Log in</button></form>"
        "<p>No token? An administrator creates one with "
        "<code>vibecast tokens create YOUR-NAME</code>.</p>"
    )
    return _page("Log in — vibecast", body)
