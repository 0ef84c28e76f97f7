"""Log segments: records come back whole and in order, however the bytes are cut; a writer
killed mid-append costs only its own record; a segment is never deleted under a writer."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from vibecast.capture.segments import SegmentReader
from vibecast.capture.spool import SpoolWriter, list_spool
from vibecast.capture.spool_log import (
    HEADER,
    SEAL_GRACE_US,
    WINDOW_US,
    LogRecord,
    Torn,
    append_record,
    encode_record,
    parse_records,
    parse_segment_name,
    segment_name,
)

T0 = 1_767_000_000_000_000


def _records(items: list) -> list[LogRecord]:
    return [item for item in items if isinstance(item, LogRecord)]


def test_segment_names_follow_the_window() -> None:
    assert segment_name(T0) == "seg-1767000000.log"
    assert segment_name(T0 + WINDOW_US - 1) == "seg-1767000000.log"
    assert segment_name(T0 + WINDOW_US) == "seg-1767000010.log"
    assert parse_segment_name("seg-1767000010.log") == T0 + WINDOW_US
    assert parse_segment_name("seg-17670.log") is None
    assert parse_segment_name("1767000000000000-1.hook") is None


def test_round_trip_with_offsets() -> None:
    one = encode_record("hook", T0, b'{"a": 1}', pid=7)
    two = encode_record("vibecraft", T0 + 1, b'{"b": 2}', pid=8)
    items, consumed = parse_records(one + two, base=100)
    assert consumed == 100 + len(one) + len(two)
    first, second = _records(items)
    assert (first.offset, first.end, first.arrival_us, first.pid, first.kind) == (
        100,
        100 + len(one),
        T0,
        7,
        "hook",
    )
    assert first.payload == b'{"a": 1}' and second.payload == b'{"b": 2}'
    assert second.kind == "vibecraft" and second.offset == first.end


def test_an_unfinished_record_waits_until_sealed() -> None:
    whole = encode_record("hook", T0, b'{"prompt": "hello"}')
    for cut in (1, 3, HEADER - 1, HEADER, len(whole) - 1):
        items, consumed = parse_records(whole[:cut])
        assert items == [] and consumed == 0, cut
        items, consumed = parse_records(whole[:cut], sealed=True)
        assert items == [Torn(0, cut)] and consumed == cut


def test_a_torn_record_costs_only_itself() -> None:
    before = encode_record("hook", T0, b'{"n": 1}')
    torn = encode_record("hook", T0 + 1, b'{"n": 2, "long": "' + b"x" * 5000 + b'"}')[:700]
    after = encode_record("hook", T0 + 2, b'{"n": 3}')
    items, consumed = parse_records(before + torn + after)  # not sealed: a record follows
    assert [r.payload for r in _records(items)] == [b'{"n": 1}', b'{"n": 3}']
    assert Torn(len(before), len(before) + len(torn)) in items
    assert consumed == len(before) + len(torn) + len(after)


def test_garbage_is_skipped() -> None:
    good = encode_record("hook", T0, b"{}")
    items, _ = parse_records(b"not a record" + good + b"\xffVC1 junk junk junk junk junk" + good)
    assert len(_records(items)) == 2 and sum(isinstance(i, Torn) for i in items) == 2


@settings(max_examples=150, deadline=None)
@given(
    payloads=st.lists(st.binary(min_size=0, max_size=300), min_size=1, max_size=12),
    torn_at=st.lists(st.integers(min_value=0, max_value=11), max_size=3),
    cut_fraction=st.floats(min_value=0.0, max_value=0.99),
    splits=st.lists(st.integers(min_value=0, max_value=5000), max_size=4),
)
def test_any_bytes_any_cuts(payloads, torn_at, cut_fraction, splits) -> None:
    """Whole records come back exactly, in order, whichever records are torn and wherever
    the reader's reads fall; torn bytes are reported, never silently merged."""
    blob, whole = b"", []
    for index, payload in enumerate(payloads):
        record = encode_record("hook", T0 + index, payload)
        if index in torn_at and index < len(payloads) - 1:
            blob += record[: max(1, int(len(record) * cut_fraction))]
        else:
            blob += record
            whole.append(payload)
    # One read of everything, sealed.
    items, consumed = parse_records(blob, sealed=True)
    assert consumed == len(blob)
    assert [r.payload for r in _records(items)] == whole
    # The same bytes arriving in pieces (as a reader polling a growing file sees them).
    got: list[bytes] = []
    offset = 0
    for end in sorted({min(s, len(blob)) for s in splits} | {len(blob)}):
        items, offset = parse_records(blob[offset:end], base=offset, sealed=end == len(blob))
        got += [r.payload for r in _records(items)]
    assert got == whole


