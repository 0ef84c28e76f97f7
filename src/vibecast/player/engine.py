"""``ReplayPlayer``: plays a replay's events at their recorded timing, with VCR controls.

One thread runs :meth:`ReplayPlayer.run` (the driver); any thread may call the controls (pause,
seek, step, speed, stop). Controls change state under one lock and notify a condition variable, so
a sleeping driver wakes at once and re-plans. Timing comes from a :class:`VirtualClock` anchored at
a fixed point, so a late emit never delays the ones after it, and from the injected
:class:`~vibecast.player.clock.Clock`, which makes the same code run in real time (terminal, live
stream) or instantly and deterministically (tests, video export, with a ``ManualClock``).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vibecast.model import RecordedEvent
from vibecast.player.clock import Clock, SystemClock
from vibecast.player.source import Cursor, EventSource, WindowLoader, make_source
from vibecast.player.timeline import SPEEDS, VirtualClock, check_idle_limit, check_speed

__all__ = ["Emission", "Jump", "PlayerState", "PlayerUpdate", "ReplayPlayer"]

SPIN_NS = 1_000_000
"""The driver sleeps until this long before a deadline, then spins (see ``SystemClock``)."""
PREFETCH_SLACK_NS = 20_000_000
"""Load the next window only when the next emit is at least this far away."""


@dataclass(frozen=True, slots=True)
class Emission:
    """An event reaching the consumer; ``due_ns`` is the clock time it was scheduled for."""

    event: RecordedEvent
    due_ns: int
    stepped: bool = False  # emitted by step_next/step_prev, not by the clock


@dataclass(frozen=True, slots=True)
class Jump:
    """The playhead moved without playing what lies between (seek, step back)."""

    from_ms: float
    to_ms: float


PlayerUpdate = Emission | Jump


@dataclass(frozen=True, slots=True)
class PlayerState:
    position_ms: float
    duration_ms: int
    speed: float
    paused: bool
    ended: bool
    running: bool
    idle_limit_ms: int | None


class ReplayPlayer:
    """Plays events at ``relative_time_ms`` (scaled by speed, idle gaps capped), with controls.

    ``events`` is a list of :class:`RecordedEvent` or a window loader ``(from_ms, to_ms) -> events``
    (a store's ``read_events``), which is read one window at a time around the playhead and needs
    ``duration_ms``.

    Semantics: a seek moves the playhead without emitting what it skips (a :class:`Jump` tells the
    consumer); events at exactly the seek target play first. ``step_next`` emits the next event at
    once and moves the playhead to it; ``step_prev`` goes back to the event before the last one
    shown and emits it again. Steps keep the paused/playing state. At the end ``run`` returns,
    unless ``hold_at_end`` asks it to wait for a seek back or :meth:`stop`.
    """

    def __init__(
        self,
        events: Sequence[RecordedEvent] | WindowLoader | EventSource,
        *,
        duration_ms: int | None = None,
        speed: float = 1.0,
        start_ms: float = 0,
        idle_limit_ms: int | None = None,
        paused: bool = False,
        clock: Clock | None = None,
        window_ms: int = 60_000,
        spin_ns: int = SPIN_NS,
    ) -> None:
        self._source = make_source(events, duration_ms, window_ms=window_ms)
        self._clock: Clock = clock or SystemClock()
        self._spin_ns = spin_ns
        self._cond = threading.Condition(threading.RLock())
        self._user_paused = paused
        self._running = False
        self._stop = False
        self._ended = False
        self._generation = 0
        self._outbox: list[PlayerUpdate] = []
        start = min(max(0.0, float(start_ms)), float(self._source.end_ms))
        # The virtual clock is paused while the driver is not running, so time before run() or
        # between runs does not count.
        self._vclock = VirtualClock(
            self._clock.now_ns(),
            position_ms=start,
            speed=check_speed(speed),
            idle_limit_ms=check_idle_limit(idle_limit_ms),
            paused=True,
        )
        self._cursor = Cursor(math.ceil(start), 0)
        self._last: Cursor | None = None  # the event shown last, for step_prev
        self._next: tuple[Cursor, RecordedEvent] | None = None
        self._next_known = False  # _next is found lazily: the emit path must not wait for a load

    # -- state -------------------------------------------------------------------------------

    @property
    def duration_ms(self) -> int:
        return self._source.end_ms

    def state(self) -> PlayerState:
        with self._cond:
            return PlayerState(
                position_ms=self._position(self._clock.now_ns()),
                duration_ms=self._source.end_ms,
                speed=self._vclock.speed,
                paused=self._user_paused,
                ended=self._ended,
                running=self._running,
                idle_limit_ms=self._vclock.idle_limit_ms,
            )

    def _peek(self) -> tuple[Cursor, RecordedEvent] | None:
        """The next event to play (may read a window)."""
        if not self._next_known:
            self._next = self._source.event_at(self._cursor)
            self._next_known = True
        return self._next

    def _boundary(self) -> float:
        upcoming = self._peek()
        return float(upcoming[0].time_ms if upcoming else self._source.end_ms)

    def _position(self, now_ns: int) -> float:
        return self._vclock.position_ms(now_ns, self._boundary())

    def _changed(self) -> None:
        self._generation += 1
        self._cond.notify_all()

    def _sync_pause(self, now_ns: int) -> None:
        if self._running and not self._user_paused and not self._ended:
            self._vclock.resume(now_ns)
        else:
            self._vclock.pause(now_ns)

    def _move_to(self, now_ns: int, position_ms: float, cursor: Cursor) -> None:
        self._vclock.seek(now_ns, position_ms)
        self._cursor = cursor
        self._ended = False
        self._next_known = False
        self._sync_pause(now_ns)

    # -- controls (any thread) -----------------------------------------------------------------

    def pause(self) -> None:
        self.set_paused(True)

    def resume(self) -> None:
        self.set_paused(False)

    def toggle_pause(self) -> bool:
        """Pause if playing, resume if paused; returns the new paused state."""
        with self._cond:
            self.set_paused(not self._user_paused)
            return self._user_paused

    def set_paused(self, paused: bool) -> None:
        with self._cond:
            if paused != self._user_paused:
                self._user_paused = paused
                self._sync_pause(self._clock.now_ns())
                self._changed()

    def set_speed(self, speed: float) -> None:
        with self._cond:
            self._vclock.set_speed(self._clock.now_ns(), speed)
            self._changed()

    def faster(self) -> float:
        """Next speed up the ladder 0.25x..16x; returns the new speed."""
        with self._cond:
            speed = next((s for s in SPEEDS if s > self._vclock.speed), self._vclock.speed)
            self.set_speed(speed)
            return speed

    def slower(self) -> float:
        with self._cond:
            lower = [s for s in SPEEDS if s < self._vclock.speed]
            speed = lower[-1] if lower else self._vclock.speed
            self.set_speed(speed)
            return speed

    def seek(self, position_ms: float) -> None:
        """Move the playhead to ``position_ms`` (clamped); nothing in between is emitted."""
        with self._cond:
            now = self._clock.now_ns()
            before = self._position(now)
            target = min(max(0.0, float(position_ms)), float(self._source.end_ms))
            self._move_to(now, target, Cursor(math.ceil(target), 0))
            self._last = None
            self._outbox.append(Jump(before, target))
            self._changed()

    def skip(self, delta_ms: float) -> None:
        """Seek relative to the current position (the -10 s / +10 s buttons)."""
        with self._cond:
            self.seek(self._position(self._clock.now_ns()) + delta_ms)

    def step_next(self) -> RecordedEvent | None:
        """Emit the next event now and move the playhead to it; None at the end."""
        with self._cond:
            upcoming = self._peek()
            if upcoming is None:
                return None
            cursor, event = upcoming
            now = self._clock.now_ns()
            self._move_to(now, cursor.time_ms, cursor.after())
            self._last = cursor
            self._outbox.append(Emission(event, now, stepped=True))
            self._changed()
            return event

    def step_prev(self) -> RecordedEvent | None:
        """Go back to the event before the one shown last and emit it again; None at the start."""
        with self._cond:
            target = self._source.event_before(self._cursor)
            if target is not None and target[0] == self._last:
                target = self._source.event_before(target[0])
            if target is None:
                return None
            cursor, event = target
            now = self._clock.now_ns()
            before = self._position(now)
            self._move_to(now, cursor.time_ms, cursor.after())
            self._last = cursor
            self._outbox.append(Jump(before, cursor.time_ms))
            self._outbox.append(Emission(event, now, stepped=True))
            self._changed()
            return event

    def stop(self) -> None:
        """Make :meth:`run` return as soon as possible (or at once, if it has not started)."""
        with self._cond:
            self._stop = True
            self._changed()

    # -- the driver ------------------------------------------------------------------------------

    def run(self, on_update: Callable[[PlayerUpdate], None], *, hold_at_end: bool = False) -> None:
        """Play, calling ``on_update`` (on this thread, without the lock) for each update.

        Returns at the end of the replay (unless ``hold_at_end``) or after :meth:`stop`.
        """
        clock = self._clock
        with self._cond:
            if self._running:
                raise RuntimeError("this player is already running")
            self._running = True
            self._sync_pause(clock.now_ns())
        try:
            while True:
                with self._cond:
                    if self._stop:
                        return
                    pending, self._outbox = self._outbox, []
                    if not pending:
                        action, deadline = self._plan(hold_at_end)
                        if action == "done":
                            return
                        generation = self._generation
                if pending:
                    for update in pending:
                        on_update(update)
                    continue
                if action == "replan":
                    continue
                clock.spin_until(deadline)
                emission = self._commit(deadline, generation)
                if emission is not None:
                    on_update(emission)
        finally:
            with self._cond:
                self._running = False
                self._stop = False  # consumed: a later run() plays on
                self._sync_pause(clock.now_ns())

    def _commit(self, deadline: int, generation: int) -> Emission | None:
        """After the spin: take the next event, unless a control changed the plan meanwhile."""
        with self._cond:
            if self._stop or generation != self._generation or self._clock.now_ns() < deadline:
                return None
            upcoming = self._peek()
            if upcoming is None:
                return None  # the end: _plan() handles it
            cursor, event = upcoming
            self._vclock.reach(cursor.time_ms)
            self._cursor = cursor.after()
            self._last = cursor
            self._next_known = False
            return Emission(event, deadline)

    def _plan(self, hold_at_end: bool) -> tuple[str, int]:
        """With the lock held: wait and ``replan``, or ``spin`` to a deadline, or be ``done``."""
        clock = self._clock
        if self._vclock.paused:
            clock.wait(self._cond, None)
            return "replan", 0
        boundary = self._boundary()
        deadline = self._vclock.deadline_ns(boundary)
        assert deadline is not None  # not paused
        now = clock.now_ns()
        if self._peek() is None and now >= deadline:
            self._vclock.reach(boundary)
            self._ended = True
            self._sync_pause(now)
            self._changed()
            return ("replan" if hold_at_end else "done"), deadline
        slack = deadline - now
        if slack > self._spin_ns:
            if not (slack > PREFETCH_SLACK_NS and self._source.prefetch(int(boundary))):
                clock.wait(self._cond, (slack - self._spin_ns) / 1e9)
            return "replan", deadline
        return "spin", deadline
