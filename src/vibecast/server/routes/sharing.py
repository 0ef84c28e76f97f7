"""Secret share links: create and revoke (owner), and the public API and page behind a link.

A link is ``/s/<token>``; the token has 192 random bits and only its sha256 is stored. The
public side needs no login and answers 404 — the same 404 — for a token that was never issued,
was altered, has expired or was revoked. It shows the replay and its events, nothing else of the
owner's: no user id, no session id, no other replays, and no annotations — except the owner's
notes when they chose to show them on the link (``share_notes``; which notes an anonymous reader
reaches is the store's rule, row-level security on PostgreSQL). (The page ``/s/<token>`` is in
``vibecast.web``.)
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Path, Query, Request, Response

from vibecast.model import Replay
from vibecast.server.context import AppState
from vibecast.server.deps import CurrentActor, State
from vibecast.server.downloads import attachment_response
from vibecast.server.encoding import (
    EventWindow,
    PublicReplay,
    json_response,
    public_replay,
    shared_events_json,
)
from vibecast.server.errors import ApiError, ErrorOut, not_found
from vibecast.server.limits import MAX_EVENTS_PER_RESPONSE, MAX_MS
from vibecast.server.metrics import RECORDINGS_PLAYED, REPLAYS_SHARED
from vibecast.server.routes.common import ERRORS, PUBLIC_ERRORS, ReplayId, owned_replay
from vibecast.server.routes.replays import IMAGE_RESPONSES, Sha256
from vibecast.server.schemas import (
    EventWindowOut,
    PlayedIn,
    PublicNoteListOut,
    PublicReplayWithEventsOut,
    ShareIn,
    ShareOut,
)
from vibecast.server.tokens import hash_token, is_well_formed, new_share_token
from vibecast.server.windows import read_window
from vibecast.store.base import PUBLIC_VIEWER, Annotation, Store

__all__ = [
    "PublicReplayWithEvents",
    "ShareResult",
    "ShareToken",
    "public_base",
    "router",
    "share_url",
    "shared_replay",
]

router = APIRouter()

DAY_MS = 86_400_000
# Share responses must not be kept by caches or leak the token to other sites via Referer.
_PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

ShareToken = Annotated[str, Path(min_length=1, max_length=200)]


class ShareResult(msgspec.Struct, kw_only=True):
    is_public: bool
    share_url: str | None
    share_token: str | None
    expires_at: int | None
    share_notes: bool = False


class PublicNote(msgspec.Struct, kw_only=True):
    """A note as the link shows it: what it says and where, not who wrote it."""

    id: str
    timestamp_ms: int
    text: str
    position: dict[str, Any] | None


class PublicNoteList(msgspec.Struct, kw_only=True):
    notes: list[PublicNote]


class PublicReplayWithEvents(EventWindow, kw_only=True):
    replay: PublicReplay
    events: list[msgspec.Raw]  # as the link shows them, encoded once (shared_events_json)


class PublicEventWindow(EventWindow, kw_only=True):
    replay_id: str
    events: list[msgspec.Raw]


def public_base(request: Request, state: State) -> str:
    """Where people reach this server (``public_url`` when set), for absolute links."""
    return state.settings.public_url or str(request.base_url).rstrip("/")


def share_url(request: Request, state: State, token: str) -> str:
    return f"{public_base(request, state)}/s/{token}"


@router.post(
    "/api/replays/{replay_id}/share",
    response_model=ShareOut,
    tags=["sharing"],
    responses={
        **ERRORS,
        409: {"model": ErrorOut, "description": "share_notes alone, on a replay with no link"},
    },
    summary="Create (or revoke) the replay's secret link; show the owner's notes on it",
)
def share_replay(
    replay_id: ReplayId, body: ShareIn, actor: CurrentActor, state: State, request: Request
) -> Response:
    """``is_public: true`` makes a new link (an earlier one stops working) that expires after
    ``expires_in_days``; the token is in this response only. ``is_public: false`` revokes.
    ``share_notes`` shows the owner's notes on the link; given alone, it changes only that, on
    the current link (its token is not shown again)."""
    replay = owned_replay(actor, replay_id)
    if body.is_public is None:
        return _set_share_notes(actor.store, replay.id, bool(body.share_notes))
    if not body.is_public:
        actor.store.clear_share(replay.id)
        return json_response(
            ShareResult(is_public=False, share_url=None, share_token=None, expires_at=None),
            headers=_PRIVATE_HEADERS,
        )
    token = new_share_token()
    days = body.expires_in_days or state.settings.share_days
    expires_at = state.now_ms() + days * DAY_MS
    actor.store.set_share(replay.id, hash_token(token), expires_at, share_notes=body.share_notes)
    state.metrics.inc(REPLAYS_SHARED)
    result = ShareResult(
        is_public=True,
        share_url=share_url(request, state, token),
        share_token=token,
        expires_at=expires_at,
        # as the store sets it: the choice given, else the live link's it replaced (the
        # replay read above says true only while its link is live)
        share_notes=replay.share_notes if body.share_notes is None else body.share_notes,
    )
    return json_response(result, headers=_PRIVATE_HEADERS)


def _set_share_notes(store: Store, replay_id: str, share_notes: bool) -> Response:
    """Show or hide the owner's notes on the live link there is; without one, a 409."""
    link = store.set_share_notes(replay_id, share_notes)
    if link is None:
        raise ApiError(
            409,
            "not_shared",
            'this replay has no share link: make one with {"is_public": true, "share_notes": true}',
        )
    result = ShareResult(
        is_public=True,  # the store changes only a live link
        share_url=None,
        share_token=None,
        expires_at=link.expires_at,
        share_notes=link.share_notes,
    )
    return json_response(result, headers=_PRIVATE_HEADERS)


