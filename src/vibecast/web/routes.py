"""Page routes and static assets: ``/`` replay browser, ``/replays/{id}`` player, ``/s/{token}``
public viewer (``?embed=1``: for an iframe), ``/static/*``.

Server mode: the browser and the player need a login (a browser is sent to ``/login?next=...``);
the public viewer never does. A replay or link that does not exist gets the not-found page (a
``404`` in the app's look, saying which of the two it was); so does a browser asking for a path no
route knows (``vibecast.server.errors``; API paths and other clients get the JSON error).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from vibecast.export.thumbnail import THUMBNAIL_SIZE
from vibecast.humanize import format_duration, plural
from vibecast.model import Replay
from vibecast.server.deps import Actor, State, authenticate
from vibecast.server.encoding import UNTITLED, public_replay
from vibecast.server.errors import ApiError
from vibecast.server.routes.common import ERRORS, ReplayId, owns, visible_replay
from vibecast.server.routes.session import safe_next
from vibecast.server.routes.sharing import ShareToken, public_base, share_url, shared_replay
from vibecast.server.routes.system import features
from vibecast.web.csp import SecurityHeadersMiddleware, page_headers
from vibecast.web.pages import (
    ICON,
    STATIC_DIR,
    LinkPreview,
    browser_page,
    not_found_response,
    player_page,
)

__all__ = ["StaticAssets", "install", "router"]

router = APIRouter()

Embed = Annotated[bool, Query(description="1: the player alone, for an iframe")]

# Assets have no content hash in their names (no build step): browsers keep them but ask again
# (ETag / Last-Modified, answered 304) so an upgrade shows at once.
_STATIC_CACHE = "no-cache"
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".png": "image/png",
    ".woff2": "font/woff2",
}


class StaticAssets(StaticFiles):
    """The package's ``web/static``: explicit content types (``.js`` as ``text/javascript``
    whatever the system's MIME table says) and revalidating cache headers."""

    def file_response(self, full_path, stat_result, scope: Scope, status_code: int = 200):  # type: ignore[no-untyped-def]
        response = super().file_response(full_path, stat_result, scope, status_code)
        suffix = str(full_path)[str(full_path).rfind(".") :].lower()
        if suffix in _TYPES:
            response.headers["content-type"] = _TYPES[suffix]
        response.headers["cache-control"] = _STATIC_CACHE
        return response


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(safe_next(target), safe='/')}", status_code=303)


async def _actor(request: Request, state: State) -> Actor | None:
    """The logged-in caller (always the local user in local mode), None if there is none."""
    try:
        return await run_in_threadpool(authenticate, request, state)
    except ApiError:
        return None


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def browser(request: Request, state: State) -> Response:
    """My Replays."""
    actor = await _actor(request, state)
    if actor is None:
        return _login_redirect(request)
    server_mode = state.settings.auth_required
    name = actor.user.name if server_mode else None
    return HTMLResponse(
        browser_page(user_name=name, server_mode=server_mode), headers=page_headers()
    )


@router.get("/replays/{replay_id}", response_class=HTMLResponse, include_in_schema=False)
async def player(
    replay_id: ReplayId, request: Request, state: State, embed: Embed = False
) -> Response:
    """The player, for the owner; anyone else who may read the replay (a teammate, on a public
    one) gets it read-only, as the API lets them change nothing of it."""
    actor = await _actor(request, state)
    if actor is None:
        return _login_redirect(request)
    try:
        replay = await run_in_threadpool(visible_replay, actor, replay_id)
    except ApiError:
        return not_found_response("replay")
    title = replay.title or replay.metadata.session_name or UNTITLED
    page = player_page(title=title, replay_id=replay.id, embed=embed, owner=owns(actor, replay))
    return HTMLResponse(page, headers=page_headers(embed=embed))


@router.get(
    "/s/{token}",
    response_class=HTMLResponse,
    tags=["public"],
    responses={
        404: {
            "description": "A page saying the link does not exist, expired or was revoked",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        422: {
            "description": ERRORS[422]["description"],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        },
    },
    summary="Public viewer",
)
async def public_viewer(
    token: ShareToken, state: State, request: Request, embed: Embed = False
) -> Response:
    """What a share link opens: the player, read-only, no login. The same 404 page for a link
    never issued, altered, expired or revoked. Its head names a preview (title, what the
    session is, a thumbnail) for the chat apps that unfurl links."""
    try:
        _, replay = await run_in_threadpool(shared_replay, state, token)
    except ApiError:
        return not_found_response("link")
    shown = public_replay(replay)  # no session id in the title either
    title = shown.title or shown.metadata.session_name or UNTITLED
    preview = None if embed else _link_preview(request, state, token, replay, title)
    page = player_page(title=title, share_token=token, embed=embed, preview=preview)
    return HTMLResponse(page, headers=page_headers(embed=embed, public=True))


def _link_preview(
    request: Request, state: State, token: str, replay: Replay, title: str
) -> LinkPreview:
    meta = replay.metadata
    facts = [format_duration(meta.duration_ms), plural(meta.event_count, "event")]
    tools = sorted(meta.tool_breakdown.items(), key=lambda item: (-item[1], item[0]))[:3]
    if tools:
        facts.append(", ".join(name for name, _ in tools))
    return LinkPreview(
        url=share_url(request, state, token),
        title=title,
        description="Claude Code session replay · " + " · ".join(facts),
        image=f"{public_base(request, state)}/api/s/{token}/thumbnail"
        if "export" in features(request)
        else None,
        image_size=THUMBNAIL_SIZE,
    )


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """Browsers ask for it on every page, the server's login page included."""
    return FileResponse(
        STATIC_DIR / ICON,
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def install(app: FastAPI) -> None:
    """Pages, ``/static`` and the security headers (outermost, so every answer has them)."""
    app.include_router(router)
    app.mount("/static", StaticAssets(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeadersMiddleware)
