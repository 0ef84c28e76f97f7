"""FastAPI dependencies: the acting user and their row-level-security view of the store.

Every authenticated route takes an :class:`Actor`; its ``store`` is ``store.acting_as(user)``,
so a route cannot read or change what its user may not, even by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from vibecast.server.auth import LOCAL_USER
from vibecast.server.context import AppState, app_state
from vibecast.server.errors import ApiError
from vibecast.server.sessions import COOKIE_NAME
from vibecast.store.base import Store, User

__all__ = [
    "Actor",
    "CurrentActor",
    "State",
    "authenticate",
    "current_actor",
    "require_admin",
]

State = Annotated[AppState, Depends(app_state)]


@dataclass(frozen=True)
class Actor:
    user: User
    store: Store
    via: str  # "local" | "token" | "session"


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


Bearer = Annotated[
    HTTPAuthorizationCredentials | None,
    Depends(
        HTTPBearer(
            auto_error=False,
            description="Server mode: an API token from `vibecast tokens create USER`.",
        )
    ),
]


def _bearer_token(request: Request) -> str | None:
    """The token of the ``Authorization`` header; None without one; 401 if it is malformed."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("use the header 'Authorization: Bearer <token>'")
    return token.strip()


def authenticate(request: Request, state: AppState) -> Actor:
    """The caller, or 401 (may query the store: call it from a worker thread)."""
    if not state.settings.auth_required:
        return Actor(LOCAL_USER, state.store.acting_as(LOCAL_USER.id), "local")
    token = _bearer_token(request)
    if token is not None:
        user = state.auth.user_for_token(token)
        if user is None:
            raise _unauthorized("invalid or revoked token")
        return Actor(user, state.store.acting_as(user.id), "token")
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie:
        found = state.auth.user_for_session(cookie)
        if found is not None:
            user = found[0]
            return Actor(user, state.store.acting_as(user.id), "session")
    raise _unauthorized(
        "this server needs a login: send 'Authorization: Bearer <token>' "
        "(create one with `vibecast tokens create USER`) or log in at /login"
    )


async def current_actor(request: Request, state: State, _bearer: Bearer = None) -> Actor:
    """The caller, or 401. Local mode: always the implicit user ``local``.

    ``_bearer`` only declares the scheme in the OpenAPI schema (the Authorize button of /docs);
    the header is read by :func:`authenticate` so a malformed one gets a message saying what is
    wrong. Local mode and a recently seen token answer on the event loop; anything that needs
    the store goes to a worker thread.
    """
    if not state.settings.auth_required:
        return Actor(LOCAL_USER, state.store.acting_as(LOCAL_USER.id), "local")
    token = _bearer_token(request)
    user = state.auth.cached_user(token) if token is not None else None
    if user is not None:
        return Actor(user, state.store.acting_as(user.id), "token")
    return await run_in_threadpool(authenticate, request, state)


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_admin(actor: Actor) -> Actor:
    if not actor.user.is_admin:
        raise ApiError(403, "forbidden", "only an admin may do this")
    return actor
