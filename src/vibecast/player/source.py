"""Where the player's events come from: an in-memory list, or a store read window by window.

Both answer the same three questions — the events at a time, the next event time at or after a
time, the previous event time before a time — so the player navigates a 10-hour replay it has
never loaded the same way as a list in memory. Positions in a replay are :class:`Cursor`\\ s:
events sort by time, ties keep the order the source gave them.
"""

from __future__ import annotations

import bisect
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from vibecast.model import RecordedEvent
from vibecast.player.timeline import event_time_ms

__all__ = ["Cursor", "EventSource", "ListSource", "WindowLoader", "WindowedSource", "make_source"]

WindowLoader = Callable[[int, int], Sequence[RecordedEvent]]
"""``loader(from_ms, to_ms)``: events with ``from_ms <= relative_time_ms <= to_ms`` (a store's
``read_events(replay_id, from_ms, to_ms)``)."""


class Cursor(NamedTuple):
    """A place between events: everything before the ``index``-th event at ``time_ms`` is behind.

    ``Cursor(t, 0)`` is "just before the first event at or after ``t``" (``t`` need not be an
    event time); the cursor of an event names that event itself.
    """

    time_ms: int
    index: int

    def after(self) -> Cursor:
        return Cursor(self.time_ms, self.index + 1)


class _Groups:
    """Events grouped by time, for one list or one window."""

    def __init__(self, events: Iterable[RecordedEvent]) -> None:
        groups: dict[int, list[RecordedEvent]] = {}
        for event in sorted(events, key=event_time_ms):
            groups.setdefault(event_time_ms(event), []).append(event)
        self.by_time = groups
        self.times = list(groups)  # already sorted

    def first_time_from(self, time_ms: int) -> int | None:
        i = bisect.bisect_left(self.times, time_ms)
        return self.times[i] if i < len(self.times) else None

    def last_time_before(self, time_ms: int) -> int | None:
        i = bisect.bisect_left(self.times, time_ms)
        return self.times[i - 1] if i > 0 else None


class EventSource(ABC):
    """The events of one replay, navigated by time."""

    @property
    @abstractmethod
    def end_ms(self) -> int:
        """Replay time of the end (the duration, or the last event if later)."""

    @abstractmethod
    def at(self, time_ms: int) -> Sequence[RecordedEvent]:
        """All events at exactly ``time_ms``, in order."""

    @abstractmethod
    def next_time(self, time_ms: int) -> int | None:
        """The first event time ``>= time_ms``."""

    @abstractmethod
    def prev_time(self, time_ms: int) -> int | None:
        """The last event time ``< time_ms``."""

    def prefetch(self, time_ms: int) -> bool:
        """Load ahead of ``time_ms`` if that is worth doing now; True if it did any work."""
        return False

    def event_at(self, cursor: Cursor) -> tuple[Cursor, RecordedEvent] | None:
        """The first event at or after ``cursor``, with its own cursor."""
        group = self.at(cursor.time_ms)
        if cursor.index < len(group):
            return cursor, group[cursor.index]
        later = self.next_time(cursor.time_ms + 1)
        if later is None:
            return None
        return Cursor(later, 0), self.at(later)[0]

    def event_before(self, cursor: Cursor) -> tuple[Cursor, RecordedEvent] | None:
        """The last event before ``cursor``, with its own cursor."""
        if cursor.index > 0:
            group = self.at(cursor.time_ms)
            index = min(cursor.index, len(group)) - 1
            if index >= 0:
                return Cursor(cursor.time_ms, index), group[index]
        earlier = self.prev_time(cursor.time_ms)
        if earlier is None:
            return None
        group = self.at(earlier)
        return Cursor(earlier, len(group) - 1), group[-1]


class ListSource(EventSource):
    """Events held in memory (a replay file, a test, an importer's output)."""

    def __init__(self, events: Iterable[RecordedEvent], duration_ms: int | None = None) -> None:
        self._groups = _Groups(events)
        last = self._groups.times[-1] if self._groups.times else 0
        self._end = max(last, duration_ms or 0)

    @property
    def end_ms(self) -> int:
        return self._end

    def at(self, time_ms: int) -> Sequence[RecordedEvent]:
        return self._groups.by_time.get(time_ms, ())

    def next_time(self, time_ms: int) -> int | None:
        return self._groups.first_time_from(time_ms)

    def prev_time(self, time_ms: int) -> int | None:
        return self._groups.last_time_before(time_ms)


class WindowedSource(EventSource):
    """Events read from a loader one fixed time window at a time, keeping a few windows cached.

    Windows are aligned (``[k*w, (k+1)*w - 1]``), so an instant never straddles two windows and
    the cache key is just ``k``. Only windows the playhead reaches (or the player prefetches, one
    ahead) are ever read; events after ``duration_ms`` are not looked for.
    """

    def __init__(
        self,
        loader: WindowLoader,
        duration_ms: int,
        *,
        window_ms: int = 60_000,
        cache_windows: int = 4,
    ) -> None:
        if window_ms <= 0:
            raise ValueError("window_ms must be positive")
        self._loader = loader
        self._end = max(0, duration_ms)
        self._window_ms = window_ms
        self._cache: OrderedDict[int, _Groups] = OrderedDict()
        self._cache_windows = max(2, cache_windows)
        self._last_window = self._end // window_ms

    @property
    def end_ms(self) -> int:
        return self._end

    @property
    def window_ms(self) -> int:
        return self._window_ms

    def _window(self, k: int) -> _Groups:
        groups = self._cache.get(k)
        if groups is not None:
            self._cache.move_to_end(k)
            return groups
        lo = k * self._window_ms
        hi = lo + self._window_ms - 1
        # A loader may hand back neighbours of the window; they belong to (and come with) theirs.
        groups = _Groups(e for e in self._loader(lo, hi) if lo <= event_time_ms(e) <= hi)
        self._cache[k] = groups
        while len(self._cache) > self._cache_windows:
            self._cache.popitem(last=False)
        return groups

    def at(self, time_ms: int) -> Sequence[RecordedEvent]:
        if not 0 <= time_ms <= self._end:
            return ()
        return self._window(time_ms // self._window_ms).by_time.get(time_ms, ())

    def next_time(self, time_ms: int) -> int | None:
        time_ms = max(0, time_ms)
        for k in range(time_ms // self._window_ms, self._last_window + 1):
            found = self._window(k).first_time_from(time_ms)
            if found is not None:
                return found if found <= self._end else None
        return None

    def prev_time(self, time_ms: int) -> int | None:
        time_ms = min(time_ms, self._end + 1)
        if time_ms <= 0:
            return None
        for k in range((time_ms - 1) // self._window_ms, -1, -1):
            found = self._window(k).last_time_before(time_ms)
            if found is not None:
                return found
        return None

    def prefetch(self, time_ms: int) -> bool:
        k = max(0, time_ms) // self._window_ms + 1
        if k > self._last_window or k in self._cache:
            return False
        self._window(k)
        # Loading the next window must not evict the one being played.
        if k - 1 in self._cache:
            self._cache.move_to_end(k - 1)
        return True


def make_source(
    events: EventSource | Sequence[RecordedEvent] | WindowLoader,
    duration_ms: int | None,
    *,
    window_ms: int = 60_000,
) -> EventSource:
    """A list, a ready source, or a window loader (which needs ``duration_ms``) as a source."""
    if isinstance(events, EventSource):
        return events
    if callable(events):
        if duration_ms is None:
            raise ValueError("a window loader needs duration_ms (the replay's duration)")
        return WindowedSource(events, duration_ms, window_ms=window_ms)
    return ListSource(events, duration_ms)
