"""Small helpers for the store tests: plausible events and replays."""

from __future__ import annotations

from typing import Any

from vibecast.model import RecordedEvent, Replay

BASE_TS = 1_760_000_000_000


def make_event(index: int, rel_ms: int, session: str = "sess-1", **fields: Any) -> RecordedEvent:
    """A plausible event ``rel_ms`` after the session start."""
    fields.setdefault("type", "assistant_message")
    fields.setdefault("text", f"step {index}")
    fields.setdefault("cwd", "/home/dev/project")
    return RecordedEvent(
        id=f"{session}:{index}",
        timestamp=BASE_TS + rel_ms,
        recorded_at=BASE_TS + rel_ms,
        relative_time_ms=rel_ms,
        session_id=session,
        **fields,
    )


def make_replay(replay_id: str = "11111111-1111-4111-8111-111111111111", **fields: Any) -> Replay:
    fields.setdefault("session_id", "sess-1")
    fields.setdefault("created_at", BASE_TS)
    fields.setdefault("updated_at", BASE_TS)
    return Replay(id=replay_id, **fields)
