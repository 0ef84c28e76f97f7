"""``GET /api/replays/{id}/live``: a recording in progress as Server-Sent Events.

The stream polls the store every ``live_poll_seconds`` (250 ms) for events after the last one
sent — a window read, so only the newest chunk is decoded — and sends each as ``event: event``
with the RecordedEvent as JSON and ``id: <relative_time_ms>``. When the replay stops recording
it sends ``event: end`` (the final replay) and closes; ``event: gone`` if the replay is deleted.
Streams are bounded: at most ``live_max_streams`` at once (429 beyond), each at most
``live_max_seconds`` (then ``event: timeout``; reconnect with ``Last-Event-ID`` or ``from_ms``).
A comment line every 15 s keeps proxies from closing an idle stream.

Events are sent in ``relative_time_ms`` order as they arrive; one the recorder places before
events already sent (a late hook event, a subagent's) is sent when it shows up, so clients insert
by ``relative_time_ms``. After a reconnect the events of the millisecond named by
``Last-Event-ID`` are sent again; clients drop duplicates by event ``id``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

import msgspec
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from vibecast.model import RecordedEvent, Replay, encode_event
from vibecast.server.deps import Actor, CurrentActor, State
from vibecast.server.errors import ApiError
from vibecast.server.limits import MAX_EVENTS_PER_RESPONSE, MAX_MS
from vibecast.server.routes.common import ERRORS, ReplayId, visible_replay
from vibecast.server.routes.replays import RECORDING
from vibecast.server.windows import cut_events
from vibecast.store.base import Store

__all__ = ["router", "sse"]

router = APIRouter(tags=["live"], responses=ERRORS)

KEEPALIVE_SECONDS = 15.0
_encoder = msgspec.json.Encoder()


def sse(event: str, data: bytes, event_id: int | None = None) -> bytes:
    """One Server-Sent Event (``data`` is single-line JSON)."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\n".encode() + b"data: " + data + b"\n\n"


class _Sent:
    """What the stream has sent: every event id, and the latest ``relative_time_ms``."""

    def __init__(self, from_ms: int) -> None:
        self.from_ms = from_ms
        self.last_ms = from_ms
        self.ids: set[str] = set()
        self.event_count: int | None = None  # the replay's, when last looked at

    def unseen(self, events: list[RecordedEvent]) -> list[RecordedEvent]:
        return [e for e in events if e.id not in self.ids]

    def add(self, events: list[RecordedEvent]) -> None:
        for event in events:
            self.ids.add(event.id)
            self.last_ms = max(self.last_ms, event.relative_time_ms)


def _new_events(store: Store, replay: Replay, sent: _Sent) -> list[RecordedEvent]:
    """Events not sent yet: those after the last one sent, and — when the replay grew by more
    than that — the ones the recorder placed earlier (a late hook event, a subagent's)."""
    found = sent.unseen(store.read_events(replay.id, sent.last_ms, MAX_MS))
    count = replay.metadata.event_count
    grew = count - sent.event_count if sent.event_count is not None else 0
    if len(found) < grew:
        found = sent.unseen(store.read_events(replay.id, sent.from_ms, MAX_MS))
    sent.event_count = count
    return found


async def _stream(
    request: Request, actor: Actor, state: State, replay: Replay, from_ms: int
) -> AsyncIterator[bytes]:
    settings = state.settings
    sent = _Sent(from_ms)
    deadline = time.monotonic() + settings.live_max_seconds
    quiet_since = time.monotonic()
    # Counted from the first iteration: a generator that never starts never runs its finally.
    state.open_live_stream()
    try:
        yield b"retry: 1000\n\n"
        while True:
            # Status first, then events: a replay seen as stopped has all its events saved.
            current = await run_in_threadpool(actor.store.get_replay, replay.id)
            if current is None:
                yield sse("gone", b"{}")
                return
            found = await run_in_threadpool(_new_events, actor.store, current, sent)
            batch, more = cut_events(found, MAX_EVENTS_PER_RESPONSE)
            for event in batch:
                yield sse("event", encode_event(event), event.relative_time_ms)
            sent.add(list(batch))
            if batch:
                quiet_since = time.monotonic()
            if more is not None:
                sent.event_count = None  # a backlog: send the rest before waiting
                continue
            if current.status != RECORDING:
                yield sse("end", _encoder.encode(current))
                return
            if time.monotonic() >= deadline:
                yield sse("timeout", _encoder.encode({"last_ms": sent.last_ms}))
                return
            if time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
                yield b": keepalive\n\n"
                quiet_since = time.monotonic()
            if await request.is_disconnected():
                return
            await asyncio.sleep(settings.live_poll_seconds)
    finally:
        state.close_live_stream()


@router.get(
    "/api/replays/{replay_id}/live",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Events as they are saved: `event: event` (a RecordedEvent), then "
            "`event: end` (the replay) when recording stops.",
        },
        429: {"description": "Too many live streams open"},
    },
    summary="Follow a recording in progress (Server-Sent Events)",
)
async def live(
    replay_id: ReplayId,
    request: Request,
    actor: CurrentActor,
    state: State,
    from_ms: Annotated[
        int | None, Query(ge=0, le=MAX_MS, description="Send events from here (default 0).")
    ] = None,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    replay = await run_in_threadpool(visible_replay, actor, replay_id)
    start = from_ms or 0
    if from_ms is None and last_event_id and last_event_id.strip().isdigit():
        start = min(int(last_event_id.strip()), MAX_MS)
    if not state.can_open_live_stream():
        raise ApiError(429, "too_many_streams", "too many live streams are open; retry later")
    return StreamingResponse(
        _stream(request, actor, state, replay, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
