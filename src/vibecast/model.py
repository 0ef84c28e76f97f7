"""The one event model every part of vibecast speaks.

A :class:`RecordedEvent` is Vibecraft's ``ClaudeEvent`` (camelCase on the wire, exactly as
Vibecraft's hook writes it) plus the three fields the replay spec adds, which keep the spec's
snake_case names: ``recorded_at``, ``relative_time_ms`` and ``scene_state``. Importers, the
recorder, the store, the player and the API all pass these structs around; JSON is produced by
:func:`encode_event` and read back by :func:`decode_event`. The published JSON Schema
(``docs/event-schema.json``) is generated from these definitions by :func:`event_json_schema`.
"""

from __future__ import annotations

import enum
from typing import Any

import msgspec

__all__ = [
    "TOOL_EVENT_TYPES",
    "Attachment",
    "EventType",
    "RecordedEvent",
    "Replay",
    "ReplayMetadata",
    "ReplayStatus",
    "SceneState",
    "decode_event",
    "decode_events",
    "encode_event",
    "event_json_schema",
]


class EventType(enum.StrEnum):
    """Event types: Vibecraft's, then what newer Claude Code and transcripts add."""

    # Vibecraft's ClaudeEvent types (hook events).
    PRE_TOOL_USE = "pre_tool_use"
    POST_TOOL_USE = "post_tool_use"
    STOP = "stop"
    SUBAGENT_STOP = "subagent_stop"
    SESSION_START = "session_start"
    SESSION_END = "session_end"
    USER_PROMPT_SUBMIT = "user_prompt_submit"
    NOTIFICATION = "notification"
    PRE_COMPACT = "pre_compact"
    # Newer Claude Code hook events.
    POST_TOOL_USE_FAILURE = "post_tool_use_failure"
    SUBAGENT_START = "subagent_start"
    PERMISSION_REQUEST = "permission_request"
    POST_COMPACT = "post_compact"
    # What only transcripts carry.
    ASSISTANT_MESSAGE = "assistant_message"
    ASSISTANT_THINKING = "assistant_thinking"
    COMPACT_BOUNDARY = "compact_boundary"
    API_ERROR = "api_error"
    SUMMARY = "summary"
    SYSTEM = "system"
    # A record we could not map; its source is kept in ``raw``.
    UNKNOWN = "unknown"


TOOL_EVENT_TYPES = frozenset(
    {
        EventType.PRE_TOOL_USE,
        EventType.POST_TOOL_USE,
        EventType.POST_TOOL_USE_FAILURE,
        EventType.PERMISSION_REQUEST,
    }
)

_SNAKE_FIELDS = {"recorded_at", "relative_time_ms", "scene_state"}


def _wire_name(name: str) -> str:
    """ClaudeEvent fields are camelCase on the wire; the spec's replay fields stay snake_case."""
    if name in _SNAKE_FIELDS:
        return name
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class SceneState(msgspec.Struct, omit_defaults=True, kw_only=True):
    """Where the viewer's camera was when the event happened (the spec's ``scene_state``)."""

    camera_position: list[float] | None = None
    focused_zone: str | None = None
    active_modals: list[str] = msgspec.field(default_factory=list)


class Attachment(msgspec.Struct, omit_defaults=True, kw_only=True, rename=_wire_name):
    """A binary payload (an image, usually) kept as a reference to a stored blob, never inline."""

    kind: str  # "image", "document", ...
    media_type: str | None = None
    blob: str | None = None  # sha256 hex of the bytes in the blob store
    size: int | None = None  # bytes
    name: str | None = None


