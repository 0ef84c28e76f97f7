"""Time windows of a replay's events, as the API hands them out.

A window is ``from_ms <= relative_time_ms <= to_ms`` (the store reads only the chunks it
overlaps), at most ``MAX_WINDOW_MS`` long. A window busier than ``limit`` events is cut at a
millisecond boundary — never between two events of the same millisecond — and says where to
continue (``next_from_ms``), so a client that follows it sees every event exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence

from vibecast.model import RecordedEvent
from vibecast.server.encoding import EventWindow
from vibecast.server.errors import ApiError
from vibecast.server.limits import MAX_EVENTS_PER_RESPONSE, MAX_MS, MAX_WINDOW_MS
from vibecast.store.base import Store

__all__ = ["cut_events", "read_window", "window_bounds"]


def window_bounds(from_ms: int | None, to_ms: int | None) -> tuple[int, int]:
    """The window asked for, defaulted and checked: 400 for an inverted or over-long one."""
    low = 0 if from_ms is None else from_ms
    high = min(MAX_MS, low + MAX_WINDOW_MS) if to_ms is None else to_ms
    if high < low:
        raise ApiError(400, "invalid_window", f"to_ms ({high}) is before from_ms ({low})")
    if high - low > MAX_WINDOW_MS:
        raise ApiError(
            400,
            "window_too_large",
            f"a window may span at most {MAX_WINDOW_MS} ms; asked for {high - low} ms "
            "(page through a long replay with from_ms/to_ms)",
        )
    return low, high


def cut_events(
    events: Sequence[RecordedEvent], limit: int
) -> tuple[Sequence[RecordedEvent], int | None]:
    """At most ``limit`` events, cut between milliseconds; and where the rest starts, if any.

    If more than ``limit`` events share the first millisecond, all of them are returned: a
    client could not otherwise get past that millisecond.
    """
    if len(events) <= limit:
        return events, None
    end = limit
    boundary = events[end].relative_time_ms
    while end > 0 and events[end - 1].relative_time_ms == boundary:
        end -= 1
    if end == 0:
        first = events[0].relative_time_ms
        while end < len(events) and events[end].relative_time_ms == first:
            end += 1
        if end == len(events):
            return events, None
    return events[:end], events[end].relative_time_ms


def read_window(
    store: Store,
    replay_id: str,
    from_ms: int | None,
    to_ms: int | None,
    limit: int = MAX_EVENTS_PER_RESPONSE,
) -> EventWindow:
    """The window's events; ``limit=0`` reads nothing (the replay's metadata alone is wanted)
    and answers an empty window that continues where it starts."""
    low, high = window_bounds(from_ms, to_ms)
    if limit == 0:
        return EventWindow(events=[], from_ms=low, to_ms=high, truncated=True, next_from_ms=low)
    events, next_from = cut_events(store.read_events(replay_id, low, high), limit)
    return EventWindow(
        events=list(events),
        from_ms=low,
        to_ms=high,
        truncated=next_from is not None,
        next_from_ms=next_from,
    )