@router.delete(
    "/api/replays/{replay_id}/share",
    status_code=204,
    response_class=Response,
    tags=["sharing"],
    responses=ERRORS,
    summary="Revoke the replay's link",
)
def revoke_share(replay_id: ReplayId, actor: CurrentActor) -> Response:
    """The link stops working at once and the replay is private again."""
    replay = owned_replay(actor, replay_id)
    actor.store.clear_share(replay.id)
    return Response(status_code=204)


def shared_replay(state: State, token: str) -> tuple[Store, Replay]:
    """The replay behind a live link, and the anonymous view of the store to read it with."""
    if not is_well_formed(token):
        raise not_found("shared replay")
    viewer = state.store.acting_as(PUBLIC_VIEWER)
    replay = viewer.replay_by_share(hash_token(token), state.now_ms())
    if replay is None:
        raise not_found("shared replay")
    return viewer, replay


def _public_window(
    state: AppState,
    viewer: Store,
    replay: Replay,
    from_ms: int | None,
    to_ms: int | None,
    limit: int,
) -> dict[str, Any]:
    """A window of a shared replay as the link shows it: its fields, the events encoded once
    (:func:`shared_events_json`)."""
    window = read_window(viewer, replay.id, from_ms, to_ms, limit)
    fields = msgspec.structs.asdict(window)
    key = state.settings.secret_key
    fields["events"] = shared_events_json(window.events, key, replay.session_id)
    return fields


@router.get(
    "/api/s/{token}",
    response_model=PublicReplayWithEventsOut,
    tags=["public"],
    responses=PUBLIC_ERRORS,
    summary="A shared replay and its first events (no login)",
)
def public_replay_view(
    token: ShareToken,
    state: State,
    from_ms: Annotated[int | None, Query(ge=0, le=MAX_MS)] = None,
    to_ms: Annotated[int | None, Query(ge=0, le=MAX_MS)] = None,
    events_limit: Annotated[int, Query(ge=0, le=MAX_EVENTS_PER_RESPONSE)] = MAX_EVENTS_PER_RESPONSE,
) -> Response:
    """Windowed like ``GET /api/replays/{id}``."""
    viewer, replay = shared_replay(state, token)
    window = _public_window(state, viewer, replay, from_ms, to_ms, events_limit)
    body = PublicReplayWithEvents(replay=public_replay(replay), **window)
    return json_response(body, headers=_PRIVATE_HEADERS)


@router.get(
    "/api/s/{token}/events",
    response_model=EventWindowOut,
    tags=["public"],
    responses=PUBLIC_ERRORS,
    summary="Events of a shared replay in a time window (no login)",
)
def public_events(
    token: ShareToken,
    state: State,
    from_ms: Annotated[int | None, Query(ge=0, le=MAX_MS)] = None,
    to_ms: Annotated[int | None, Query(ge=0, le=MAX_MS)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS_PER_RESPONSE)] = MAX_EVENTS_PER_RESPONSE,
) -> Response:
    viewer, replay = shared_replay(state, token)
    window = _public_window(state, viewer, replay, from_ms, to_ms, limit)
    body = PublicEventWindow(replay_id=replay.id, **window)
    return json_response(body, headers=_PRIVATE_HEADERS)


@router.get(
    "/api/s/{token}/notes",
    response_model=PublicNoteListOut,
    tags=["public"],
    responses=PUBLIC_ERRORS,
    summary="The owner's notes on a shared replay, when the link shows them (no login)",
)
def public_notes(token: ShareToken, state: State) -> Response:
    """By time; empty unless the owner turned ``share_notes`` on. Which notes an anonymous
    reader reaches is the store's rule (on PostgreSQL, row-level security): the replay owner's
    notes — no bookmarks, nobody else's — while the link is live and shows them."""
    viewer, replay = shared_replay(state, token)
    notes = [_public_note(a) for a in viewer.list_annotations(replay.id)]
    return json_response(PublicNoteList(notes=notes), headers=_PRIVATE_HEADERS)


def _public_note(annotation: Annotation) -> PublicNote:
    return PublicNote(
        id=annotation.id,
        timestamp_ms=annotation.timestamp_ms,
        text=annotation.text,
        position=annotation.position,
    )


@router.post(
    "/api/s/{token}/played",
    status_code=204,
    response_class=Response,
    tags=["public"],
    responses=PUBLIC_ERRORS,
    summary="Report a playback of a shared replay (for /metrics)",
)
def public_played(token: ShareToken, body: PlayedIn, state: State) -> Response:
    shared_replay(state, token)
    state.metrics.inc(RECORDINGS_PLAYED)
    if body.p95_fps is not None:
        state.metrics.observe_fps(body.p95_fps)
    return Response(status_code=204)


@router.get(
    "/api/s/{token}/attachments/{sha256}",
    response_class=Response,
    tags=["public"],
    responses={**PUBLIC_ERRORS, **IMAGE_RESPONSES},
    summary="An image of a shared replay (no login)",
)
def public_attachment(token: ShareToken, sha256: Sha256, state: State) -> Response:
    """As ``GET /api/replays/{id}/attachments/{sha256}``; not kept by caches, so a revoked link
    stops showing its images."""
    viewer, replay = shared_replay(state, token)
    return attachment_response(viewer, replay, sha256, cache_control="no-store")
