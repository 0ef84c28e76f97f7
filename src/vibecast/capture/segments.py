"""The recorder's side of the log segments: read each one incrementally, and delete it once
every record in it is committed and no writer can still append to it.

What is kept per segment is only in memory: after a restart every segment left in the spool is
read from its start again, and the records already committed merge as no-ops (event ids are
deterministic), so nothing needs to be persisted between the read and the commit.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from vibecast.capture.spool import SpoolEntry, list_files, record_entry, segment_records
from vibecast.capture.spool_log import (
    SEAL_GRACE_US,
    WINDOW_US,
    LogRecord,
    Torn,
    parse_records,
    parse_segment_name,
    record_size,
)

__all__ = ["SegmentReader", "TornBytes", "spool_waiting", "write_progress"]

log = logging.getLogger("vibecast.capture")

READ_CHUNK = 16 << 20  # bytes read from a segment per pass (more when one record is larger)
READ_BUDGET = 64 << 20  # bytes read per call: a large backlog is taken a slice at a time


@dataclass
class _Segment:
    path: str
    sealed_at_us: int  # after this, no writer of the segment's window is alive
    inode: int = -1
    offset: int = 0  # bytes consumed (records and torn stretches)
    pending: set[str] = field(default_factory=set)  # records handed out, not committed yet
    records: int = 0  # records handed out since the segment was (re)created
    first_us: int = 0  # arrival of its first record: with the inode, which file this is


@dataclass(frozen=True)
class TornBytes:
    """A stretch of a segment that is no whole record; the recorder sets it aside."""

    segment: str
    inode: int
    offset: int
    data: bytes

    @property
    def name(self) -> str:
        return f"{os.path.basename(self.segment)}#{self.inode}@{self.offset}.torn"


class SegmentReader:
    """Reads the spool's log segments for one recorder."""

    def __init__(self, chunk: int = READ_CHUNK, budget: int = READ_BUDGET) -> None:
        self._segments: dict[str, _Segment] = {}
        self._chunk = chunk
        self._budget = budget
        self.behind = False  # the last read stopped at its budget: more is waiting

    def read(
        self, paths: list[str], now_us: int | None = None
    ) -> tuple[list[SpoolEntry], list[TornBytes]]:
        """The records appended to ``paths`` since the last call, and torn stretches; about
        ``budget`` bytes at most (the rest comes with the next calls), oldest segments first."""
        now = time.time_ns() // 1000 if now_us is None else now_us
        entries: list[SpoolEntry] = []
        torn: list[TornBytes] = []
        left = self._budget
        for path in paths:
            if left <= 0:
                break
            segment = self._segments.get(path)
            if segment is None:
                window = parse_segment_name(os.path.basename(path))
                if window is None:
                    continue
                segment = self._segments[path] = _Segment(path, window + WINDOW_US + SEAL_GRACE_US)
            try:
                left -= self._read_one(segment, now, left, entries, torn)
            except OSError as exc:  # unreadable now (EACCES, EMFILE, EIO): the others go on
                log.warning("cannot read %s (will retry): %s", os.path.basename(path), exc)
        self.behind = left <= 0
        listed = set(paths)
        for path in [p for p in self._segments if p not in listed]:
            del self._segments[path]  # gone (deleted by us, or by hand)
        return entries, torn

    def _read_one(
        self,
        segment: _Segment,
        now_us: int,
        budget: int,
        entries: list[SpoolEntry],
        torn: list[TornBytes],
    ) -> int:
        """Read what is new in one segment, about ``budget`` bytes at most; how many bytes were
        consumed. An OSError may stop it part way: what was read up to then is handed out and
        the offset says where to go on."""
        try:
            fd = os.open(segment.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return 0
        try:
            stat = os.fstat(fd)
            if stat.st_ino != segment.inode:  # new, or replaced since: read it from its start
                segment.inode, segment.offset, segment.pending = stat.st_ino, 0, set()
                segment.records = segment.first_us = 0
            started = segment.offset
            size = stat.st_size
            # No writer of the window can be alive: past the window's grace, and no write
            # started lately (a hook suspended with the machine would still be writing).
            sealed = now_us >= segment.sealed_at_us and now_us - stat.st_mtime_ns // 1000 > (
                SEAL_GRACE_US
            )
            while segment.offset < size and segment.offset - started < budget:
                rest = size - segment.offset
                want = min(rest, self._chunk)
                data = _pread_all(fd, want, segment.offset)
                # Only the last bytes of the file can be an unfinished record of a dead writer.
                at_end = sealed and want == rest
                found, consumed = parse_records(data, segment.offset, sealed=at_end)
                if consumed == segment.offset:
                    whole = record_size(data)  # one record larger than a chunk: read just it
                    if want == rest or whole is None or whole <= len(data):
                        break  # an unfinished record: wait for the rest
                    data = _pread_all(fd, min(rest, whole), segment.offset)
                    found, consumed = parse_records(
                        data, segment.offset, sealed=sealed and whole >= rest
                    )
                    if consumed == segment.offset:
                        break
                for item in found:
                    if isinstance(item, LogRecord):
                        entry = record_entry(segment.path, item, segment.inode)
                        entries.append(entry)
                        segment.pending.add(entry.name)
                        if not segment.records:
                            segment.first_us = item.arrival_us
                        segment.records += 1
                    else:
                        torn.append(_torn_bytes(segment, item, data))
                segment.offset = consumed
        finally:
            os.close(fd)
        return segment.offset - started

    def committed(self, entry: SpoolEntry) -> None:
        """A record handed out by :meth:`read` is committed (or set aside)."""
        segment = self._segments.get(entry.file)
        if segment is not None:
            segment.pending.discard(entry.name)

    def delete_finished(self) -> int:
        """Delete the segments whose every record is committed (the lock protocol, not the
        window, keeps writers safe: a writer arriving later creates the segment again);
        how many were deleted."""
        deleted = 0
        for segment in list(self._segments.values()):
            if segment.pending:
                continue
            if _delete_if_read(segment):
                del self._segments[segment.path]
                deleted += 1
        return deleted

    @property
    def pending(self) -> int:
        return sum(len(segment.pending) for segment in self._segments.values())

    def progress(self) -> dict[str, list[int]]:
        """Per segment still in the spool: ``[inode, first record's arrival µs, records
        committed]`` — what :func:`spool_waiting` subtracts from what the segment holds."""
        return {
            os.path.basename(s.path): [s.inode, s.first_us, s.records - len(s.pending)]
            for s in self._segments.values()
            if s.records
        }


