"""Union of stored and newly imported events, by event id.

Importers give every event a deterministic id, so the same record read twice — a re-import, a
transcript that has grown, a checkpoint copy that is a prefix of another, or the hook event and
the transcript entry of one tool call (both ``<toolUseId>:pre``) — meets itself here and becomes
one event. When both copies exist, each keeps what it knows and borrows what the other knows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from vibecast.model import EventType, RecordedEvent

__all__ = ["merge_event", "merge_events"]

# Fields with their own merge rule (everything else: the old value, gaps filled by the new one).
_SPECIAL = frozenset({"id", "timestamp", "recorded_at", "relative_time_ms", "type", "success"})
_GAP_FIELDS = tuple(name for name in RecordedEvent.__struct_fields__ if name not in _SPECIAL)


def _is_gap(value: Any) -> bool:
    """None and the empty string carry no information (Vibecraft writes ``assistantText: ""``)."""
    return value is None or value == ""


def merge_event(old: RecordedEvent, new: RecordedEvent) -> RecordedEvent:
    """One event from two copies of it (same id); ``old`` wins where both know a value.

    The earliest timestamp wins: a hook stamps a tool call when it reaches the hook, the
    transcript when the model emitted it, and the earlier one is closer to the truth. A failure
    wins over a success: a failure report is specific, a success may be a blanket default.
    """
    changes: dict[str, Any] = {}
    for name in _GAP_FIELDS:
        if _is_gap(getattr(old, name)) and not _is_gap(getattr(new, name)):
            changes[name] = getattr(new, name)
    if new.timestamp < old.timestamp:
        changes["timestamp"] = new.timestamp
    if new.recorded_at < old.recorded_at:
        changes["recorded_at"] = new.recorded_at
    if new.type == EventType.POST_TOOL_USE_FAILURE and old.type == EventType.POST_TOOL_USE:
        changes["type"] = new.type
    takes_new = new.success is False or (old.success is None and new.success is not None)
    if takes_new and old.success is not new.success:
        changes["success"] = new.success
    return msgspec.structs.replace(old, **changes) if changes else old


def merge_events(
    existing: Sequence[RecordedEvent], new: Iterable[RecordedEvent]
) -> list[RecordedEvent]:
    """Existing events in their stored order, then new ids in source order; duplicates merged.

    The order returned is the tie-break order for equal timestamps: what was stored keeps its
    place, and what is new follows it, in the order the source gave it.
    """
    merged: dict[str, RecordedEvent] = {}
    for event in existing:
        merged[event.id] = merge_event(merged[event.id], event) if event.id in merged else event
    for event in new:
        merged[event.id] = merge_event(merged[event.id], event) if event.id in merged else event
    return list(merged.values())
