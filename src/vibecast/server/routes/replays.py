"""``/api/replays``: start and stop a recording, list, read, window, edit, delete."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

import msgspec
from fastapi import APIRouter, Path, Query, Request, Response

from vibecast.export.outputs import delete_replay_and_files
from vibecast.model import Replay, ReplayMetadata
from vibecast.recorder.identity import replay_id_for
from vibecast.recorder.metadata import iso_utc
from vibecast.server.deps import Actor, CurrentActor, State
from vibecast.server.downloads import (
    REPLAY_FILE_TYPE,
    SHA256_PATTERN,
    attachment_response,
    replay_file_response,
)
from vibecast.server.encoding import EventWindow, json_response
from vibecast.server.errors import ApiError
from vibecast.server.limits import (
    MAX_EVENTS_PER_RESPONSE,
    MAX_FILTER_CHARS,
    MAX_ID_CHARS,
    MAX_MS,
    MAX_OFFSET,
    MAX_PAGE,
)
from vibecast.server.metrics import RECORDINGS_CREATED, RECORDINGS_PLAYED
from vibecast.server.routes.common import ERRORS, ReplayId, owned_replay, visible_replay
from vibecast.server.schemas import (
    EventWindowOut,
    PlayedIn,
    ReplayListOut,
    ReplayOut,
    ReplayPatch,
    ReplayWithEventsOut,
    StartIn,
    StopIn,
    clean_text,
)
from vibecast.server.windows import read_window
from vibecast.store.base import ReplayFilter

__all__ = ["ReplayEventWindow", "ReplayList", "ReplayWithEvents", "parse_time", "router"]

router = APIRouter(prefix="/api/replays", tags=["replays"], responses=ERRORS)

RECORDING = "recording"
COMPLETE = "complete"


class ReplayList(msgspec.Struct, kw_only=True):
    replays: list[Replay]
    total: int
    limit: int
    offset: int


class ReplayWithEvents(EventWindow, kw_only=True):
    replay: Replay


class ReplayEventWindow(EventWindow, kw_only=True):
    replay_id: str


_EPOCH_MS = re.compile(r"^\d{1,16}$")


def parse_time(value: str, name: str, *, end_of_day: bool = False) -> int:
    """Epoch ms from ``1754006400000``, ``2025-08-01`` or ``2025-08-01T12:00:00Z`` (naive = UTC).

    A bare date given as an upper bound means the end of that day, so ``until=2025-08-01``
    includes the first of August.
    """
    text = value.strip()
    if _EPOCH_MS.match(text):
        return min(int(text), MAX_MS)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            moment = start + timedelta(days=1) if end_of_day else start
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        return max(0, int(moment.timestamp() * 1000))
    except (ValueError, OverflowError):
        raise ApiError(
            422,
            "invalid_request",
            f"{name}: expected an ISO 8601 date or date-time (2025-08-01, "
            f"2025-08-01T12:00:00Z) or epoch milliseconds, got {value[:40]!r}",
        ) from None


def _filter_text(value: str | None, name: str) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return clean_text(value.strip())
    except ValueError as exc:
        raise ApiError(422, "invalid_request", f"{name}: {exc}") from None


_USER_ID = re.compile(r"local|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
"""What user ids look like: the implicit local user, else a uuid4 (``store.records.new_id``)."""


def _owner(actor: Actor, wanted: str | None) -> str:
    """Whose replays to list: the caller's, or the user id given.

    A name is not taken: the store shows a user no user row but their own (row-level security
    on PostgreSQL, ``users_self``), so the API never turns a teammate's name into their id. A
    value that is not a user id is a 422 saying so, not an empty list that reads as "no
    replays"; an id of nobody lists nothing, as a user with no public replays does."""
    if wanted is None or wanted == actor.user.id:
        return actor.user.id
    if not _USER_ID.fullmatch(wanted):
        raise ApiError(
            422,
            "invalid_request",
            "query.user_id: not a user id (a replay's user_id, or user.id from GET /api/me); "
            "user names are not taken",
        )
    return wanted


