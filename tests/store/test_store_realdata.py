"""The store on real recordings: every shared sample round-trips exactly, windows read right, and
the compression is sane (run with ``-s`` to see the figures)."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest
import zstandard
from store_helpers import make_replay
from store_samples import hook_events, transcript_events, with_relative_times

from vibecast.model import RecordedEvent, encode_event
from vibecast.store.base import Store
from vibecast.store.codec import ChunkCodec
from vibecast.store.postgres import PostgresStore
from vibecast.store.sqlite import SQLiteStore


def _transcripts(shared_data: Path) -> list[Path]:
    found = sorted((shared_data / "claude-code" / "transcripts").glob("*.jsonl"))
    assert len(found) >= 4
    return found


def _vibecraft_events(path: Path) -> list[RecordedEvent]:
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        record.setdefault("recorded_at", record["timestamp"])
        record.setdefault("relative_time_ms", 0)
        events.append(msgspec.convert(record, RecordedEvent))  # Vibecraft's wire names are ours
    return with_relative_times(events)


def _all_samples(shared_data: Path) -> list[tuple[str, list[RecordedEvent], dict[str, bytes]]]:
    samples = []
    cc = shared_data / "claude-code"
    for path in [*_transcripts(shared_data), *sorted((cc / "chat-arrays").glob("*.json"))]:
        events, blobs = transcript_events(path)
        samples.append((path.name, events, blobs))
    for path in sorted((cc / "hook-payloads").rglob("*.json")):
        samples.append((f"{path.parent.name}/{path.name}", hook_events(path), {}))
    vibecraft = shared_data / "vibecraft" / "events.jsonl"
    samples.append((vibecraft.name, _vibecraft_events(vibecraft), {}))
    return samples


def test_every_shared_sample_round_trips(shared_data: Path, any_store: Store) -> None:
    store = any_store
    samples = _all_samples(shared_data)
    for index, (name, events, blobs) in enumerate(samples):
        assert events, name
        replay = make_replay(f"replay-{index:04d}", session_id=f"{name}:{events[0].session_id}")
        store.save_replay(replay, events, blobs)
    for index, (name, events, _) in enumerate(samples):
        replay_id = f"replay-{index:04d}"
        assert store.read_events(replay_id) == events, name
        # A window in the middle reads exactly its events.
        middle = events[len(events) // 2].relative_time_ms
        window = store.read_events(replay_id, middle, middle + 10_000)
        assert window == [e for e in events if middle <= e.relative_time_ms <= middle + 10_000]
    stats = store.stats()
    assert stats.replays == len(samples)
    assert stats.events == sum(len(events) for _, events, _ in samples)


def test_long_real_replay_reads_windows_from_few_chunks(
    shared_data: Path, any_store: SQLiteStore | PostgresStore
) -> None:
    # The largest real session, played five times end to end: a long replay of real events.
    path = max(_transcripts(shared_data), key=lambda p: p.stat().st_size)
    session, _ = transcript_events(path)
    span = session[-1].relative_time_ms + 60_000
    events = [
        msgspec.structs.replace(
            event,
            id=f"{event.id}#{copy}",
            timestamp=event.timestamp + copy * span,
            recorded_at=event.recorded_at + copy * span,
            relative_time_ms=event.relative_time_ms + copy * span,
        )
        for copy in range(5)
        for event in session
    ]
    store = any_store
    store.save_replay(make_replay(), events)
    total_chunks = store.stats().chunks
    assert total_chunks >= 8
    for start in range(0, 5 * span, span // 3):
        store.chunks_read = 0
        window = store.read_events(make_replay().id, start, start + 10_000)
        assert window == [e for e in events if start <= e.relative_time_ms <= start + 10_000]
        assert store.chunks_read <= 2
    assert store.read_events(make_replay().id) == events


@pytest.fixture(scope="module")
def compression_rows(shared_data: Path) -> list[tuple[str, int, int, int, int, int]]:
    """Per transcript: raw bytes, zstd -19 of raw, event JSON lines, their zstd -19, stored."""
    rows = []
    zstd19 = zstandard.ZstdCompressor(level=19)
    for path in _transcripts(shared_data):
        raw = path.read_bytes()
        events, blobs = transcript_events(path)
        lines = b"\n".join(encode_event(e) for e in events)
        store = SQLiteStore(":memory:")
        store.save_replay(make_replay(), events, blobs)
        stored = store.stats().stored_bytes
        store.close()
        rows.append(
            (
                path.name,
                len(raw),
                len(zstd19.compress(raw)),
                len(lines),
                len(zstd19.compress(lines)),
                stored,
            )
        )
    print(
        f"\n{'transcript':42} {'raw':>9} {'zstd-19':>8} {'events':>9} {'ev z19':>8} "
        f"{'stored':>8} {'st/z19':>6}"
    )
    for name, raw_size, raw_z, ev, ev_z, stored in rows:
        print(
            f"{name[:42]:42} {raw_size:9,} {raw_z:8,} {ev:9,} {ev_z:8,} {stored:8,} "
            f"{stored / raw_z:6.3f}"
        )
    totals = [sum(r[i] for r in rows) for i in range(1, 6)]
    print(
        f"{'all':42} {totals[0]:9,} {totals[1]:8,} {totals[2]:9,} {totals[3]:8,} "
        f"{totals[4]:8,} {totals[4] / totals[1]:6.3f}"
    )
    return rows


def test_compression_is_sane_on_real_transcripts(compression_rows) -> None:
    for name, raw_size, raw_z, _events_size, events_z, stored in compression_rows:
        assert stored < raw_size / 6, name
        assert stored < raw_z, name
        # Chunking for seekability costs something against one zstd stream; never much.
        assert stored < events_z * 1.35, name


def test_the_dictionary_pays_off_on_small_sessions(shared_data: Path) -> None:
    smallest = min(_transcripts(shared_data), key=lambda p: p.stat().st_size)
    events, _ = transcript_events(smallest)
    with_dict = sum(len(c.data) for c in ChunkCodec().encode(events))
    without = sum(len(c.data) for c in ChunkCodec(dictionary=b"").encode(events))
    assert with_dict < without * 0.9


def _bodies(codec: ChunkCodec, events: list[RecordedEvent], fast: bool) -> list[bytes]:
    """The uncompressed bodies of a live (``fast``) or full encode of ``events``."""
    chunks = codec.encode(events, fast=fast)
    return [codec._decompressor(c.dict_id).decompress(c.data) for c in chunks]


def test_live_encodes_reuse_prepared_events_and_give_the_same_bytes(shared_data: Path) -> None:
    """A live save encodes the open chunk again at every commit; the codec reuses what it
    prepared for the same (unchanged) event objects. What it writes must be what a fresh encode
    writes: as the chunk grows, when an event is replaced by a changed copy (its row and the next
    one's sticky fields change), and when one has a field reassigned in place."""
    paths = (shared_data / "claude-code" / "transcripts").glob("*.jsonl")
    events, _ = transcript_events(max(paths, key=lambda p: p.stat().st_size))
    events = sorted(with_relative_times(events), key=lambda e: e.relative_time_ms)[:300]
    assert len(events) == 300
    live = ChunkCodec()
    prepared = 0
    prepare = live._prepare

    def counted(event: RecordedEvent) -> object:
        nonlocal prepared
        prepared += 1
        return prepare(event)

    live._prepare = counted  # type: ignore[method-assign]
    ends = range(10, len(events) + 1, 37)
    for end in ends:
        assert _bodies(live, events[:end], True) == _bodies(ChunkCodec(), events[:end], False)
    # Without the cache every encode prepares every event again.
    assert prepared < sum(ends) / 2, (prepared, sum(ends))
    middle = len(events) // 2
    events[middle] = msgspec.structs.replace(events[middle], model="a-different-model", cwd="/x")
    assert _bodies(live, events, True) == _bodies(ChunkCodec(), events, False)
    events[middle + 1].model = "reassigned-in-place"
    events[3].timestamp += 1
    assert _bodies(live, events, True) == _bodies(ChunkCodec(), events, False)
    # Another origin for the same events (a chunk starting elsewhere) lays every row out again.
    assert _bodies(live, events[1:], True) == _bodies(ChunkCodec(), events[1:], False)