def test_processes_appending_at_once(tmp_path) -> None:
    segment = tmp_path / segment_name(T0)
    script = (
        "import sys; from vibecast.capture.spool_log import append_record, encode_record\n"
        "n = int(sys.argv[2])\n"
        "for i in range(200):\n"
        "    payload = b'p%d-%d' % (n, i) * 50\n"
        "    append_record(sys.argv[1], encode_record('hook', n * 1000 + i, payload))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(segment), str(n)]) for n in range(4)
    ]
    assert all(proc.wait(timeout=60) == 0 for proc in procs)
    items, consumed = parse_records(segment.read_bytes(), sealed=True)
    assert consumed == segment.stat().st_size
    records = _records(items)
    assert len(records) == 800 and len(items) == 800
    for n in range(4):  # each writer's records in its own order
        mine = [r.arrival_us for r in records if r.arrival_us // 1000 == n]
        assert mine == sorted(mine) and len(mine) == 200


def test_a_segment_is_not_deleted_under_a_writer(tmp_path) -> None:
    SpoolWriter(tmp_path).write(b'{"n": 1}', "hook", T0)
    segment = str(tmp_path / segment_name(T0))
    reader = SegmentReader()
    entries, torn = reader.read([segment], now_us=T0)
    assert len(entries) == 1 and torn == []
    assert reader.delete_finished() == 0  # not committed yet
    reader.committed(entries[0])
    fd = os.open(segment, os.O_WRONLY | os.O_APPEND)
    fcntl.flock(fd, fcntl.LOCK_SH)  # a writer in the middle of its append
    try:
        assert reader.delete_finished() == 0 and os.path.exists(segment)
    finally:
        os.close(fd)
    assert reader.delete_finished() == 1 and not os.path.exists(segment)


def test_a_writer_that_opened_a_deleted_segment_writes_a_new_one(tmp_path) -> None:
    segment = str(tmp_path / segment_name(T0))
    append_record(segment, encode_record("hook", T0, b"{}"))
    os.unlink(segment)  # what the recorder does between a writer's open and its lock
    append_record(segment, encode_record("hook", T0 + 1, b'{"after": 1}'))
    entries = list_spool(tmp_path)
    assert [e.payload for e in entries] == [b'{"after": 1}']


def test_reader_reads_only_what_is_new_and_waits_for_unfinished(tmp_path) -> None:
    segment = tmp_path / segment_name(T0)
    first = encode_record("hook", T0, b'{"n": 1}')
    second = encode_record("hook", T0 + 1, b'{"n": 2}')
    segment.write_bytes(first + second[:10])
    reader = SegmentReader()
    entries, torn = reader.read([str(segment)], now_us=T0)
    assert [e.payload for e in entries] == [b'{"n": 1}'] and torn == []
    with open(segment, "ab") as f:
        f.write(second[10:])
    entries, torn = reader.read([str(segment)], now_us=T0)
    assert [e.payload for e in entries] == [b'{"n": 2}'] and torn == []
    with open(segment, "ab") as f:
        f.write(first[:15])  # a writer killed mid-append, found once the window is sealed
    assert reader.read([str(segment)], now_us=T0) == ([], [])
    sealed = T0 + WINDOW_US + SEAL_GRACE_US
    # A write that started lately keeps it open, whatever its window (a hook suspended with
    # the machine between stamping the time and appending).
    lately = (sealed - 1_000_000) * 1000
    os.utime(segment, ns=(lately, lately))
    assert reader.read([str(segment)], now_us=sealed) == ([], [])
    os.utime(segment, ns=(T0 * 1000, T0 * 1000))  # last written at the window's start
    entries, torn = reader.read([str(segment)], now_us=sealed)
    assert entries == [] and len(torn) == 1 and torn[0].data == first[:15]


def test_records_across_read_chunks(tmp_path) -> None:
    """A record that straddles the reader's chunk, or is larger than a chunk, is whole."""
    segment = tmp_path / segment_name(T0)
    payloads = [b"x" * size for size in (10, 300, 50, 1000, 5, 700)]
    segment.write_bytes(b"".join(encode_record("hook", T0 + i, p) for i, p in enumerate(payloads)))
    reader = SegmentReader(chunk=256)
    entries, torn = reader.read([str(segment)], now_us=T0 + WINDOW_US + SEAL_GRACE_US)
    assert [e.payload for e in entries] == payloads and torn == []


def test_a_backlog_is_read_a_slice_at_a_time(tmp_path) -> None:
    """A recorder coming back to a large spool holds a bounded slice of it in memory."""
    payloads = [b"%d" % i * 100 for i in range(60)]
    for i, payload in enumerate(payloads):  # three segments, 20 records each
        SpoolWriter(tmp_path).write(payload, "hook", T0 + (i // 20) * WINDOW_US + i)
    segments = sorted(str(p) for p in tmp_path.glob("seg-*.log"))
    assert len(segments) == 3
    reader = SegmentReader(chunk=1000, budget=2500)
    got: list[bytes] = []
    for _ in range(100):
        entries, torn = reader.read(segments, now_us=T0)
        assert torn == [] and sum(len(e.payload or b"") for e in entries) <= 2500 + 1000
        if not entries:
            break
        got += [e.payload for e in entries if e.payload is not None]
    assert got == payloads


def test_one_large_record_is_read_alone(tmp_path) -> None:
    """A record larger than a chunk is read by itself, not with the rest of the segment."""
    segment = tmp_path / segment_name(T0)
    big = b"b" * 5000
    small = [b"s%d" % i * 100 for i in range(20)]
    segment.write_bytes(
        encode_record("hook", T0, big)
        + b"".join(encode_record("hook", T0 + 1 + i, p) for i, p in enumerate(small))
    )
    reader = SegmentReader(chunk=1000, budget=1500)
    entries, _ = reader.read([str(segment)], now_us=T0)
    assert [e.payload for e in entries] == [big]
    rest: list[bytes] = []
    while entries:
        entries, _ = reader.read([str(segment)], now_us=T0)
        rest += [e.payload for e in entries if e.payload is not None]
    assert rest == small


def test_hooks_racing_a_reader_that_deletes(c_hook_dir, tmp_path) -> None:
    """The real hook appending from two threads while a reader reads, commits and deletes
    the segment as fast as it can: every payload once, none lost in a deleted file."""
    import threading

    capture = tmp_path / "capture"
    hook = str(c_hook_dir / "vibecast-hook")
    per_thread = 300

    def fire(thread: int) -> None:
        for i in range(per_thread):
            payload = b'{"hook_event_name": "Stop", "t": %d, "i": %d}' % (thread, i)
            subprocess.run([hook, str(capture)], input=payload, check=True)

    threads = [threading.Thread(target=fire, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    reader, got, deletions = SegmentReader(), [], 0
    spool = capture / "spool"

    def drain_once() -> None:
        nonlocal deletions
        segments = sorted(str(p) for p in spool.glob("seg-*.log")) if spool.exists() else []
        entries, torn = reader.read(segments)
        assert torn == []
        for entry in entries:
            got.append(entry.payload)
            reader.committed(entry)
        deletions += reader.delete_finished()

    while any(thread.is_alive() for thread in threads):
        drain_once()
    drain_once()
    assert len(got) == len(set(got)) == 2 * per_thread
    assert deletions > 0 and not (capture / "hook.log").exists()


def test_a_held_segment_lock_never_blocks_the_hook(c_hook_dir, tmp_path) -> None:
    """A recorder stopped (Ctrl-Z, a debugger) while it holds a segment's exclusive lock: the
    hook waits a few milliseconds, then spools the payload as a file of its own."""
    import time

    capture = tmp_path / "capture"
    (capture / "spool" / "tmp").mkdir(parents=True)
    now_us = time.time_ns() // 1000
    # This window's segment and the next one: the hook stamps its time after we do.
    names = {segment_name(now_us), segment_name(now_us + 2_000_000)}
    segments = [capture / "spool" / name for name in sorted(names)]
    held = []
    for segment in segments:  # this second's window and the next: the hook meets one of them
        fd = os.open(segment, os.O_RDONLY | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        held.append(fd)
    try:
        started = time.monotonic()
        done = subprocess.run(
            [str(c_hook_dir / "vibecast-hook"), str(capture)], input=b'{"n": 1}', check=False
        )
        took = time.monotonic() - started
    finally:
        for fd in held:
            os.close(fd)
    assert done.returncode == 0 and took < 2.5  # the watchdog would have ended it at 5 s
    entries = list_spool(capture / "spool")
    assert (
        len(entries) == 1
        and entries[0].payload is None
        and entries[0].path.read_bytes() == (b'{"n": 1}')
    )
    assert "cannot lock the spool segment" in (capture / "hook.log").read_text()
