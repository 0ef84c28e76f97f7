"""Store calls behind the API's busiest endpoints, on SQLite and on PostgreSQL (with row-level
security on: every call is made as a user through ``store.acting_as``).

Builds, on each backend, 1,000 small replays for one user plus one replay of 10,000+ real events
(the largest shared transcript, repeated end to end), then times, as that user:
list (a page of 50), count, list filtered by prompt text and by tool, get one replay, and a 10 s
window of the long replay. Prints p50/p99 latency and calls/s from one thread, and calls/s of
window reads from 4 threads. This is the storage share of the API's targets (p99 <= 50 ms,
>= 500 requests/s): the store must leave most of that budget to HTTP.

    python benchmarks/store_server.py            # both backends (PostgreSQL at 127.0.0.1:5432)
    VIBECAST_BENCH_POSTGRES_URL=postgresql://postgres@host:5432/postgres python ...
"""

from __future__ import annotations

import os
import random
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import msgspec

from _common import largest_transcript_imported, percentile
from vibecast.model import RecordedEvent, Replay, ReplayMetadata
from vibecast.store import open_store
from vibecast.store.base import ReplayFilter, Store

ADMIN_URL = os.environ.get(
    "VIBECAST_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
USER = "bench-user-0000-4000-8000-000000000001"
SMALL_REPLAYS = 1_000
LONG_EVENTS = 10_000
CALLS = 300
WINDOW_MS = 10_000


def long_session(events: list[RecordedEvent]) -> list[RecordedEvent]:
    """The real session repeated end to end until it holds LONG_EVENTS events or more."""
    span = events[-1].relative_time_ms + 60_000
    copies = -(-LONG_EVENTS // len(events))
    return [
        msgspec.structs.replace(
            event,
            id=f"{event.id}#{copy}",
            timestamp=event.timestamp + copy * span,
            recorded_at=event.recorded_at + copy * span,
            relative_time_ms=event.relative_time_ms + copy * span,
        )
        for copy in range(copies)
        for event in events
    ]


def small_session(n: int, base: RecordedEvent) -> tuple[Replay, list[RecordedEvent]]:
    session = f"bench-session-{n}"
    tool = ("Bash", "Read", "Edit", "Grep")[n % 4]
    events = [
        msgspec.structs.replace(
            base,
            id=f"{session}:{i}",
            session_id=session,
            type="user_prompt_submit" if i == 0 else "pre_tool_use",
            prompt=f"task {n}: make the {('parser', 'cache', 'cli')[n % 3]} faster"
            if i == 0
            else None,
            tool=None if i == 0 else tool,
            timestamp=base.timestamp + n * 3_600_000 + i * 1000,
            recorded_at=base.timestamp + n * 3_600_000 + i * 1000,
            relative_time_ms=i * 1000,
        )
        for i in range(20)
    ]
    metadata = ReplayMetadata(
        event_count=20, tool_breakdown={tool: 19}, files_touched=[f"/src/m{n}.py"]
    )
    replay = Replay(
        id=f"00000000-0000-4000-8000-{n:012d}",
        session_id=session,
        user_id=USER,
        title=f"Session {n}",
        metadata=metadata,
    )
    return replay, events


def fill(store: Store, long_events: list[RecordedEvent]) -> str:
    for n in range(SMALL_REPLAYS):
        replay, events = small_session(n, long_events[0])
        store.save_replay(replay, events)
    long_replay = Replay(
        id="11111111-0000-4000-8000-000000000000",
        session_id="bench-long",
        user_id=USER,
        title="The long one",
        metadata=ReplayMetadata(event_count=len(long_events)),
    )
    store.save_replay(long_replay, long_events)
    return long_replay.id


def timed(call: Callable[[], object], count: int = CALLS) -> list[float]:
    call()  # warm: prepared statements, caches
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def report(name: str, timings: list[float]) -> None:
    rate = 1000 * len(timings) / sum(timings)
    print(
        f"  {name:28} p50 {percentile(timings, 50):6.2f} ms   p99 {percentile(timings, 99):6.2f} ms"
        f"   {rate:7.0f} calls/s"
    )


def bench(store: Store, long_id: str, duration_ms: int) -> None:
    user = store.acting_as(USER)
    rng = random.Random(7)

    def window() -> object:
        start = rng.randrange(0, max(1, duration_ms - WINDOW_MS))
        return user.read_events(long_id, start, start + WINDOW_MS)

    report("list (page of 50)", timed(lambda: user.list_replays(USER, limit=50)))
    report("count", timed(lambda: user.count_replays(USER)))
    report(
        "list, text 'cache'",
        timed(lambda: user.list_replays(USER, filters=ReplayFilter(text="cache"))),
    )
    report(
        "list, tool Grep", timed(lambda: user.list_replays(USER, filters=ReplayFilter(tool="grep")))
    )
    report("get replay", timed(lambda: user.get_replay(long_id)))
    report("10 s window (long replay)", timed(window))
    threads = 4
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda _: window(), range(CALLS * 2)))
    rate = CALLS * 2 / (time.perf_counter() - started)
    print(f"  {'10 s window, 4 threads':28} {rate:7.0f} calls/s")


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="vibecast-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


@contextmanager
def postgres_url() -> Iterator[str | None]:
    try:
        import psycopg
    except ImportError:
        yield None
        return
    name = f"vibecast_bench_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        print(f"PostgreSQL: not reachable at {ADMIN_URL} ({str(exc).strip().splitlines()[0]})")
        yield None
        return
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def main() -> None:
    with largest_transcript_imported() as imported:
        long_events = long_session(imported.events)
    duration = long_events[-1].relative_time_ms
    print(
        f"{SMALL_REPLAYS} small replays + 1 replay of {len(long_events):,} events "
        f"({duration / 60_000:.0f} min); {CALLS} calls each, acting as the replays' owner"
    )
    for backend, make_url in (("SQLite", sqlite_url), ("PostgreSQL", postgres_url)):
        with make_url() as url:
            if url is None:
                continue
            store = open_store(url)
            try:
                started = time.perf_counter()
                long_id = fill(store, long_events)
                print(f"{backend}: filled in {time.perf_counter() - started:.1f} s")
                bench(store, long_id, duration)
            finally:
                store.close()


if __name__ == "__main__":
    main()
