"""Responses encoded by msgspec straight from the model structs (shapes: :mod:`.schemas`).

Events are the bulk of what the API sends; encoding ``RecordedEvent`` structs directly keeps a
window of thousands of events to a few milliseconds.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import msgspec
from fastapi import Response

from vibecast.model import RecordedEvent, Replay, ReplayMetadata
from vibecast.store.base import Annotation

__all__ = [
    "EventWindow",
    "PublicReplay",
    "annotation_json",
    "json_response",
    "public_replay",
    "shared_events",
]

_encoder = msgspec.json.Encoder()


class EventWindow(msgspec.Struct, kw_only=True):
    events: list[RecordedEvent]
    from_ms: int
    to_ms: int
    truncated: bool
    next_from_ms: int | None


class PublicReplay(msgspec.Struct, kw_only=True):
    """A replay as a share link shows it: no user id, no session id, no import paths, no sharing
    state."""

    id: str
    title: str
    description: str
    metadata: ReplayMetadata
    status: str
    created_at: int
    updated_at: int


def public_replay(replay: Replay) -> PublicReplay:
    return PublicReplay(
        id=replay.id,
        title=replay.title,
        description=replay.description,
        # Where the owner imported it from (paths on their machine) is not part of the replay.
        metadata=msgspec.structs.replace(replay.metadata, sources=[]),
        status=replay.status,
        created_at=replay.created_at,
        updated_at=replay.updated_at,
    )


_SESSION_KEYS = ("sessionId", "session_id")


def shared_events(events: list[RecordedEvent], key: bytes) -> list[RecordedEvent]:
    """Events as a share link shows them: each Claude session id becomes an opaque alias.

    The alias (an HMAC under the server's secret) is stable across windows, so the player still
    tells sessions and subagents apart, but the owner's real session id never leaves the server.
    """
    aliases: dict[str, str] = {}

    def alias(session_id: str) -> str:
        if session_id not in aliases:
            digest = hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()
            aliases[session_id] = f"shared-{digest[:16]}"
        return aliases[session_id]

    shown = []
    for event in events:
        raw = event.raw
        if raw and any(isinstance(raw.get(k), str) for k in _SESSION_KEYS):
            raw = {
                k: alias(v) if k in _SESSION_KEYS and isinstance(v, str) else v
                for k, v in raw.items()
            }
        shown.append(msgspec.structs.replace(event, session_id=alias(event.session_id), raw=raw))
    return shown


def annotation_json(annotation: Annotation) -> dict[str, Any]:
    return msgspec.to_builtins(annotation)


def json_response(
    content: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """Any struct, list or dict as a JSON response, without a pydantic round trip."""
    return Response(
        _encoder.encode(content),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )
