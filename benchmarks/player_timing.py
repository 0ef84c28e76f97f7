"""ReplayPlayer timing error: when each event is emitted vs when it was scheduled.

Target (issue 2): p99 <= 2 ms at 1x and at 16x. Imports the largest shared transcript into a fresh
store, then plays real stretches of it in real time on the system clock, measuring, for every
event, ``perf_counter_ns()`` at the consumer minus the deadline the player scheduled it for:

- 1x: the three densest 2.5 s stretches of the replay (~8 s of wall time);
- 16x: the three densest 30 s stretches (~6 s);
- 16x with the idle limit at 0.5 s, the whole replay read window by window from the store
  (10 s windows, so the prefetch runs ~60 times during playback; ~8 s).

The consumer does nothing but take the time, so this is the engine's own error; a terminal adds
its rendering on top (which delays that event, never the schedule of the next ones). The error
depends on what else the machine runs: the player sleeps until 1 ms before each deadline, and with
every core busy the kernel can take 3-4 ms to wake it, so the load average is printed too.

    python benchmarks/player_timing.py
"""

from __future__ import annotations

import bisect
import os
import time
from collections.abc import Callable, Sequence

from _common import largest_transcript_imported, percentile, verdict
from vibecast.model import RecordedEvent
from vibecast.player import Emission, PlayerUpdate, ReplayPlayer, Timeline

TARGET_P99_MS = 2.0


def densest_windows(events: Sequence[RecordedEvent], span_ms: int, count: int) -> list[int]:
    """Start times of the ``count`` non-overlapping ``span_ms`` stretches holding most events."""
    times = [e.relative_time_ms for e in events]
    ranked = sorted(
        ((bisect.bisect_right(times, t + span_ms) - i, t) for i, t in enumerate(times)),
        reverse=True,
    )
    chosen: list[int] = []
    for _, start in ranked:
        if all(abs(start - other) >= span_ms for other in chosen):
            chosen.append(start)
        if len(chosen) == count:
            break
    return sorted(chosen)


def play(
    events: Sequence[RecordedEvent] | Callable[[int, int], Sequence[RecordedEvent]],
    *,
    speed: float,
    start_ms: int = 0,
    duration_ms: int | None = None,
    idle_limit_ms: int | None = None,
    window_ms: int = 60_000,
) -> list[float]:
    """Errors (ms) of every event played from ``start_ms`` to ``duration_ms``."""
    errors: list[float] = []
    now = time.perf_counter_ns

    def on_update(update: PlayerUpdate) -> None:
        emitted = now()
        if isinstance(update, Emission):
            errors.append((emitted - update.due_ns) / 1e6)

    player = ReplayPlayer(
        events,
        speed=speed,
        start_ms=start_ms,
        duration_ms=duration_ms,
        idle_limit_ms=idle_limit_ms,
        window_ms=window_ms,
    )
    player.run(on_update)
    return errors


def stretches(
    events: Sequence[RecordedEvent], span_ms: int, count: int, speed: float
) -> tuple[list[float], float]:
    errors: list[float] = []
    started = time.perf_counter()
    for start in densest_windows(events, span_ms, count):
        inside = [e for e in events if start <= e.relative_time_ms <= start + span_ms]
        errors += play(inside, speed=speed, start_ms=start, duration_ms=start + span_ms)
    return errors, time.perf_counter() - started


def report(name: str, errors: list[float], seconds: float) -> None:
    magnitudes = [abs(e) for e in errors]
    p50, p95, p99 = (percentile(magnitudes, p) for p in (50, 95, 99))
    print(
        f"{name:<40} n={len(errors):<4} p50 {p50:6.3f}  p95 {p95:6.3f}  p99 {p99:6.3f}  "
        f"max {max(magnitudes):6.3f} ms  ({seconds:.1f} s)"
    )


def main() -> None:
    with largest_transcript_imported() as imported:
        store, replay, events = imported.store, imported.replay, imported.events
        duration = replay.metadata.duration_ms
        print(imported.describe())
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"load average {load} on {os.cpu_count()} CPUs (others' work delays wake-ups)")

        at_1x, seconds_1x = stretches(events, 2500, 3, speed=1)
        report("1x, 3 densest 2.5 s stretches", at_1x, seconds_1x)
        at_16x, seconds_16x = stretches(events, 30_000, 3, speed=16)
        report("16x, 3 densest 30 s stretches", at_16x, seconds_16x)

        idle_ms = 500
        compressed = Timeline(events, duration_ms=duration, idle_limit_ms=idle_ms)
        started = time.perf_counter()
        idle_run = play(
            lambda lo, hi: store.read_events(replay.id, lo, hi),
            speed=16,
            duration_ms=duration,
            idle_limit_ms=idle_ms,
            window_ms=10_000,
        )
        report(
            f"16x idle≤{idle_ms / 1000:g}s, whole replay from store",
            idle_run,
            time.perf_counter() - started,
        )
        print(
            f"  (idle limit: {duration / 1000:.0f} s of replay play in "
            f"{compressed.play_duration_ms / 1000:.0f} s at 1x)"
        )

    for label, errors in (("1x", at_1x), ("16x", at_16x + idle_run)):
        p99 = percentile([abs(e) for e in errors], 99)
        print(
            f"{label}: p99 {p99:.3f} ms over {len(errors)} events "
            f"(target <= {TARGET_P99_MS:g} ms) {verdict(p99 <= TARGET_P99_MS)}"
        )


if __name__ == "__main__":
    main()
