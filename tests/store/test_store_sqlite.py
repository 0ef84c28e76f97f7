"""SQLiteStore: round trips, window reads that touch only the chunks they need, atomic saves,
blob dedup and garbage collection, replay lookup, import records and accounting."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import BASE_TS, make_event, make_replay
from store_strategies import events_strategy

from vibecast.model import Attachment, RecordedEvent, ReplayMetadata
from vibecast.store.base import (
    AmbiguousReplayId,
    ImportSource,
    ReplayFilter,
    ReplayNotFound,
    StoreError,
)
from vibecast.store.codec import BLOB_MIN_BYTES, ChunkCodec, blob_key
from vibecast.store.sqlite import SQLiteStore

REPLAY_A = "aaaa1111-0000-4000-8000-000000000001"
REPLAY_B = "aaaa2222-0000-4000-8000-000000000002"
REPLAY_C = "bbbb3333-0000-4000-8000-000000000003"


def timeline(count: int, step_ms: int = 1000, session: str = "sess-1") -> list[RecordedEvent]:
    return [make_event(i, i * step_ms, session=session) for i in range(count)]


def count(conn: sqlite3.Connection, sql: str, *params: object) -> int:
    return conn.execute(sql, params).fetchone()[0]


# -- round trips --------------------------------------------------------------------------------
def test_save_and_read_back(store: SQLiteStore) -> None:
    events = timeline(10)
    replay = make_replay(
        REPLAY_A, title="Fix the build", metadata=ReplayMetadata(duration_ms=9000, event_count=10)
    )
    store.save_replay(replay, events)
    assert store.get_replay(REPLAY_A) == replay
    assert store.read_events(REPLAY_A) == events
    assert store.find_replay_by_session("sess-1") == replay
    assert store.find_replay_by_session("sess-1", user_id="someone-else") is None
    assert store.get_replay("nope") is None
    assert store.read_events("nope") == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=events_strategy(max_events=10), low=st.integers(0, 600_000))
def test_arbitrary_events_round_trip_through_the_database(
    events: list[RecordedEvent], low: int
) -> None:
    events.sort(key=lambda event: event.relative_time_ms)
    with SQLiteStore(":memory:", codec=ChunkCodec(chunk_max_events=3)) as store:
        store.save_replay(make_replay(REPLAY_A), events)
        assert store.read_events(REPLAY_A) == events
        high = low + 200_000
        window = [e for e in events if low <= e.relative_time_ms <= high]
        assert store.read_events(REPLAY_A, low, high) == window


def test_data_survives_reopening_the_file(db_path: Path) -> None:
    events = timeline(5)
    with SQLiteStore(db_path) as first:
        first.save_replay(make_replay(REPLAY_A), events)
    with SQLiteStore(db_path) as second:
        assert second.read_events(REPLAY_A) == events


def test_connection_settings(store: SQLiteStore, raw_db: sqlite3.Connection) -> None:
    assert count(raw_db, "PRAGMA journal_mode") == "wal"
    conn = store._conn  # the store's own connection carries the per-connection settings
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_saving_again_replaces_events_and_keeps_created_at(store: SQLiteStore) -> None:
    store.save_replay(make_replay(REPLAY_A), timeline(300))
    newer = make_replay(REPLAY_A, title="again", created_at=0, updated_at=0)
    store.save_replay(newer, timeline(3))
    assert store.read_events(REPLAY_A) == timeline(3)
    saved = store.get_replay(REPLAY_A)
    assert saved is not None
    assert saved.title == "again"
    assert saved.created_at == BASE_TS  # kept from the first save
    assert saved.updated_at > BASE_TS
    assert store.stats().chunks == 1


def test_a_replay_without_events(store: SQLiteStore) -> None:
    replay = make_replay(REPLAY_A, metadata=ReplayMetadata(recorded_date="2025-09-03T00:52:31Z"))
    store.save_replay(replay, [])
    assert store.get_replay(REPLAY_A) == replay
    assert store.read_events(REPLAY_A) == []
    assert store.stats().chunks == 0


def test_unsorted_events_are_stored_sorted(store: SQLiteStore) -> None:
    events = timeline(6)
    store.save_replay(make_replay(REPLAY_A), list(reversed(events)))
    assert store.read_events(REPLAY_A) == events


def test_a_session_keeps_one_replay(store: SQLiteStore) -> None:
    store.save_replay(make_replay(REPLAY_A), timeline(2))
    with pytest.raises(StoreError, match=f"already has replay {REPLAY_A}"):
        store.save_replay(make_replay(REPLAY_B), timeline(2))
    # Another user may have the same session id.
    store.save_replay(make_replay(REPLAY_B, user_id="alice"), timeline(2))


def test_save_keeps_share_token_and_annotations(store: SQLiteStore, raw_db: sqlite3.Connection):
    store.save_replay(make_replay(REPLAY_A), timeline(2))
    store.set_share(REPLAY_A, "tok", BASE_TS * 2)
    raw_db.execute(
        "INSERT INTO replay_annotations (id, replay_id, user_id, timestamp_ms, text, created_at) "
        "VALUES ('n1', ?, 'local', 500, 'look here', 0)",
        (REPLAY_A,),
    )
    store.save_replay(make_replay(REPLAY_A, is_public=True), timeline(4))
    assert count(raw_db, "SELECT count(*) FROM replays WHERE share_token = 'tok'") == 1
    assert count(raw_db, "SELECT count(*) FROM replay_annotations") == 1
    # Saved as private (what a re-import of an unshared or expired replay does): the link goes.
    store.save_replay(make_replay(REPLAY_A), timeline(4))
    assert count(raw_db, "SELECT count(*) FROM replays WHERE share_token IS NOT NULL") == 0
    assert store.delete_replay(REPLAY_A)
    assert count(raw_db, "SELECT count(*) FROM replay_annotations") == 0


# -- window reads -------------------------------------------------------------------------------
@pytest.fixture
def long_replay(small_chunk_store: SQLiteStore) -> list[RecordedEvent]:
    """50 events, several sharing a millisecond, in chunks of 4 (13 chunks)."""
    times = sorted([i * 1000 for i in range(40)] + [7000, 7000, 8000, 12000] + [39000] * 6)
    events = [make_event(i, t) for i, t in enumerate(times)]
    small_chunk_store.save_replay(make_replay(REPLAY_A), events)
    return events


def overlapping_chunks(store: SQLiteStore, low: int, high: int) -> int:
    return store._conn.execute(
        "SELECT count(*) FROM replay_chunks WHERE replay_id = ? AND start_ms <= ? AND end_ms >= ?",
        (REPLAY_A, high, low),
    ).fetchone()[0]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(low=st.integers(-2000, 42000), length=st.integers(0, 15000))
def test_window_reads_return_exactly_the_window_and_touch_only_its_chunks(
    small_chunk_store: SQLiteStore, long_replay: list[RecordedEvent], low: int, length: int
) -> None:
    high = low + length
    before = small_chunk_store.chunks_read
    got = small_chunk_store.read_events(REPLAY_A, low, high)
    assert got == [e for e in long_replay if low <= e.relative_time_ms <= high]
    assert small_chunk_store.chunks_read - before == overlapping_chunks(
        small_chunk_store, low, high
    )


def test_window_read_counts(small_chunk_store: SQLiteStore, long_replay: list[RecordedEvent]):
    store = small_chunk_store
    assert store.stats().chunks == 13
    store.chunks_read = 0
    assert [e.relative_time_ms for e in store.read_events(REPLAY_A, 20_000, 20_500)] == [20_000]
    assert store.chunks_read == 1
    store.chunks_read = 0
    assert store.read_events(REPLAY_A, 19_100, 19_900) == []
    assert store.chunks_read == 0  # falls between two chunks: nothing to decompress
    store.chunks_read = 0
    assert len(store.read_events(REPLAY_A, 7000, 7000)) == 3
    assert store.chunks_read == 2  # the three events at 7 s straddle two chunks
    store.chunks_read = 0
    assert len(store.read_events(REPLAY_A, 39_000, None)) == 7
    assert store.chunks_read == 3  # the seven events at 39 s span three chunks
    store.chunks_read = 0
    assert store.read_events(REPLAY_A) == long_replay
    assert store.chunks_read == 13
    assert store.read_events(REPLAY_A, 5000, 4000) == []


# -- atomicity ----------------------------------------------------------------------------------
def test_failure_mid_save_leaves_the_previous_replay_intact(
    small_chunk_store: SQLiteStore, raw_db: sqlite3.Connection
) -> None:
    store = small_chunk_store
    shared = "previous payload\n" * 400
    old_events = [make_event(i, i * 10, text=shared if i == 0 else None) for i in range(6)]
    old_replay = make_replay(REPLAY_A, title="old")
    store.save_replay(old_replay, old_events)
    before = {
        table: count(raw_db, f"SELECT count(*) FROM {table}")
        for table in ("replays", "replay_chunks", "blobs", "chunk_blob_refs")
    }
    # A real database failure on the third chunk of the new version (as a full disk would).
    raw_db.execute(
        "CREATE TRIGGER fail_third_chunk BEFORE INSERT ON replay_chunks WHEN NEW.seq = 2 "
        "BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END"
    )
    new_events = [make_event(i, i * 5, text=f"new {i} " + "n" * BLOB_MIN_BYTES) for i in range(12)]
    with pytest.raises(StoreError, match="simulated disk failure"):
        store.save_replay(make_replay(REPLAY_A, title="new"), new_events)
    assert store.get_replay(REPLAY_A) == old_replay
    assert store.read_events(REPLAY_A) == old_events
    after = {table: count(raw_db, f"SELECT count(*) FROM {table}") for table in before}
    assert after == before  # not one new blob or chunk left behind

    raw_db.execute("DROP TRIGGER fail_third_chunk")
    store.save_replay(make_replay(REPLAY_A, title="new"), new_events)
    assert store.read_events(REPLAY_A) == new_events


def test_unstorable_event_leaves_the_previous_replay_intact(store: SQLiteStore) -> None:
    store.save_replay(make_replay(REPLAY_A), timeline(3))
    bad = [*timeline(3), make_event(9, 9000, tool_input={"socket": object()})]
    with pytest.raises(StoreError, match="cannot be stored"):
        store.save_replay(make_replay(REPLAY_A, title="broken"), bad)
    assert store.read_events(REPLAY_A) == timeline(3)
    assert store.get_replay(REPLAY_A) == make_replay(REPLAY_A)


# -- blobs --------------------------------------------------------------------------------------
BIG = "x = compute(y)  # a long file, read again and again\n" * 200


def test_large_strings_are_stored_once_across_replays(raw_db: sqlite3.Connection, db_path: Path):
    store = SQLiteStore(db_path)
    first = [make_event(0, 0, tool_response={"content": BIG}), make_event(1, 10, text=BIG)]
    second = [make_event(0, 0, session="sess-2", tool_input={"content": BIG})]
    store.save_replay(make_replay(REPLAY_A), first)
    store.save_replay(make_replay(REPLAY_B, session_id="sess-2"), second)
    assert count(raw_db, "SELECT count(*) FROM blobs") == 1
    assert count(raw_db, "SELECT count(*) FROM chunk_blob_refs") == 2
    stored = raw_db.execute("SELECT size, length(data) FROM blobs").fetchone()
    assert stored[0] == len(BIG) and stored[1] < len(BIG) // 10
    assert store.get_blob(blob_key(BIG.encode())) == BIG.encode()
    assert store.read_events(REPLAY_A) == first
    assert store.read_events(REPLAY_B) == second

    assert store.delete_replay(REPLAY_A)
    assert count(raw_db, "SELECT count(*) FROM blobs") == 1  # still needed by B
    assert store.read_events(REPLAY_B) == second
    assert store.delete_replay(REPLAY_B)
    assert count(raw_db, "SELECT count(*) FROM blobs") == 0  # nobody needs it: collected
    assert not store.delete_replay(REPLAY_B)
    store.close()


def test_deleting_gives_the_space_back(store: SQLiteStore, raw_db: sqlite3.Connection) -> None:
    rng = random.Random(7)
    noise = [make_event(i, i, text=rng.randbytes(6000).hex()) for i in range(100)]  # ~600 KB
    store.save_replay(make_replay(REPLAY_A), noise)
    pages = count(raw_db, "PRAGMA page_count")
    store.delete_replay(REPLAY_A)
    assert count(raw_db, "PRAGMA freelist_count") == 0
    assert count(raw_db, "PRAGMA page_count") < pages


def test_replacing_a_replay_collects_blobs_it_no_longer_needs(
    store: SQLiteStore, raw_db: sqlite3.Connection
) -> None:
    store.save_replay(make_replay(REPLAY_A), [make_event(0, 0, text=BIG)])
    assert count(raw_db, "SELECT count(*) FROM blobs") == 1
    store.save_replay(make_replay(REPLAY_A), [make_event(0, 0, text="short now")])
    assert count(raw_db, "SELECT count(*) FROM blobs") == 0
    # Saving the same content again keeps the blob (no delete-then-reinsert churn).
    store.save_replay(make_replay(REPLAY_A), [make_event(0, 0, text=BIG)])
    store.save_replay(make_replay(REPLAY_A), [make_event(0, 0, text=BIG)])
    assert count(raw_db, "SELECT count(*) FROM blobs") == 1


def test_images_are_stored_as_blobs(store: SQLiteStore, raw_db: sqlite3.Connection) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    key = blob_key(png)
    wrong_key = "f" * 64
    absent_key = "e" * 64
    events = [
        make_event(0, 0, attachments=[Attachment(kind="image", blob=key, size=len(png))]),
        make_event(1, 5, attachments=[Attachment(kind="image", blob=wrong_key)]),
        make_event(2, 9, attachments=[Attachment(kind="image", blob=absent_key)]),
    ]
    unused = b"nobody refers to me"
    store.save_replay(
        make_replay(REPLAY_A),
        events,
        blobs={key: png, wrong_key: b"not what the key says", blob_key(unused): unused},
    )
    assert store.get_blob(key) == png
    assert store.get_blob(wrong_key) is None  # content does not match its address: refused
    assert store.get_blob(absent_key) is None  # never given: the event is kept all the same
    assert store.get_blob(blob_key(unused)) is None
    assert store.read_events(REPLAY_A) == events
    assert store.delete_replay(REPLAY_A)
    assert count(raw_db, "SELECT count(*) FROM blobs") == 0


def test_many_blobs_in_one_chunk(store: SQLiteStore, raw_db: sqlite3.Connection) -> None:
    images = {blob_key(f"image {i}".encode()): f"image {i}".encode() for i in range(1200)}
    attachments = [Attachment(kind="image", blob=key) for key in images]
    event = make_event(0, 0, attachments=attachments)
    store.save_replay(make_replay(REPLAY_A), [event], blobs=images)
    assert count(raw_db, "SELECT count(*) FROM chunk_blob_refs") == 1200
    assert store.read_events(REPLAY_A) == [event]
    assert all(store.get_blob(key) == data for key, data in list(images.items())[::97])


# -- lookup -------------------------------------------------------------------------------------
@pytest.fixture
def three_replays(store: SQLiteStore) -> SQLiteStore:
    store.save_replay(make_replay(REPLAY_A, session_id="5c0375b4-57a5"), timeline(1))
    store.save_replay(make_replay(REPLAY_B, session_id="fe5e1c67-53e7"), timeline(1))
    store.save_replay(make_replay(REPLAY_C, session_id="fe5e9999-0000"), timeline(1))
    return store


def test_resolve_by_id_prefix_and_session(three_replays: SQLiteStore) -> None:
    store = three_replays
    assert store.resolve_replay(REPLAY_A).id == REPLAY_A
    assert store.resolve_replay("aaaa1").id == REPLAY_A
    assert store.resolve_replay("bbbb").id == REPLAY_C
    assert store.resolve_replay("5c0375b4-57a5").id == REPLAY_A  # full session id
    assert store.resolve_replay("5c03").id == REPLAY_A  # session id prefix
    assert store.resolve_replay("fe5e1").id == REPLAY_B
    assert store.resolve_replay(f"  {REPLAY_B}  ").id == REPLAY_B


def test_resolve_reports_ambiguity_and_absence(three_replays: SQLiteStore) -> None:
    store = three_replays
    with pytest.raises(AmbiguousReplayId, match="matches several replays") as info:
        store.resolve_replay("aaaa")
    assert REPLAY_A in str(info.value) and REPLAY_B in str(info.value)
    with pytest.raises(AmbiguousReplayId, match="fe5e"):
        store.resolve_replay("fe5e")
    with pytest.raises(ReplayNotFound, match="no replay matches 'zzz'"):
        store.resolve_replay("zzz")
    with pytest.raises(ReplayNotFound):
        store.resolve_replay("AAAA1")  # ids are matched exactly, case included
    with pytest.raises(ReplayNotFound):
        store.resolve_replay("")
    with pytest.raises(ReplayNotFound):
        store.resolve_replay("aaaa1", user_id="alice")  # other users' replays are not yours


def test_resolve_does_not_treat_like_wildcards_specially(three_replays: SQLiteStore) -> None:
    with pytest.raises(ReplayNotFound):
        three_replays.resolve_replay("%")
    with pytest.raises(ReplayNotFound):
        three_replays.resolve_replay("aaaa_")


def test_list_newest_first_by_recording_date(store: SQLiteStore) -> None:
    old = [make_event(0, 0, session="old")]
    new = [make_event(0, 0, session="new")]
    new[0].timestamp = new[0].recorded_at = BASE_TS + 86_400_000
    store.save_replay(make_replay(REPLAY_A, session_id="old"), old)
    store.save_replay(make_replay(REPLAY_B, session_id="new"), new)
    store.save_replay(make_replay(REPLAY_C, session_id="theirs", user_id="alice"), old)
    assert [r.id for r in store.list_replays()] == [REPLAY_B, REPLAY_A]
    assert [r.id for r in store.list_replays(limit=1, offset=1)] == [REPLAY_A]
    assert [r.id for r in store.list_replays(user_id="alice")] == [REPLAY_C]
    assert {r.id for r in store.list_replays(user_id=None)} == {REPLAY_A, REPLAY_B, REPLAY_C}


# -- imports and stats --------------------------------------------------------------------------
def test_import_sources_round_trip(store: SQLiteStore) -> None:
    assert store.get_import_source("/x.jsonl", "local") is None
    source = ImportSource(
        user_id="local", path="/x.jsonl", size=10, mtime_ns=5, fingerprint="ab", replay_ids=["r"]
    )
    store.record_import_source(source)
    assert store.get_import_source("/x.jsonl", "local") == source
    changed = ImportSource(
        user_id="local", path="/x.jsonl", size=20, mtime_ns=6, fingerprint="cd", replay_ids=[]
    )
    store.record_import_source(changed)
    assert store.get_import_source("/x.jsonl", "local") == changed


def test_stats(store: SQLiteStore, raw_db: sqlite3.Connection) -> None:
    assert store.stats().stored_bytes == 0
    store.save_replay(make_replay(REPLAY_A), [*timeline(300), make_event(300, 400_000, text=BIG)])
    for path, size in (("/a", 1000), ("/b", 234)):
        store.record_import_source(
            ImportSource(
                user_id="local",
                path=path,
                size=size,
                mtime_ns=1,
                fingerprint=f"f{size}",
                replay_ids=[REPLAY_A],
            )
        )
    stats = store.stats()
    chunk_bytes = count(raw_db, "SELECT sum(length(data)) FROM replay_chunks")
    blob_bytes = count(raw_db, "SELECT sum(length(data)) FROM blobs")
    assert (stats.replays, stats.events, stats.chunks, stats.blobs) == (1, 301, 2, 1)
    assert stats.stored_bytes == chunk_bytes + blob_bytes
    assert stats.raw_bytes_imported == 1234


def test_closed_store_raises_store_error(db_path: Path) -> None:
    store = SQLiteStore(db_path)
    store.close()
    with pytest.raises(StoreError):
        store.list_replays()


def test_a_second_process_sees_committed_replays_only(db_path: Path) -> None:
    writer = SQLiteStore(db_path, codec=ChunkCodec(chunk_max_events=2))
    reader = SQLiteStore(db_path)
    writer.save_replay(make_replay(REPLAY_A), timeline(7))
    assert reader.read_events(REPLAY_A) == timeline(7)
    writer.close()
    reader.close()


# -- search rows --------------------------------------------------------------------------------
def _prompted(session: str) -> list[RecordedEvent]:
    return [
        make_event(0, 0, session=session, type="user_prompt_submit", prompt="find the needle"),
        make_event(1, 10, session=session, type="pre_tool_use", tool="Grep"),
    ]


def test_replays_saved_before_the_search_tables_are_indexed_on_open(db_path: Path) -> None:
    with SQLiteStore(db_path) as store:
        store.save_replay(make_replay(REPLAY_A), _prompted("sess-1"))
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("DELETE FROM replay_search")  # as a database from before migration 0002 is
    conn.execute("DELETE FROM replay_tools")
    conn.close()
    with SQLiteStore(db_path) as store:
        assert [r.id for r in store.list_replays(filters=ReplayFilter(text="needle"))] == [REPLAY_A]


def test_text_search_is_an_index_lookup(store: SQLiteStore) -> None:
    store.save_replay(make_replay(REPLAY_A), _prompted("sess-1"))
    plan = " ".join(
        str(row)
        for row in store._conn.execute(
            "EXPLAIN QUERY PLAN SELECT rowid FROM replay_search_fts "
            "WHERE replay_search_fts MATCH '{title prompts} : \"needle\"'"
        )
    )
    assert "VIRTUAL TABLE INDEX" in plan
    assert [r.id for r in store.list_replays(filters=ReplayFilter(text="NEEDLE"))] == [REPLAY_A]
    store.delete_replay(REPLAY_A)  # the index entry goes with the replay
    stale = store._conn.execute(
        "SELECT rowid FROM replay_search_fts WHERE replay_search_fts MATCH '\"needle\"'"
    ).fetchall()
    assert stale == []
