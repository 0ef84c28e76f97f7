"""Union of stored and newly imported events, by event id.

Importers give every event a deterministic id, so the same record read twice — a re-import, a
transcript that has grown, a checkpoint copy that is a prefix of another, or the hook event and
the transcript entry of one tool call (both ``<toolUseId>:pre``) — meets itself here and becomes
one event. When both copies exist, each keeps what it knows and borrows what the other knows.
A time a source gave beats one an importer had to estimate (``time_estimated``); the estimate is
kept in ``recorded_at`` for :mod:`vibecast.recorder.reconcile`, which re-times the rest of the
capture around it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from vibecast.model import EventType, RecordedEvent

__all__ = ["merge_event", "merge_events", "time_is_estimated"]

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
    }
)
_GAP_FIELDS = tuple(name for name in RecordedEvent.__struct_fields__ if name not in _SPECIAL)


def _is_gap(value: Any) -> bool:
    """None and the empty string carry no information (Vibecraft writes ``assistantText: ""``)."""
    return value is None or value == ""


def time_is_estimated(event: RecordedEvent) -> bool:
    """Whether the event's time is a guess (its source gave none) rather than a source's time."""
    return event.time_estimated is True


def _merged_clock(old: RecordedEvent, new: RecordedEvent) -> dict[str, Any]:
    """Timestamp, ``time_estimated`` and ``recorded_at`` of two copies of one event.

    ``time_estimated`` is True while no copy has an exact time; it is False once an estimated
    copy met an exact one (a hook capture and the transcript of one tool call): the time is
    exact, and ``recorded_at`` keeps the capture's estimate — where the event sat on the
    capture's guessed clock, which the recorder needs to re-time the capture's other events
    (see :mod:`vibecast.recorder.reconcile`). None means no copy was ever estimated.
    """
    old_guessed, new_guessed = time_is_estimated(old), time_is_estimated(new)
    if old_guessed != new_guessed:
        timestamp = new.timestamp if old_guessed else old.timestamp
    else:
        timestamp = min(old.timestamp, new.timestamp)
    if old_guessed and new_guessed:
        estimated: bool | None = True
    elif old.time_estimated is None and new.time_estimated is None:
        estimated = None
    else:
        estimated = False
    captured = [c.recorded_at for c in (old, new) if c.time_estimated is not None]
    recorded_at = min(captured) if captured else min(old.recorded_at, new.recorded_at)
    return {"timestamp": timestamp, "time_estimated": estimated, "recorded_at": recorded_at}


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
    for name, value in _merged_clock(old, new).items():
        if getattr(old, name) != value:
            changes[name] = value
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
