"""One truthful clock for a replay that mixes exact and estimated times.

Hook payload captures carry no time, so their importer guesses (``time_estimated``). When the
same session also has exact events (a transcript, Vibecraft's log), the guesses are rebuilt
around them rather than trusted — a guess can be off by months, and a naive logger time by the
logger's zone — so that the replay spans what the exact sources say:

1. twins merge: an id-less hook tool event that repeats an exact one becomes that event
   (:mod:`~vibecast.recorder.twins`);
2. anchors: hook events that repeat what an exact event says take its time, just before or
   after it (:mod:`~vibecast.recorder.anchors`, :mod:`~vibecast.recorder.turns`);
3. placement: the rest keep their offset from the nearest anchored event of their clock,
   within the exact span (:mod:`~vibecast.recorder.placement`).

A replay with no exact event keeps its estimated timeline, except that a gap of more than
:data:`ESTIMATE_GAP_LIMIT_MS` between two estimated events is closed to one second: different
capture files guess on different clocks (a zone-less logger time in February, a file's mtime in
November), and a gap between two clocks is an artefact, not a pause. Re-timing only ever changes
``timestamp``: an estimated event's ``recorded_at`` keeps the importer's estimate, so the
result is a function of the events alone — importing again, or in another order, re-times the
same way (idempotent imports depend on it).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from vibecast.model import RecordedEvent
from vibecast.recorder.anchors import anchor_events
from vibecast.recorder.estimates import EstimateView
from vibecast.recorder.merge import time_is_estimated
from vibecast.recorder.placement import place_estimates
from vibecast.recorder.twins import merge_twins

__all__ = ["ESTIMATE_GAP_LIMIT_MS", "reconcile_times"]

ESTIMATE_GAP_LIMIT_MS = 6 * 3600 * 1000
"""Longer than any pause within one session's estimated clock; longer gaps are between clocks."""
_CLOSED_GAP_MS = 1000


def reconcile_times(events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
    """``events`` (merged by id, any order) with estimated times rebuilt from the exact ones.

    The list keeps its order, less the hook events merged into their twins; estimated events
    get their new ``timestamp`` (and a permission request the toolUseId of its call), and stay
    ``time_estimated``.
    """
    guessed = sum(1 for event in events if time_is_estimated(event))
    if guessed == 0:
        return list(events)
    if guessed == len(events):
        return _close_clock_gaps(events)
    merged = merge_twins(events)
    view = EstimateView(merged)
    if not view.guessed:
        return merged
    anchoring = anchor_events(view)
    placed = place_estimates(view, anchoring.times)
    result = list(merged)
    for index in view.guessed:
        event = merged[index]
        changes: dict[str, object] = {}
        time = anchoring.times.get(index, placed.get(index, event.timestamp))
        if time != event.timestamp:
            changes["timestamp"] = time
        tool_use_id = anchoring.tool_use_ids.get(index)
        if tool_use_id and tool_use_id != event.tool_use_id:
            changes["tool_use_id"] = tool_use_id
        if changes:
            result[index] = msgspec.structs.replace(event, **changes)
    return result


def _close_clock_gaps(events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
    """All-estimated events with every gap over the limit closed to a second, order kept."""
    order = sorted(range(len(events)), key=lambda i: events[i].timestamp)
    shift = 0
    shifts: dict[int, int] = {}
    previous: int | None = None
    for index in order:
        timestamp = events[index].timestamp
        if previous is not None and timestamp - previous > ESTIMATE_GAP_LIMIT_MS:
            shift += timestamp - previous - _CLOSED_GAP_MS
        previous = timestamp
        if shift:
            shifts[index] = shift
    return [
        msgspec.structs.replace(event, timestamp=event.timestamp - shifts[i])
        if i in shifts
        else event
        for i, event in enumerate(events)
    ]
