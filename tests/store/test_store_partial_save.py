"""Saves that keep what did not change (live capture saves every 5 s), and saves that refuse to
overwrite a replay someone else saved since it was read (compare-and-swap), on every backend."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from store_helpers import make_event, make_replay

from vibecast.model import RecordedEvent, ReplayStatus
from vibecast.store.base import NEW_REPLAY, ReplayChanged, Store, StoreError
from vibecast.store.codec import BLOB_MIN_BYTES, ChunkCodec
from vibecast.store.postgres import PostgresStore
from vibecast.store.sqlite import SQLiteStore

BIG = "y" * (BLOB_MIN_BYTES + 1)  # stored as a blob


def chunk_rows(store: Store, replay_id: str) -> list[tuple[Any, ...]]:
    """(id, seq, start_ms, end_ms, event_count, data) of the stored chunks, as the rows are."""
    sql = (
        "SELECT id, seq, start_ms, end_ms, event_count, data FROM replay_chunks "
        "WHERE replay_id = {} ORDER BY seq"
    )
    if isinstance(store, SQLiteStore):
        return [tuple(r) for r in store._conn.execute(sql.format("?"), (replay_id,))]
    assert isinstance(store, PostgresStore)
    with store._pool.connection() as conn:
        rows = conn.execute(sql.format("%s"), (replay_id,)).fetchall()
    return [(*r[:5], bytes(r[5])) for r in rows]


def events(count: int, **fields: Any) -> list[RecordedEvent]:
    return [make_event(i, i * 100, **fields) for i in range(count)]


def layout(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [row[1:5] for row in rows]


def test_appending_keeps_the_closed_chunks_and_equals_a_full_save(
    any_small_chunk_store: Store,
) -> None:
    store = any_small_chunk_store
    replay = make_replay()
    first = events(10)
    store.save_replay(replay, first, expected_updated_at=NEW_REPLAY)
    before = chunk_rows(store, replay.id)
    assert [row[4] for row in before] == [4, 4, 2]

    grown = [*first, *(make_event(i, i * 100) for i in range(10, 17))]
    later = msgspec.structs.replace(replay, updated_at=replay.updated_at + 5)
    store.save_replay(later, grown, expected_updated_at=replay.updated_at, unchanged=10, fast=True)
    after = chunk_rows(store, replay.id)
    assert after[:2] == before[:2]  # full chunks: the very rows, untouched
    assert after[2][4] == 4  # the open chunk was written again, with the new events
    assert store.read_events(replay.id) == grown
    assert store.read_events(replay.id, 1000, 1300) == grown[10:14]
    stored = store.get_replay(replay.id)
    assert stored is not None and stored.updated_at == later.updated_at

    # The same chunks (boundaries and times) a save of everything at once writes.
    other = make_replay("22222222-2222-4222-8222-222222222222", session_id="sess-2")
    store.save_replay(other, grown)
    assert layout(chunk_rows(store, other.id)) == layout(after)


def test_a_change_in_the_middle_rewrites_from_its_chunk(any_small_chunk_store: Store) -> None:
    store = any_small_chunk_store
    replay = make_replay()
    original = events(12)
    original[9] = make_event(9, 900, text=BIG)
    store.save_replay(replay, original, expected_updated_at=NEW_REPLAY)
    assert store.stats().blobs == 1
    before = chunk_rows(store, replay.id)

    changed = list(original)
    changed[5] = make_event(5, 500, text="step 5, now with its result")
    changed[9] = make_event(9, 900, text="no longer big")
    later = msgspec.structs.replace(replay, updated_at=replay.updated_at + 1)
    store.save_replay(later, changed, expected_updated_at=replay.updated_at, unchanged=5)
    after = chunk_rows(store, replay.id)
    assert after[0] == before[0]
    assert after[1][5] != before[1][5] and after[2][5] != before[2][5]
    assert store.read_events(replay.id) == changed
    assert store.stats().blobs == 0  # only the rewritten chunk referred to it: collected


def test_a_save_over_a_newer_replay_is_refused_and_writes_nothing(any_store: Store) -> None:
    replay = make_replay()
    first = events(3)
    any_store.save_replay(replay, first, expected_updated_at=NEW_REPLAY)

    with pytest.raises(ReplayChanged):  # it exists now
        any_store.save_replay(replay, events(5), expected_updated_at=NEW_REPLAY)
    stale = msgspec.structs.replace(replay, updated_at=replay.updated_at + 1, title="stale")
    with pytest.raises(ReplayChanged):
        any_store.save_replay(stale, events(5), expected_updated_at=replay.updated_at - 1)
    with pytest.raises(StoreError, match="expected_updated_at"):
        any_store.save_replay(stale, events(5), unchanged=3)
    assert any_store.read_events(replay.id) == first
    assert any_store.get_replay(replay.id) == replay

    any_store.save_replay(stale, events(5), expected_updated_at=replay.updated_at, unchanged=3)
    assert len(any_store.read_events(replay.id)) == 5


def test_edits_always_move_updated_at_forward(any_store: Store) -> None:
    """A rename or a share in the same millisecond as a save must still change ``updated_at``:
    it is what a compare-and-swap compares."""
    far_future = make_replay(updated_at=2**50)
    any_store.save_replay(far_future, events(2))
    renamed = any_store.update_replay(far_future.id, title="renamed")
    assert renamed.updated_at == 2**50 + 1
    any_store.set_share(far_future.id, "a" * 64, 2**51)
    shared = any_store.get_replay(far_future.id)
    assert shared is not None and shared.updated_at == 2**50 + 2


def test_the_live_level_is_faster_and_reads_back_the_same() -> None:
    codec = ChunkCodec()
    batch = events(300)
    full = list(codec.encode(batch))
    fast = list(codec.encode(batch, first_seq=7, fast=True))
    assert [c.seq for c in fast] == [7, 8]
    assert [c.data for c in fast] != [c.data for c in full]
    decoded = [e for c in fast for e in codec.decode_chunk(c.data, c.dict_id, lambda keys: {})]
    assert decoded == batch


def _level_of(codec: ChunkCodec, data: bytes) -> str:
    """Which of the codec's live compressors wrote ``data`` (compressing is deterministic)."""
    raw = codec._decompressor(codec.dict_id).decompress(data)
    if codec._open_compressor.compress(raw) == data:
        return "open"
    if codec._live_compressor.compress(raw) == data:
        return "live"
    return "other"


def test_a_recording_replays_open_chunk_is_compressed_cheaply_until_it_closes(
    any_small_chunk_store: Store,
) -> None:
    """While a replay is recording, its last chunk (rewritten at the next commit) is compressed
    at the open-chunk level; once it is not the last, or the recording ends, at the live level.
    Either way it reads back the same."""
    store = any_small_chunk_store
    codec = store.codec
    assert codec.open_level != codec.live_level
    recording = make_replay(status=ReplayStatus.RECORDING)
    first = [make_event(i, i * 100, text=f"event {i} " * 40) for i in range(6)]
    store.save_replay(recording, first, expected_updated_at=NEW_REPLAY, fast=True)
    rows = chunk_rows(store, recording.id)
    assert [row[4] for row in rows] == [4, 2]
    assert [_level_of(codec, row[5]) for row in rows] == ["live", "open"]

    grown = [*first, *(make_event(i, i * 100, text=f"event {i} " * 40) for i in range(6, 9))]
    later = msgspec.structs.replace(recording, updated_at=recording.updated_at + 5)
    store.save_replay(
        later, grown, expected_updated_at=recording.updated_at, unchanged=6, fast=True
    )
    rows = chunk_rows(store, recording.id)
    assert [row[4] for row in rows] == [4, 4, 1]
    assert [_level_of(codec, row[5]) for row in rows] == ["live", "live", "open"]
    assert store.read_events(recording.id) == grown

    ended = [*grown, make_event(9, 900, type="SessionEnd")]
    done = msgspec.structs.replace(
        later, status=ReplayStatus.COMPLETE, updated_at=later.updated_at + 5
    )
    store.save_replay(done, ended, expected_updated_at=later.updated_at, unchanged=9, fast=True)
    rows = chunk_rows(store, recording.id)
    assert [_level_of(codec, row[5]) for row in rows] == ["live", "live", "live"]
    assert store.read_events(recording.id) == ended
