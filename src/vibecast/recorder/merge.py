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

__all__ = ["TIME_SYNTHESISED", "merge_event", "merge_events", "time_is_estimated"]

TIME_SYNTHESISED = "timeSynthesised"
"""``raw`` key by which importers also mark a guessed time (hook payloads carry no time)."""

# Fields with their own merge rule (everything else: the old value, gaps filled by the new one).
_SPECIAL = frozenset(
    {
        "id",
        "timestamp",
        "recorded_at",
        "relative_time_ms",
        "type",
        "success",
        "time_estimated",
        "raw",
    }
)
_GAP_FIELDS = tuple(name for name in RecordedEvent.__struct_fields__ if name not in _SPECIAL)


def _is_gap(value: Any) -> bool:
    """None and the empty string carry no information (Vibecraft writes ``assistantText: ""``)."""
    return value is None or value == ""


def time_is_estimated(event: RecordedEvent) -> bool:
    """Whether the event's time was guessed by its importer rather than given by its source."""
    return event.time_estimated is True or bool(event.raw and event.raw.get(TIME_SYNTHESISED))


def _merged_raw(old: RecordedEvent, new: RecordedEvent, estimated: bool) -> dict[str, Any] | None:
    raw = old.raw if not _is_gap(old.raw) else new.raw
    if raw and not estimated and TIME_SYNTHESISED in raw:
        raw = {key: value for key, value in raw.items() if key != TIME_SYNTHESISED} or None
    return raw


def merge_event(old: RecordedEvent, new: RecordedEvent) -> RecordedEvent:
    """One event from two copies of it (same id); ``old`` wins where both know a value.

    A time the source gave beats a time an importer estimated; between two given times (or two
    estimates) the earliest wins: a hook stamps a tool call when it reaches the hook, the
    transcript when the model emitted it, and the earlier one is closer to the truth. A failure
    wins over a success: a failure report is specific, a success may be a blanket default.
    """
    changes: dict[str, Any] = {}
    for name in _GAP_FIELDS:
        if _is_gap(getattr(old, name)) and not _is_gap(getattr(new, name)):
            changes[name] = getattr(new, name)
    old_guessed, new_guessed = time_is_estimated(old), time_is_estimated(new)
    if old_guessed != new_guessed:
        exact = new if old_guessed else old
        if exact.timestamp != old.timestamp:
            changes["timestamp"] = exact.timestamp
    elif new.timestamp < old.timestamp:
        changes["timestamp"] = new.timestamp
    estimated = old_guessed and new_guessed
    if old.time_estimated is not (True if estimated else None):
        changes["time_estimated"] = True if estimated else None
    raw = _merged_raw(old, new, estimated)
    if raw is not old.raw:
        changes["raw"] = raw
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
