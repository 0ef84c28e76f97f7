"""Hand-built events for the recorder's tests, shaped the way importers make them."""

from __future__ import annotations

from typing import Any

from vibecast.importers.base import CapturedSession, SessionInfo
from vibecast.model import EventType, RecordedEvent, encode_event

T0 = 1_756_860_439_293  # 2025-09-03T00:47:19.293Z
SESSION = "1af7fc5e-8455-4414-9ccd-011d40f70b2a"


def event(event_id: str, event_type: str, ts: int, **fields: Any) -> RecordedEvent:
    """An event as an importer gives it: recorded_at = timestamp, relative_time_ms = 0."""
    fields.setdefault("session_id", SESSION)
    return RecordedEvent(
        id=event_id,
        timestamp=ts,
        type=str(event_type),
        recorded_at=ts,
        relative_time_ms=0,
        **fields,
    )


def pre(tool_use_id: str | None, ts: int, tool: str = "Read", **fields: Any) -> RecordedEvent:
    event_id = f"{tool_use_id}:pre" if tool_use_id else f"hook-pre-{tool}-{ts}"
    fields.setdefault("tool_input", {"file_path": "/repo/a.py"})
    return event(event_id, EventType.PRE_TOOL_USE, ts, tool=tool, tool_use_id=tool_use_id, **fields)


def post(tool_use_id: str | None, ts: int, tool: str = "Read", **fields: Any) -> RecordedEvent:
    event_id = f"{tool_use_id}:post" if tool_use_id else f"hook-post-{tool}-{ts}"
    fields.setdefault("tool_response", {"type": "text"})
    event_type = fields.pop("type", EventType.POST_TOOL_USE)
    return event(event_id, event_type, ts, tool=tool, tool_use_id=tool_use_id, **fields)


def prompt(event_id: str, ts: int, text: str, **fields: Any) -> RecordedEvent:
    return event(event_id, EventType.USER_PROMPT_SUBMIT, ts, prompt=text, **fields)


def session(
    events: list[RecordedEvent],
    info: SessionInfo | None = None,
    source: str = "/home/u/.claude/projects/p/s.jsonl",
    session_id: str = SESSION,
) -> CapturedSession:
    return CapturedSession(
        session_id=session_id, events=list(events), source=source, info=info or SessionInfo()
    )


def wire(events: list[RecordedEvent]) -> list[bytes]:
    """Events as the store would write them."""
    return [encode_event(e) for e in events]


def by_id(events: list[RecordedEvent]) -> dict[str, RecordedEvent]:
    return {e.id: e for e in events}
