"""Clocks the player runs on: the real one, and a manual one for tests and offline rendering.

The player never calls ``time`` directly; it asks its clock for the time, to wait on its condition
variable (so a control from another thread wakes it), and to spin the last stretch before a
deadline. A :class:`ManualClock` turns every wait into an instant jump of virtual time, which makes
playback deterministic (tests) and as fast as the consumer (video export).
"""

from __future__ import annotations

import heapq
import itertools
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    def now_ns(self) -> int:
        """Monotonic time in ns."""
        ...

    def wait(self, cond: threading.Condition, timeout_s: float | None) -> None:
        """Block on ``cond`` (held by the caller) for up to ``timeout_s``; may return early."""
        ...

    def spin_until(self, deadline_ns: int) -> None:
        """Return as close to ``deadline_ns`` as possible (called without the lock; short)."""
        ...


class SystemClock:
    """``perf_counter_ns`` time; sleeps on the condition variable, then busy-waits the last stretch.

    The final stretch (the player's ``spin_ns``, about a millisecond) is a pure busy loop: giving
    the CPU away there, even with ``sched_yield`` or ``sleep(0)``, lets another process on a busy
    machine take a whole time slice (3-4 ms on Linux) and the deadline is missed. Having slept
    until then, the thread has little CPU time on record, so the scheduler lets it spin.
    """

    def now_ns(self) -> int:
        return time.perf_counter_ns()

    def wait(self, cond: threading.Condition, timeout_s: float | None) -> None:
        cond.wait(timeout_s)

    def spin_until(self, deadline_ns: int) -> None:
        now = time.perf_counter_ns
        while now() < deadline_ns:
            pass


class ManualClock:
    """Virtual time that jumps straight to whatever the player waits for.

    ``call_at`` schedules an action (a control, say ``player.pause``) at a virtual time; waits stop
    there and run it, exactly as if a key had been pressed at that moment. A wait with no timeout
    and nothing scheduled would block forever, so it raises instead of hanging a test.
    """

    def __init__(self, start_ns: int = 0) -> None:
        self._now = start_ns
        self._actions: list[tuple[int, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def now_ns(self) -> int:
        return self._now

    def advance(self, ns: int) -> None:
        """Move time forward by ``ns`` without running scheduled actions."""
        self._now += max(0, ns)

    def call_at(self, at_ns: int, action: Callable[[], None]) -> None:
        heapq.heappush(self._actions, (at_ns, next(self._order), action))

    def call_later(self, delay_ns: int, action: Callable[[], None]) -> None:
        self.call_at(self._now + delay_ns, action)

    @property
    def pending(self) -> int:
        """How many scheduled actions have not run yet."""
        return len(self._actions)

    def _run_next_before(self, limit_ns: int | None) -> bool:
        if self._actions and (limit_ns is None or self._actions[0][0] <= limit_ns):
            at_ns, _, action = heapq.heappop(self._actions)
            self._now = max(self._now, at_ns)
            action()
            return True
        return False

    def wait(self, cond: threading.Condition, timeout_s: float | None) -> None:
        target = None if timeout_s is None else self._now + math.ceil(max(0.0, timeout_s) * 1e9)
        if self._run_next_before(target):
            return
        if target is None:
            raise RuntimeError("player waits forever: nothing is scheduled on the ManualClock")
        self._now = target

    def spin_until(self, deadline_ns: int) -> None:
        if not self._run_next_before(deadline_ns):
            self._now = max(self._now, deadline_ns)