def write_progress(path: Path, progress: dict[str, list[int]]) -> None:
    """Replace the progress file whole (a reader never sees half of it)."""
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps(progress), encoding="utf-8")
    os.replace(partial, path)


def spool_waiting(spool: Path, progress_path: Path) -> tuple[int, int | None]:
    """Payloads in ``spool`` not committed yet, and the arrival (µs) of the oldest payload
    still in it: every payload file counts, and each log segment's records less those the
    recorder says it committed (``progress_path``, matched by inode and first record, so a
    stale entry for a segment deleted and made again is ignored). For status: reads every
    segment whole."""
    try:
        progress = json.loads(progress_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        progress = {}
    if not isinstance(progress, dict):
        progress = {}
    files, segments = list_files(spool)
    waiting = len(files)
    arrivals = [entry.arrival_us for entry in files]
    for path in segments:
        read = segment_records(path)
        if read is None or not read[1]:
            continue
        inode, records = read
        arrivals.append(records[0].arrival_us)
        known = progress.get(os.path.basename(path))
        committed = 0
        if isinstance(known, list) and known[:2] == [inode, records[0].arrival_us]:
            committed = min(len(records), int(known[2]))
        waiting += len(records) - committed
    return waiting, (min(arrivals) if arrivals and waiting else None)


def _torn_bytes(segment: _Segment, torn: Torn, data: bytes) -> TornBytes:
    base = segment.offset
    return TornBytes(
        segment.path, segment.inode, torn.offset, data[torn.offset - base : torn.end - base]
    )


def _pread_all(fd: int, size: int, offset: int) -> bytes:
    data = os.pread(fd, size, offset)
    if len(data) == size:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        more = os.pread(fd, size - got, offset + got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def _delete_if_read(segment: _Segment) -> bool:
    """Unlink the segment if it holds nothing past what was read; under an exclusive lock
    taken without waiting, so that a writer still appending (it holds a shared one) is never
    cut off. A writer that opened it before the unlink sees it unlinked once it has its lock,
    and appends to a new segment of the same name."""
    try:
        fd = os.open(segment.path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return True
    except OSError as exc:
        log.warning("cannot delete %s (will retry): %s", os.path.basename(segment.path), exc)
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a writer holds it (or no locks here): not now
            return False
        stat = os.fstat(fd)
        if stat.st_ino != segment.inode or stat.st_size != segment.offset:
            return False  # more was appended (or it is another file): read it first
        os.unlink(segment.path)
        return True
    except OSError as exc:
        log.warning("cannot delete %s (will retry): %s", os.path.basename(segment.path), exc)
        return False
    finally:
        os.close(fd)
