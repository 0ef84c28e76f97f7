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
import os
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
    """``perf_counter_ns`` time; sleeps on the condition variable, then spins the last stretch.

    The spin yields the CPU (``sleep(0)``, about 70 µs with Linux timer slack) until the last
    ``yield_ns`` and busy-waits with ``sched_yield`` only for that final part, so a 2-core machine
    shared with other work keeps its CPU while deadlines are still hit to well under a millisecond.
    """

    def __init__(self, yield_ns: int = 200_000) -> None:
        self._yield_ns = yield_ns
        self._sched_yield: Callable[[], None] = getattr(os, "sched_yield", lambda: time.sleep(0))

    def now_ns(self) -> int:
        return time.perf_counter_ns()

    def wait(self, cond: threading.Condition, timeout_s: float | None) -> None:
        cond.wait(timeout_s)

    def spin_until(self, deadline_ns: int) -> None:
        now = time.perf_counter_ns
        while (remaining := deadline_ns - now()) > 0:
            if remaining > self._yield_ns:
                time.sleep(0)
            else:
                self._sched_yield()


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
