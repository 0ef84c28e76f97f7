"""Responses encoded by msgspec straight from the model structs (shapes: :mod:`.schemas`).

Events are the bulk of what the API sends; encoding ``RecordedEvent`` structs directly keeps a
window of thousands of events to a few milliseconds.
"""

from __future__ import annotations

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
]

_encoder = msgspec.json.Encoder()


class EventWindow(msgspec.Struct, kw_only=True):
    events: list[RecordedEvent]
    from_ms: int
    to_ms: int
    truncated: bool
    next_from_ms: int | None


class PublicReplay(msgspec.Struct, kw_only=True):
    """A replay as a share link shows it: no user id, no session id, no sharing state."""

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
        metadata=replay.metadata,
        status=replay.status,
        created_at=replay.created_at,
        updated_at=replay.updated_at,
    )


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