@router.post(
    "/start",
    response_model=ReplayOut,
    status_code=201,
    responses={200: {"model": ReplayOut, "description": "The session already had a replay"}},
    summary="Start (or resume) recording a session",
)
def start_recording(body: StartIn, actor: CurrentActor, state: State) -> Response:
    """Creates the replay of ``session_id`` with status ``recording`` (201), or returns the one
    it already has, marked ``recording`` again (200). Live capture then saves events into it."""
    view = actor.store
    now = state.now_ms()
    existing = view.find_replay_by_session(body.session_id, actor.user.id)
    if existing is None:
        replay = Replay(
            id=replay_id_for(body.session_id, actor.user.id),
            session_id=body.session_id,
            user_id=actor.user.id,
            title=body.title or "",
            metadata=ReplayMetadata(recorded_date=iso_utc(now)),
            status=RECORDING,
            created_at=now,
            updated_at=now,
        )
        view.save_replay(replay, [])
        state.metrics.inc(RECORDINGS_CREATED)
        return json_response(replay, status_code=201)
    replay = existing
    if existing.status != RECORDING:
        replay = msgspec.structs.replace(existing, status=RECORDING, updated_at=now)
        view.save_replay(replay, view.read_events(existing.id))
    if body.title is not None and body.title != replay.title:
        replay = view.update_replay(replay.id, title=body.title)
    return json_response(replay, status_code=200)


@router.post("/stop", response_model=ReplayOut, summary="Stop recording")
def stop_recording(body: StopIn, actor: CurrentActor, state: State) -> Response:
    """Marks the replay ``complete`` (a replay that is not recording is returned as it is)."""
    replay = owned_replay(actor, body.replay_id)
    if replay.status == RECORDING:
        replay = msgspec.structs.replace(replay, status=COMPLETE, updated_at=state.now_ms())
        actor.store.save_replay(replay, actor.store.read_events(replay.id))
    return json_response(replay)


@router.get("", response_model=ReplayListOut, summary="List replays, newest first")
def list_replays(
    actor: CurrentActor,
    user_id: Annotated[
        str | None,
        Query(
            max_length=MAX_ID_CHARS,
            description="Whose replays, by user id, not name (default: yours).",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    tool: Annotated[
        str | None, Query(max_length=MAX_FILTER_CHARS, description="Used this tool.")
    ] = None,
    file: Annotated[
        str | None,
        Query(max_length=MAX_FILTER_CHARS, description="Touched a file whose path contains this."),
    ] = None,
    since: Annotated[
        str | None,
        Query(max_length=40, description="Recorded at or after: ISO 8601 or epoch ms."),
    ] = None,
    until: Annotated[
        str | None,
        Query(max_length=40, description="Recorded before (a bare date: through that day)."),
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=MAX_FILTER_CHARS, description="Text in a prompt or the title."),
    ] = None,
    status: Annotated[
        Literal["recording", "complete"] | None,
        Query(description="Only replays live capture is still writing, or only finished ones."),
    ] = None,
) -> Response:
    """Another user's replays show only if they are public (row-level security)."""
    owner = _owner(actor, _filter_text(user_id, "user_id"))
    filters = ReplayFilter(
        tool=_filter_text(tool, "tool"),
        file=_filter_text(file, "file"),
        since_ms=parse_time(since, "since") if since else None,
        until_ms=parse_time(until, "until", end_of_day=True) if until else None,
        text=_filter_text(q, "q"),
        status=status,
    )
    replays = actor.store.list_replays(owner, limit=limit, offset=offset, filters=filters)
    if len(replays) < limit and (replays or offset == 0):
        total = offset + len(replays)  # the last page: no need to count
    else:
        total = actor.store.count_replays(owner, filters=filters)
    return json_response(ReplayList(replays=replays, total=total, limit=limit, offset=offset))


@router.get(
    "/{replay_id}",
    response_model=ReplayWithEventsOut,
    summary="A replay and its events (the first window of them)",
)
def get_replay(
    replay_id: ReplayId,
    actor: CurrentActor,
    from_ms: Annotated[int | None, Query(ge=0, le=MAX_MS)] = None,
    to_ms: Annotated[int | None, Query(ge=0, le=MAX_MS)] = None,
    events_limit: Annotated[
        int,
        Query(
            ge=0,
            le=MAX_EVENTS_PER_RESPONSE,
            description="0: metadata only (truncated=true, next_from_ms=from_ms).",
        ),
    ] = MAX_EVENTS_PER_RESPONSE,
) -> Response:
    """Events of the window ``from_ms..to_ms`` (default: the first hour), at most
    ``events_limit``; when ``truncated``, fetch the rest from ``/events?from_ms=next_from_ms``."""
    replay = visible_replay(actor, replay_id)
    window = read_window(actor.store, replay.id, from_ms, to_ms, events_limit)
    return json_response(
        ReplayWithEvents(
            replay=replay,
            events=window.events,
            from_ms=window.from_ms,
            to_ms=window.to_ms,
            truncated=window.truncated,
            next_from_ms=window.next_from_ms,
        )
    )


@router.get(
    "/{replay_id}/events",
    response_model=EventWindowOut,
    summary="Events in a time window",
)
def replay_events(
    replay_id: ReplayId,
    actor: CurrentActor,
    from_ms: Annotated[
        int | None, Query(ge=0, le=MAX_MS, description="Start, ms from the replay's start.")
    ] = None,
    to_ms: Annotated[
        int | None,
        Query(ge=0, le=MAX_MS, description="End (inclusive); at most 1 h after from_ms."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS_PER_RESPONSE)] = MAX_EVENTS_PER_RESPONSE,
) -> Response:
    """Events with ``from_ms <= relative_time_ms <= to_ms``; only the chunks of that window are
    read, so a player can stream a long replay window by window."""
    # The store returns no events of a replay the actor may not read, so the replay is looked
    # up only when the window is empty (to tell "nothing here" from "no such replay").
    window = read_window(actor.store, replay_id, from_ms, to_ms, limit)
    if not window.events:
        visible_replay(actor, replay_id)
    return json_response(
        ReplayEventWindow(
            replay_id=replay_id,
            events=window.events,
            from_ms=window.from_ms,
            to_ms=window.to_ms,
            truncated=window.truncated,
            next_from_ms=window.next_from_ms,
        )
    )


@router.patch("/{replay_id}", response_model=ReplayOut, summary="Edit title or description")
def edit_replay(replay_id: ReplayId, body: ReplayPatch, actor: CurrentActor) -> Response:
    replay = owned_replay(actor, replay_id)
    if body.title is not None or body.description is not None:
        replay = actor.store.update_replay(
            replay.id, title=body.title, description=body.description
        )
    return json_response(replay)


@router.delete("/{replay_id}", status_code=204, response_class=Response, summary="Delete a replay")
def delete_replay(replay_id: ReplayId, actor: CurrentActor, request: Request) -> Response:
    """The owner only; the replay, its events, annotations and share link go at once, then
    its exported videos and thumbnails."""
    replay = owned_replay(actor, replay_id)
    delete_replay_and_files(actor.store, request.app.state.vibecast_exports.root, replay.id)
    return Response(status_code=204)


@router.post(
    "/{replay_id}/played",
    status_code=204,
    response_class=Response,
    summary="Report a playback (for /metrics)",
)
def report_playback(
    replay_id: ReplayId, body: PlayedIn, actor: CurrentActor, state: State
) -> Response:
    """Players call this once per playback; it feeds ``recordings_played`` and
    ``p95_playback_fps``."""
    visible_replay(actor, replay_id)
    state.metrics.inc(RECORDINGS_PLAYED)
    if body.p95_fps is not None:
        state.metrics.observe_fps(body.p95_fps)
    return Response(status_code=204)


@router.get(
    "/{replay_id}/file",
    response_class=Response,
    responses={
        200: {
            "content": {REPLAY_FILE_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The .vibecast file, as an attachment",
        }
    },
    summary="Download the replay as a portable .vibecast file",
)
def replay_file(replay_id: ReplayId, actor: CurrentActor) -> Response:
    """The file ``vibecast save`` writes (docs/replay-file.md): the replay, every event and the
    images they attach; ``vibecast import FILE`` reads it on any machine. Anyone who may see
    the replay may save it."""
    replay = visible_replay(actor, replay_id)
    return replay_file_response(actor.store, replay)


Sha256 = Annotated[str, Path(pattern=SHA256_PATTERN, description="sha256 hex of the image")]
IMAGE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("image/png", "image/jpeg", "image/gif", "image/webp")
        },
        "description": "The image, inline",
    }
}


@router.get(
    "/{replay_id}/attachments/{sha256}",
    response_class=Response,
    responses=IMAGE_RESPONSES,
    summary="An image an event of the replay attaches",
)
def replay_attachment(replay_id: ReplayId, sha256: Sha256, actor: CurrentActor) -> Response:
    """Only a PNG, JPEG, GIF or WebP that one of this replay's events attaches (by its
    ``attachments[].blob``); anything else is 404."""
    replay = visible_replay(actor, replay_id)
    return attachment_response(
        actor.store, replay, sha256, cache_control="private, max-age=31536000, immutable"
    )
