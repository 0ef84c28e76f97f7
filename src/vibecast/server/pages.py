"""The few HTML pages the server itself renders: login, the share landing page, the index.

The web player (a later issue) replaces the share page's body; until then it says which replay a
link opens. Every value is HTML-escaped; pages carry no scripts.
"""

from __future__ import annotations

from html import escape

from vibecast import __version__
from vibecast.model import Replay

__all__ = ["index_page", "login_page", "not_found_page", "share_page"]

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


def _duration(ms: int) -> str:
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def share_page(replay: Replay, token: str) -> str:
    """What ``/s/<token>`` shows: which replay the link opens, and where its data is."""
    meta = replay.metadata
    title = replay.title or meta.session_name or "Untitled session"
    api = f"/api/s/{escape(token)}"
    rows = [
        ("Recorded", meta.recorded_date[:16].replace("T", " ") or "-"),
        ("Duration", _duration(meta.duration_ms)),
        ("Events", str(meta.event_count)),
        ("Files touched", str(len(meta.files_touched))),
    ]
    facts = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    description = f"<p>{escape(replay.description)}</p>" if replay.description else ""
    body = (
        f"<h1>{escape(title)}</h1>{description}<p>A shared Claude Code session replay.</p>"
        f"<dl>{facts}</dl>"
        f'<p>Data: <a href="{api}">replay</a> · <a href="{api}/events">events</a></p>'
    )
    return _page(f"{title} — vibecast replay", body)


def not_found_page() -> str:
    return _page(
        "Replay not found — vibecast",
        "<h1>Replay not found</h1><p>This link does not exist, has expired, or was revoked.</p>",
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


def index_page(user_name: str | None, server_mode: bool) -> str:
    who = f"<p>Logged in as <b>{escape(user_name)}</b>.</p>" if user_name else ""
    logout = (
        '<form method=post action="/logout"><button type=submit>Log out</button></form>'
        if server_mode and user_name
        else ""
    )
    login = '<p><a href="/login">Log in</a></p>' if server_mode and not user_name else ""
    body = (
        "<h1>vibecast</h1>"
        f"{who}{login}"
        '<p>The REST API is documented at <a href="/docs">/docs</a> '
        '(OpenAPI schema: <a href="/openapi.json">/openapi.json</a>).</p>'
        f"{logout}"
    )
    return _page("vibecast", body)
