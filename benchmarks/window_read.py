"""Latency of reading a 10 s window of events from the store.

Target (issue 2): any 10 s window of the largest replay in <= 10 ms. Reads windows starting at
every second of the largest shared transcript's replay, through a fresh store connection (so the
first read pays for opening and loading the dictionary), and prints p50/p99/max. To show that a
window read touches only the chunks it needs, it then builds a replay 20x as long from the same
real events (shifted in time) and compares: the ratio of p50s should stay near 1, not near 20.

    python benchmarks/window_read.py
"""

from __future__ import annotations

import time

import msgspec

from _common import largest_transcript_imported, percentile, verdict
from vibecast.store import open_store

TARGET_MS = 10.0
WINDOW_MS = 10_000


def measure(database_url: str, replay_id: str, duration_ms: int) -> tuple[list[float], float]:
    store = open_store(database_url)
    try:
        started = time.perf_counter()
        store.read_events(replay_id, 0, WINDOW_MS)
        first = (time.perf_counter() - started) * 1000
        timings = []
        step = max(1000, duration_ms // 2000)
        for start in range(0, max(1, duration_ms), step):
            t0 = time.perf_counter()
            store.read_events(replay_id, start, start + WINDOW_MS)
            timings.append((time.perf_counter() - t0) * 1000)
        return timings, first
    finally:
        store.close()


def main() -> None:
    with largest_transcript_imported() as imported:
        store, replay, events = imported.store, imported.replay, imported.events
        database_url = imported.settings.database_url
        duration = replay.metadata.duration_ms
        timings, first = measure(database_url, replay.id, duration)
        p50, p99 = percentile(timings, 50), percentile(timings, 99)
        print(imported.describe())
        print(f"10 s windows: {len(timings)}, first read (cold) {first:.2f} ms")
        print(
            f"p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {max(timings):.3f} ms "
            f"(target p99 <= {TARGET_MS:.0f} ms) {verdict(p99 <= TARGET_MS)}"
        )

        # The same real events, repeated 20 times end to end: a replay 20x as long.
        copies = 20
        span = duration + 60_000
        long_events = [
            msgspec.structs.replace(
                e,
                id=f"{e.id}#{i}",
                timestamp=e.timestamp + i * span,
                recorded_at=e.recorded_at + i * span,
                relative_time_ms=e.relative_time_ms + i * span,
            )
            for i in range(copies)
            for e in events
        ]
        long_replay = msgspec.structs.replace(
            replay, id="00000000-0000-4000-8000-000000000020", session_id="bench-long"
        )
        store.save_replay(long_replay, long_events)
        long_timings, _ = measure(database_url, long_replay.id, copies * span)
        long_p50 = percentile(long_timings, 50)
        print(
            f"20x longer replay ({len(long_events)} events): p50 {long_p50:.3f} ms, "
            f"p99 {percentile(long_timings, 99):.3f} ms; p50 ratio long/short "
            f"{long_p50 / p50:.2f} (near 1 = only the needed chunks are read)"
        )


if __name__ == "__main__":
    main()
