"""Assembling one :class:`CapturedSession`: events (deduplicated by id), blobs, facts, issues."""

from __future__ import annotations

from typing import Any

from vibecast.importers.base import CapturedSession, ImportIssue, SessionInfo
from vibecast.model import RecordedEvent

__all__ = ["SessionBuilder"]


class SessionBuilder:
    """Collects the events of one session in source order.

    Ids are deterministic, so the same id seen twice is the same moment seen twice (a record
    Claude Code copied, a tool call reported by two sources): the first one is kept.
    """

    def __init__(self, session_id: str, source: str) -> None:
        self.session_id = session_id
        self.source = source
        self.info = SessionInfo()
        self.blobs: dict[str, bytes] = {}
        self.issues: list[ImportIssue] = []
        self._events: dict[str, RecordedEvent] = {}

    def emit(self, event_id: str, event_type: str, timestamp: int, **fields: Any) -> RecordedEvent:
        """Add an event (unless its id is already there) and return the one kept."""
        kept = self._events.get(event_id)
        if kept is not None:
            return kept
        event = RecordedEvent(
            id=event_id,
            timestamp=timestamp,
            type=str(event_type),
            session_id=self.session_id,
            recorded_at=timestamp,
            relative_time_ms=0,
            **fields,
        )
        self._events[event_id] = event
        return event

    def add(self, event: RecordedEvent) -> RecordedEvent:
        """Add a ready-made event (unless its id is already there)."""
        return self._events.setdefault(event.id, event)

    def __len__(self) -> int:
        return len(self._events)

    def build(self) -> CapturedSession:
        return CapturedSession(
            session_id=self.session_id,
            events=list(self._events.values()),
            source=self.source,
            info=self.info,
            issues=list(self.issues),
            blobs=self.blobs,
        )