class RecordedEvent(msgspec.Struct, omit_defaults=True, kw_only=True, rename=_wire_name, gc=False):
    """One moment of a session, as recorded.

    ``id`` is deterministic from the source, so re-importing the same data yields the same ids and
    merges instead of duplicating. ``timestamp`` is the source's time (epoch ms); ``recorded_at`` is
    when vibecast received it (equal to ``timestamp`` for imports); ``relative_time_ms`` is the time
    since the replay's first event, and is what players schedule on.
    """

    # gc=False: the garbage collector does not track events. A live recorder holds thousands of
    # them per session, and every full collection walked them all (~7 % of its CPU under a
    # burst). An event never refers back to itself or to another event, so it cannot be part
    # of a reference cycle; the dicts and lists inside it are still tracked.

    id: str
    timestamp: int
    type: str
    session_id: str
    cwd: str | None = None
    # Tool calls (pre_tool_use / post_tool_use / post_tool_use_failure / permission_request).
    tool: str | None = None
    tool_input: Any = None
    tool_response: Any = None
    tool_use_id: str | None = None
    success: bool | None = None
    duration: int | None = None  # ms, from the matched pre/post pair
    error: str | None = None
    assistant_text: str | None = None  # Vibecraft: the text said just before a tool call
    # Conversation.
    prompt: str | None = None  # user_prompt_submit
    response: str | None = None  # stop / subagent_stop: the last assistant message
    text: str | None = None  # assistant_message, summary, system, compact_boundary
    thinking: str | None = None  # assistant_thinking
    message: str | None = None  # notification
    notification_type: str | None = None
    # Subagents: events of a subagent carry the Task/Agent tool call that spawned it.
    agent_id: str | None = None
    agent_type: str | None = None
    parent_tool_use_id: str | None = None
    # Session facts, where the source gives them.
    model: str | None = None
    source: str | None = None  # session_start: startup | resume | clear | compact
    reason: str | None = None  # session_end
    permission_mode: str | None = None
    usage: dict[str, int] | None = None  # token usage of an assistant message
    attachments: list[Attachment] | None = None
    raw: dict[str, Any] | None = None  # unknown records are kept as they came
    # True when the source gave no time for this event and the importer estimated it (hook
    # payloads carry no timestamp); the recorder prefers any exact time over an estimated one.
    time_estimated: bool | None = None
    # The spec's replay fields. Importers set recorded_at = timestamp and relative_time_ms = 0;
    # the recorder computes relative_time_ms once it knows where the replay starts.
    recorded_at: int
    relative_time_ms: int
    scene_state: SceneState | None = None


class ReplayMetadata(msgspec.Struct, omit_defaults=True, kw_only=True):
    """The spec's ReplayMetadata, plus what a replay browser needs to say about a session."""

    duration_ms: int = 0
    event_count: int = 0
    tool_breakdown: dict[str, int] = msgspec.field(default_factory=dict)
    files_touched: list[str] = msgspec.field(default_factory=list)
    session_name: str = ""
    recorded_date: str = ""  # ISO 8601 (UTC) of the first event
    model: str | None = None
    cwd: str | None = None
    git_branch: str | None = None
    claude_version: str | None = None
    token_usage: dict[str, int] = msgspec.field(default_factory=dict)
    error_count: int = 0
    subagent_count: int = 0
    prompt_count: int = 0
    sources: list[str] = msgspec.field(default_factory=list)


class ReplayStatus(enum.StrEnum):
    RECORDING = "recording"  # live capture is still writing it
    COMPLETE = "complete"


class Replay(msgspec.Struct, omit_defaults=False, kw_only=True):
    """A row of the spec's ``replays`` table (without its events, which live in chunks)."""

    id: str
    session_id: str
    user_id: str = "local"
    title: str = ""
    description: str = ""
    metadata: ReplayMetadata = msgspec.field(default_factory=ReplayMetadata)
    is_public: bool = False
    share_notes: bool = False  # the owner's notes show on the share link (while it is public)
    thumbnail_url: str | None = None
    status: str = "complete"  # "recording" while live capture is writing it
    created_at: int = 0  # epoch ms
    updated_at: int = 0  # epoch ms


_encoder = msgspec.json.Encoder()
_event_decoder = msgspec.json.Decoder(RecordedEvent)
_events_decoder = msgspec.json.Decoder(list[RecordedEvent])


def encode_event(event: RecordedEvent) -> bytes:
    """The event as compact JSON (wire names, defaults omitted)."""
    return _encoder.encode(event)


def decode_event(data: bytes | str) -> RecordedEvent:
    return _event_decoder.decode(data)


def decode_events(data: bytes | str) -> list[RecordedEvent]:
    return _events_decoder.decode(data)


def event_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of a RecordedEvent, as published in ``docs/event-schema.json``."""
    schema = msgspec.json.schema(RecordedEvent)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://vibecast.dev/schema/recorded-event.json"
    schema["title"] = "RecordedEvent"
    schema["description"] = (
        "One event of a vibecast replay: Vibecraft's ClaudeEvent plus recorded_at, "
        "relative_time_ms and scene_state. Unknown event types are allowed (type is a string); "
        "the known ones are listed in $defs.EventType."
    )
    schema.setdefault("$defs", {})["EventType"] = {"enum": [t.value for t in EventType]}
    return schema
