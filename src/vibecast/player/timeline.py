"""Pure timeline arithmetic: replay time, play time and wall time. No threads, no sleeping.

Three time axes meet here:

* **replay time** (ms): an event's ``relative_time_ms``; seeks and the status line speak it;
* **play time** (ms): replay time with idle gaps capped at the idle limit (like asciinema's
  ``idle_time_limit``), at speed 1. Without an idle limit it equals replay time;
* **wall time** (ns): play time divided by the speed, from an anchor.

Idle rule. Between two consecutive *boundaries* (event times, plus 0 and the end of the replay) a
gap of ``g`` ms plays as ``min(g, limit)``. The skipped part is the *start* of the gap: the playhead
jumps ahead right after an event, then runs at normal pace for the last ``limit`` ms before the next
one. So from any replay position ``r`` the play time to the next boundary ``b`` is simply
``min(b - r, limit)`` (see :func:`gap_play_ms`). Only the next boundary is needed, which is what
lets the live player use it with lazily loaded events; :class:`Timeline` applies the same rule to a
whole replay at once for offline work (the video exporter, the compressed duration).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence

from vibecast.model import RecordedEvent

__all__ = [
    "SPEEDS",
    "Timeline",
    "VirtualClock",
    "check_idle_limit",
    "check_speed",
    "compressed_duration_ms",
    "event_time_ms",
    "gap_play_ms",
]

SPEEDS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
"""The speed ladder that faster/slower controls step through."""


def event_time_ms(event: RecordedEvent) -> int:
    """When an event plays: its ``relative_time_ms``, with bad negative values played at 0."""
    return max(0, event.relative_time_ms)


def check_speed(speed: float) -> float:
    """A usable speed (any finite positive number; the UI offers :data:`SPEEDS`)."""
    if not (math.isfinite(speed) and speed > 0):
        raise ValueError(f"speed must be a positive number, not {speed!r}")
    return float(speed)


def check_idle_limit(idle_limit_ms: int | None) -> int | None:
    if idle_limit_ms is not None and not idle_limit_ms > 0:
        raise ValueError(f"idle limit must be positive (ms), not {idle_limit_ms!r}")
    return idle_limit_ms


def gap_play_ms(from_ms: float, to_ms: float, idle_limit_ms: int | None) -> float:
    """Play time from replay position ``from_ms`` to the next boundary ``to_ms``.

    There must be no event strictly between the two. With an idle limit the gap is capped.
    """
    span = max(0.0, to_ms - from_ms)
    return span if idle_limit_ms is None else min(span, float(idle_limit_ms))


class Timeline:
    """The whole-replay mapping between replay time and play time, for offline use.

    Built from the events (or just their times) of a replay: the video exporter asks "which replay
    time is frame *n*" (:meth:`to_replay`) and "which events are due between these two replay
    times" (:meth:`due`); the UI asks for the compressed duration (:attr:`play_duration_ms`).
    """

    def __init__(
        self,
        events: Iterable[RecordedEvent],
        *,
        duration_ms: int | None = None,
        idle_limit_ms: int | None = None,
    ) -> None:
        self._events = sorted(events, key=event_time_ms)  # stable: keeps source order at ties
        self._times = [event_time_ms(e) for e in self._events]
        self._limit = check_idle_limit(idle_limit_ms)
        last = self._times[-1] if self._times else 0
        self._end = max(last, duration_ms or 0)
        self._bounds = sorted({0, self._end, *self._times})
        self._play = [0.0]
        for a, b in zip(self._bounds, self._bounds[1:], strict=False):
            self._play.append(self._play[-1] + gap_play_ms(a, b, self._limit))

    @property
    def events(self) -> Sequence[RecordedEvent]:
        """The events in play order."""
        return self._events

    @property
    def duration_ms(self) -> int:
        """Replay time of the end: the given duration, or the last event if later."""
        return self._end

    @property
    def play_duration_ms(self) -> float:
        """How long the replay plays at speed 1 once idle gaps are capped."""
        return self._play[-1]

    def to_play(self, replay_ms: float) -> float:
        """Play time at replay position ``replay_ms`` (clamped to the replay)."""
        if replay_ms <= 0:
            return 0.0
        if replay_ms >= self._end:
            return self._play[-1]
        i = bisect.bisect_right(self._bounds, replay_ms) - 1
        return self._play[i + 1] - gap_play_ms(replay_ms, self._bounds[i + 1], self._limit)

    def to_replay(self, play_ms: float) -> float:
        """Replay position after ``play_ms`` of play time.

        Right-continuous: at the play time of an event the playhead has already jumped over the
        skipped start of the next gap, so ``to_replay(to_play(t))`` may exceed ``t``.
        """
        if play_ms <= 0:
            play_ms = 0.0
        if play_ms >= self._play[-1]:
            return float(self._end)
        i = bisect.bisect_right(self._play, play_ms) - 1
        return self._bounds[i + 1] - (self._play[i + 1] - play_ms)

    def due(self, after_ms: float | None, upto_ms: float) -> Sequence[RecordedEvent]:
        """Events with ``after_ms < relative_time_ms <= upto_ms`` (``after_ms=None``: from 0).

        Frame by frame, ``due(previous_position, position)`` yields every event exactly once.
        """
        lo = 0 if after_ms is None else bisect.bisect_right(self._times, after_ms)
        hi = bisect.bisect_right(self._times, upto_ms)
        return self._events[lo:hi]


def compressed_duration_ms(
    events: Iterable[RecordedEvent], *, duration_ms: int | None = None, idle_limit_ms: int | None
) -> float:
    """Play time of a whole replay with idle gaps capped at ``idle_limit_ms`` (speed 1)."""
    return Timeline(events, duration_ms=duration_ms, idle_limit_ms=idle_limit_ms).play_duration_ms


class VirtualClock:
    """Wall time (ns) <-> replay time (ms) for live playback: speed, pause and idle compression.

    The clock keeps a fixed *anchor* (a wall time and the play time it corresponds to) and derives
    every deadline from it, so lateness never accumulates: the anchor moves only when the mapping
    itself changes (seek, speed change, resume). It knows the last boundary it reached
    (``reach``); callers pass the next boundary (the next event's time, or the end) to
    :meth:`deadline_ns` and :meth:`position_ms`, because the idle rule needs to know where the
    current gap ends, and that is all it needs to know about the events.
    """

    def __init__(
        self,
        now_ns: int,
        *,
        position_ms: float = 0.0,
        speed: float = 1.0,
        idle_limit_ms: int | None = None,
        paused: bool = False,
    ) -> None:
        self._speed = check_speed(speed)
        self._limit = check_idle_limit(idle_limit_ms)
        self._anchor_wall_ns = now_ns
        self._anchor_play = 0.0
        self._ref_pos = float(position_ms)  # the last boundary reached (or the seek target)
        self._ref_play = 0.0  # play time at _ref_pos
        self._paused_play: float | None = 0.0 if paused else None

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def idle_limit_ms(self) -> int | None:
        return self._limit

    @property
    def paused(self) -> bool:
        return self._paused_play is not None

    def play_ms(self, now_ns: int) -> float:
        """Play time elapsed since the last seek, at wall time ``now_ns``."""
        if self._paused_play is not None:
            return self._paused_play
        return self._anchor_play + (now_ns - self._anchor_wall_ns) * self._speed / 1e6

    def deadline_ns(self, boundary_ms: float) -> int | None:
        """Wall time at which the playhead reaches the next boundary; None while paused."""
        if self._paused_play is not None:
            return None
        play = self._ref_play + gap_play_ms(self._ref_pos, boundary_ms, self._limit)
        return self._anchor_wall_ns + round((play - self._anchor_play) * 1e6 / self._speed)

    def position_ms(self, now_ns: int, boundary_ms: float) -> float:
        """Replay position at ``now_ns``, given the next boundary (never past it)."""
        remaining = (
            self._ref_play
            + gap_play_ms(self._ref_pos, boundary_ms, self._limit)
            - self.play_ms(now_ns)
        )
        if remaining <= 0:
            return max(self._ref_pos, boundary_ms)
        return max(self._ref_pos, boundary_ms - remaining)

    def reach(self, boundary_ms: float) -> None:
        """The playhead got to the next boundary (its events were emitted): start the next gap.

        Uses the scheduled play time, not the actual one, so a late emit does not delay the rest.
        """
        self._ref_play += gap_play_ms(self._ref_pos, boundary_ms, self._limit)
        self._ref_pos = max(self._ref_pos, float(boundary_ms))

    def seek(self, now_ns: int, position_ms: float) -> None:
        """Jump to ``position_ms``; playback (if running) continues from there at ``now_ns``."""
        self._ref_pos = float(position_ms)
        self._ref_play = 0.0
        self._anchor_play = 0.0
        self._anchor_wall_ns = now_ns
        if self._paused_play is not None:
            self._paused_play = 0.0

    def pause(self, now_ns: int) -> None:
        if self._paused_play is None:
            self._paused_play = self.play_ms(now_ns)

    def resume(self, now_ns: int) -> None:
        """Continue from where the pause froze the playhead: no jump."""
        if self._paused_play is not None:
            self._anchor_play = self._paused_play
            self._anchor_wall_ns = now_ns
            self._paused_play = None

    def set_speed(self, now_ns: int, speed: float) -> None:
        """Change speed from ``now_ns`` on, re-anchoring so the playhead does not jump."""
        speed = check_speed(speed)
        if self._paused_play is None:
            self._anchor_play = self.play_ms(now_ns)
            self._anchor_wall_ns = now_ns
        self._speed = speed
