"""Web login (server mode): a form takes a user name and an API token and sets a signed cookie.

The API itself takes bearer tokens; the cookie is for the browser, so the web UI never holds a
token in JavaScript. Local mode has no login: these pages send the browser home.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from vibecast.server.deps import CurrentActor, State
from vibecast.server.encoding import json_response
from vibecast.server.pages import login_page
from vibecast.server.routes.common import ERRORS
from vibecast.server.schemas import MeOut
from vibecast.server.sessions import COOKIE_NAME, SessionData, sign_session
from vibecast.server.tokens import hash_token

__all__ = ["router", "safe_next"]

router = APIRouter()

DAY_MS = 86_400_000
_FORM_TYPE = "application/x-www-form-urlencoded"


def safe_next(value: str | None) -> str:
    """Only a path on this server: never an open redirect to another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ch in value for ch in "\r\n\x00"):
        return "/"
    return value[:500]


@router.get(
    "/api/me",
    response_model=MeOut,
    tags=["session"],
    responses={401: ERRORS[401]},
    summary="Who am I",
)
def me(actor: CurrentActor, state: State) -> Response:
    mode = "server" if state.settings.auth_required else "local"
    user = {"id": actor.user.id, "name": actor.user.name, "is_admin": actor.user.is_admin}
    return json_response({"user": user, "mode": mode, "via": actor.via})


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(
    state: State, next_path: Annotated[str | None, Query(alias="next", max_length=500)] = None
) -> Response:
    if not state.settings.auth_required:
        return RedirectResponse(safe_next(next_path), status_code=303)
    return HTMLResponse(login_page(next_path=safe_next(next_path)))


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
async def login(request: Request, state: State) -> Response:
    """Check the name and token; on success set the cookie and go where the user was going."""
    if not state.settings.auth_required:
        return RedirectResponse("/", status_code=303)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != _FORM_TYPE:
        return HTMLResponse(login_page("Send the login form."), status_code=415)
    try:
        form = parse_qs((await request.body()).decode("utf-8"), max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        return HTMLResponse(login_page("The form could not be read."), status_code=400)
    name = (form.get("name") or [""])[0].strip()
    token = (form.get("token") or [""])[0].strip()
    next_path = safe_next((form.get("next") or ["/"])[0])
    user = state.auth.user_for_token(token) if name and token else None
    if user is None or user.name != name:
        return HTMLResponse(
            login_page("Unknown user name or token.", next_path=next_path), status_code=401
        )
    session = SessionData(
        user_id=user.id,
        token_hash=hash_token(token),
        expires_at=state.now_ms() + state.settings.session_days * DAY_MS,
    )
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        sign_session(session, state.settings.secret_key),
        max_age=state.settings.session_days * 86_400,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout", include_in_schema=False)
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax")
    return response
