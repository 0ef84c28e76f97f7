"""Responses encoded by msgspec straight from the model structs (shapes: :mod:`.schemas`).

Events are the bulk of what the API sends; encoding ``RecordedEvent`` structs directly keeps a
window of thousands of events to a few milliseconds.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

import msgspec
from fastapi import Response

from vibecast.model import RecordedEvent, Replay, ReplayMetadata, encode_event
from vibecast.store.base import Annotation

__all__ = [
    "EventWindow",
    "PublicReplay",
    "annotation_json",
    "json_response",
    "public_replay",
    "shared_events",
    "shared_events_json",
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


UNTITLED = "Untitled session"
"""A link's title for a session named by its id (one with no prompt: ``Session 11473b9f``)."""


def _untitled(text: str, session_id: str) -> str:
    return UNTITLED if session_id and text == f"Session {session_id[:8]}" else text


def public_replay(replay: Replay) -> PublicReplay:
    meta = replay.metadata
    return PublicReplay(
        id=replay.id,
        title=_untitled(replay.title, replay.session_id),
        description=replay.description,
        # Where the owner imported it from (paths on their machine) is not part of the replay,
        # nor is the start of the session id that names a session with no prompt.
        metadata=msgspec.structs.replace(
            meta, sources=[], session_name=_untitled(meta.session_name, replay.session_id)
        ),
        status=replay.status,
        created_at=replay.created_at,
        updated_at=replay.updated_at,
    )


_SESSION_KEYS = frozenset({"sessionId", "session_id"})
# Where the owner's own transcripts lie (hook payloads' ``transcript_path``, a subagent's
# ``agent_transcript_path``): a path in their home that names the real session id. Nothing the
# player shows; a link leaves these fields out wherever they are in an event.
_LOCAL_PATH_KEYS = frozenset(
    {"transcript_path", "agent_transcript_path", "transcriptPath", "agentTranscriptPath"}
)
_PATH_MARKERS = tuple(f'"{key}"'.encode() for key in sorted(_LOCAL_PATH_KEYS))
# A session id this long is replaced inside any text (a path, a Bash output, a Vibecraft event
# id); a shorter one ("s1", "unknown") only where it is a session field's whole value.
_MIN_EMBEDDED_ID = 8


class _Aliases:
    """Each Claude session id's opaque alias: ``shared-`` + 16 hex of an HMAC under the
    server's secret, so the same id has the same alias in every window and every response."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.known: dict[str, str] = {}  # a session id -> its alias, and an alias -> itself

    def __call__(self, session_id: str) -> str:
        """The alias; an alias given already stays as it is (an event is aliased in two steps)."""
        alias = self.known.get(session_id)
        if alias is None:
            digest = hmac.new(self.key, session_id.encode(), hashlib.sha256).hexdigest()
            alias = self.known[session_id] = f"shared-{digest[:16]}"
            self.known[alias] = alias
        return alias


class _Scrubber:
    """Rewrites one event's builtins: session ids to aliases (whole values of session fields,
    and long ids inside any string or key), local transcript paths left out."""

    def __init__(self, alias: _Aliases, session_ids: set[str]) -> None:
        self.alias = alias
        self.embedded = sorted((s for s in session_ids if len(s) >= _MIN_EMBEDDED_ID), key=len)
        self.embedded.reverse()  # a longer id first, should one contain another
        self.needles = tuple(msgspec.json.encode(s)[1:-1] for s in self.embedded)

    def leaks(self, data: bytes, event: RecordedEvent) -> bool:
        """Whether the encoded event holds anything to rewrite (most events hold nothing)."""
        raw = event.raw
        return (
            any(needle in data for needle in self.needles)
            or any(marker in data for marker in _PATH_MARKERS)
            or bool(raw and any(isinstance(raw.get(k), str) for k in _SESSION_KEYS))
        )

    def text(self, value: str) -> str:
        for session_id in self.embedded:
            if session_id in value:
                value = value.replace(session_id, self.alias(session_id))
        return value

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {
                self.text(k): self.alias(v)
                if k in _SESSION_KEYS and isinstance(v, str)
                else self.value(v)
                for k, v in value.items()
                if k not in _LOCAL_PATH_KEYS
            }
        return value


def _shared(
    events: list[RecordedEvent], key: bytes, session_id: str | None
) -> Iterator[tuple[RecordedEvent, bytes, Any]]:
    """Each event aliased, its JSON, and its scrubbed builtins when the JSON held anything to
    rewrite (else None: most events, whose JSON is then what a link shows)."""
    alias = _Aliases(key)
    session_ids = {event.session_id for event in events}
    if session_id:
        session_ids.add(session_id)
    scrub = _Scrubber(alias, session_ids)
    for event in events:
        event = msgspec.structs.replace(event, session_id=alias(event.session_id))
        data = encode_event(event)
        scrubbed = scrub.value(msgspec.json.decode(data)) if scrub.leaks(data, event) else None
        yield event, data, scrubbed


def shared_events(
    events: list[RecordedEvent], key: bytes, session_id: str | None = None
) -> list[RecordedEvent]:
    """Events as a share link shows them: no Claude session id and no local transcript path.

    Each session id (the events' and ``session_id``, the replay's) becomes an opaque alias,
    stable across windows so the player still tells sessions and subagents apart, wherever it
    is: the ``sessionId`` field, the payload kept in ``raw``, or inside a path or an output.
    ``transcript_path`` and ``agent_transcript_path`` (where the owner's transcripts lie, in
    their home) are left out. Anything else — the working directory, the files the agent
    touched — is the session itself and is shown as it was (docs/api.md, Sharing).
    """
    return [
        event if scrubbed is None else msgspec.convert(scrubbed, RecordedEvent)
        for event, _, scrubbed in _shared(events, key, session_id)
    ]


def shared_events_json(
    events: list[RecordedEvent], key: bytes, session_id: str | None = None
) -> list[msgspec.Raw]:
    """:func:`shared_events` as the JSON a response sends: the bytes checked for anything to
    rewrite are the bytes sent, so an event is encoded once."""
    return [
        msgspec.Raw(data if scrubbed is None else _encoder.encode(scrubbed))
        for _, data, scrubbed in _shared(events, key, session_id)
    ]


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
