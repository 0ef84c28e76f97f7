"""The HTML shells of the web pages: a ``<body>`` whose ``data-*`` attributes carry the page's
configuration, an empty ``<div id=app>``, and one module script that builds the page.

No inline script or style (the Content-Security-Policy forbids both), every value escaped.
Stylesheets are linked only if the package ships them, so a page never asks for a missing file.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from starlette.responses import HTMLResponse

from vibecast import __version__
from vibecast.web.csp import page_headers
from vibecast.web.modulegraph import module_graph

__all__ = [
    "ICON",
    "STATIC_DIR",
    "LinkPreview",
    "NotFound",
    "browser_page",
    "not_found_page",
    "player_page",
]

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_URL = "/static"
# The player's first request: the first minute, at most 200 events (js/player/player.js).
FIRST_WINDOW = "to_ms=59999&events_limit=200"
ICON = "browser-icon.svg"


def _attr(value: str) -> str:
    return escape(value, quote=True)


@dataclass(frozen=True)
class LinkPreview:
    """What a chat app or a social site shows for a share link it unfurls: Open Graph and
    Twitter card tags. URLs absolute (those sites fetch them from elsewhere)."""

    url: str
    title: str
    description: str
    image: str | None = None  # a 640x360 PNG
    image_size: tuple[int, int] = (640, 360)

    def tags(self) -> str:
        properties = [
            ("og:type", "website"),
            ("og:site_name", "vibecast"),
            ("og:url", self.url),
            ("og:title", self.title),
            ("og:description", self.description),
        ]
        if self.image:
            width, height = self.image_size
            properties += [
                ("og:image", self.image),
                ("og:image:type", "image/png"),
                ("og:image:width", str(width)),
                ("og:image:height", str(height)),
                ("og:image:alt", f"A frame of the replay: {self.title}"),
            ]
        card = "summary_large_image" if self.image else "summary"
        return (
            "".join(
                f'<meta property="{name}" content="{_attr(value)}">' for name, value in properties
            )
            + f'<meta name="twitter:card" content="{card}">'
        )


def _shell(
    *,
    title: str,
    script: str,
    stylesheets: list[str],
    data: dict[str, str],
    noscript: str,
    fetch_early: str | None = None,
    preview: LinkPreview | None = None,
) -> str:
    """``fetch_early``: an API URL the page's script will fetch first, asked for at once."""
    links = _stylesheet_links(stylesheets)
    links += "".join(
        f'<link rel=modulepreload href="{STATIC_URL}/{_attr(module)}">'
        for module in module_graph(STATIC_DIR, script)
    )
    if fetch_early:
        links += f'<link rel=preload as=fetch crossorigin href="{_attr(fetch_early)}">'
    attributes = "".join(
        f' data-{_attr(name)}="{_attr(value)}"' for name, value in data.items() if value
    )
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        '<meta name=robots content="noindex,nofollow">'
        f'<link rel=icon href="{STATIC_URL}/{ICON}" type="image/svg+xml">'
        f"<title>{escape(title)}</title>{preview.tags() if preview else ''}{links}"
        f'<script type=module src="{STATIC_URL}/{_attr(script)}"></script>'
        f"</head><body{attributes}>"
        f"<noscript><p>{escape(noscript)}</p></noscript>"
        "<div id=app></div></body></html>\n"
    )


def browser_page(*, user_name: str | None, server_mode: bool) -> str:
    """``/``: My Replays."""
    return _shell(
        title="My Replays — vibecast",
        script="js/browser/main.js",
        stylesheets=["css/base.css", "css/browser.css"],
        data={
            "page": "browser",
            "mode": "server" if server_mode else "local",
            "user-name": user_name or "",
            "version": __version__,
        },
        noscript="The replay browser needs JavaScript.",
    )


def player_page(
    *,
    title: str,
    replay_id: str | None = None,
    share_token: str | None = None,
    embed: bool = False,
    owner: bool = True,
    preview: LinkPreview | None = None,
) -> str:
    """``/replays/{id}`` (the owner's player) and ``/s/{token}`` (the public viewer); ``embed``:
    the player alone, for an iframe; ``owner``: whether the signed-in reader of ``/replays/{id}``
    owns the replay (a teammate on a public one does not: the page is read-only for them);
    ``preview``: a share link's, for sites that unfurl it."""
    public = share_token is not None
    mode = "embed" if embed else ("public" if public else "owner")
    # The player's first request, in flight while the modules load.
    base = (
        f"/api/s/{quote(share_token, safe='')}"
        if public
        else f"/api/replays/{quote(replay_id or '', safe='')}"
    )
    return _shell(
        title=f"{title} — vibecast replay",
        script="js/player-main.js",
        stylesheets=["css/base.css", "css/player.css"],
        data={
            "page": "player",
            "mode": mode,
            "replay-id": "" if public else (replay_id or ""),
            "share-token": share_token or "",
            "read-only": "true" if public or embed or not owner else "",
            "embed": "true" if embed else "",
            "title": title,
        },
        noscript=f"{title}: the replay player needs JavaScript.",
        fetch_early=f"{base}?{FIRST_WINDOW}",
        preview=preview,
    )


NotFound = Literal["replay", "link", "page"]

# What the not-found page says, by what was asked for: a replay's page (the owner's URL), a share
# link (which may also have expired or been revoked), or a path no page has.
_NOT_FOUND: dict[str, tuple[str, str]] = {
    "replay": (
        "Replay not found",
        "There is no replay at this address: it was deleted, or the address is mistyped.",
    ),
    "link": (
        "Share link not found",
        "This share link does not exist, has expired, or was revoked. "
        "Ask the person who shared it for a new link.",
    ),
    "page": ("Page not found", "There is no page at this address."),
}


def _stylesheet_links(sheets: list[str]) -> str:
    """``<link rel=stylesheet>`` for each of ``sheets`` (under the static dir) that ships."""
    return "".join(
        f'<link rel=stylesheet href="{STATIC_URL}/{_attr(sheet)}">'
        for sheet in sheets
        if (STATIC_DIR / sheet).is_file()
    )


def not_found_response(what: NotFound = "page") -> HTMLResponse:
    """The 404 page as a response; a share link's keeps the public viewer's headers (no
    referrer, no cache: its URL holds the token)."""
    return HTMLResponse(
        not_found_page(what), status_code=404, headers=page_headers(public=what == "link")
    )


def not_found_page(what: NotFound = "page") -> str:
    """The 404 page of a browser's request: in the app's look (its stylesheets, no script),
    saying what was not found, with the way back to My Replays."""
    title, reason = _NOT_FOUND[what]
    links = _stylesheet_links(["css/base.css", "css/player.css"])
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        '<meta name=robots content="noindex,nofollow">'
        f'<link rel=icon href="{STATIC_URL}/{ICON}" type="image/svg+xml">'
        f"<title>{escape(title)} — vibecast</title>{links}"
        f'</head><body data-page="not-found" data-not-found="{what}">'
        '<main class="load-error not-found">'
        f'<p class=brand><img src="{STATIC_URL}/{ICON}" alt="" width=20 height=20>vibecast</p>'
        f"<h1>{escape(title)}</h1><p>{escape(reason)}</p>"
        '<p><a class=home-link href="/">Go to My Replays</a></p>'
        f"<p class=version>vibecast {escape(__version__)}</p>"
        "</main></body></html>\n"
    )
