"""The replay's timeline: event order and ``relative_time_ms``.

Events are ordered by their source timestamp; equal timestamps keep the order they came in
(transcripts write many records in the same millisecond, and an assistant's tool_use comes before
its tool_result). Two sources can disagree about the clock: a result must never play before its
call, so a post stamped earlier than its pre is played right after it, with its source
timestamp left untouched.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from vibecast.model import RecordedEvent
from vibecast.recorder.tools import ToolCall

__all__ = ["by_timestamp", "settle_timeline"]


def by_timestamp(events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
    """Events sorted by timestamp; ties keep their order (a stable sort)."""
    return sorted(events, key=lambda event: event.timestamp)


def settle_timeline(
    events: Sequence[RecordedEvent], calls: Sequence[ToolCall]
) -> list[RecordedEvent]:
    """The final order of ``events`` (sorted by timestamp) with ``relative_time_ms`` set.

    ``relative_time_ms`` is the time since the first event; it never goes backwards along the
    list, which is what the store and the player rely on.
    """
    keys = [(event.timestamp, index, 0) for index, event in enumerate(events)]
    for call in calls:
        if not call.pres:
            continue
        first = call.pres[0]
        start = (events[first].timestamp, first, 0)
        for index in call.posts:
            if keys[index] < start:
                keys[index] = (events[first].timestamp, first, 1)
    order = sorted(range(len(events)), key=keys.__getitem__)
    if not order:
        return []
    origin = keys[order[0]][0]
    settled: list[RecordedEvent] = []
    for index in order:
        event = events[index]
        relative = keys[index][0] - origin
        if event.relative_time_ms != relative:
            event = msgspec.structs.replace(event, relative_time_ms=relative)
        settled.append(event)
    return settled
