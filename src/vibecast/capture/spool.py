"""The spool: captured payloads waiting for the recorder, in two forms.

- **Log segments** (``seg-<window>.log``, :mod:`vibecast.capture.spool_log`): framed records
  appended whole, many per file. The compiled hook and :class:`SpoolWriter` write these.
- **Payload files**, one per payload, written under ``spool/tmp`` and renamed into ``spool``
  only when complete, so whatever is in ``spool`` is whole. Names are ``<arrival, epoch µs,
  16 digits>-<tag>.<kind>``: sorting names sorts by arrival, and the tag (the writer's pid,
  plus a counter for writers that spool more than once) keeps two payloads of the same
  microsecond apart. The shell form of the hook writes these (it cannot frame records), and
  the compiled hook for a payload too large to append in one write.

The recorder deletes a payload only after its event is committed to the store (a file at once,
a segment once all its records are), so a payload is ingested at least once, and deterministic
event ids make a second ingestion a no-op: exactly once in the store.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import time
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path

from vibecast.capture.spool_log import (
    HOOK,
    KIND_CODES,
    VIBECRAFT,
    LogRecord,
    append_record,
    encode_record,
    parse_records,
    parse_segment_name,
    segment_name,
)

__all__ = [
    "HOOK",
    "KINDS",
    "VIBECRAFT",
    "SpoolEntry",
    "SpoolWriter",
    "count_spool",
    "list_files",
    "list_spool",
    "parse_spool_name",
    "record_entry",
    "stale_temporaries",
]

KINDS = tuple(KIND_CODES)  # HOOK, VIBECRAFT: what a payload can be (spool_log defines them)

_NAME = re.compile(r"^(\d{16})-([A-Za-z0-9_]+)\.(" + "|".join(KINDS) + r")$")


@dataclass(frozen=True, slots=True)
class SpoolEntry:
    """One complete payload waiting in the spool: a payload file (``file`` is its path as a
    plain string: the recorder handles thousands of these a second), or a record of a log
    segment (``file`` is the segment, ``payload`` the record's bytes, ``offset`` where it
    starts; ``name`` is then ``<segment>#<inode>@<offset>``)."""

    file: str
    name: str
    arrival_us: int
    kind: str
    payload: bytes | None = None
    offset: int = -1

    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def arrival_ms(self) -> int:
        return self.arrival_us // 1000


def parse_spool_name(name: str) -> tuple[int, str] | None:
    """``(arrival µs, kind)`` of a spool file name, or None if it is not one."""
    match = _NAME.match(name)
    if match is None:
        return None
    return int(match.group(1)), match.group(3)


def list_files(spool: Path, skip: Container[str] = ()) -> tuple[list[SpoolEntry], list[str]]:
    """The payload files in ``spool`` whose names are not in ``skip``, in arrival order, and
    the paths of its log segments, oldest first (a missing spool is empty)."""
    entries: list[SpoolEntry] = []
    segments: list[str] = []
    try:
        with os.scandir(spool) as scan:
            for item in scan:
                name = item.name
                if name.endswith(".log"):
                    if parse_segment_name(name) is not None:
                        segments.append(item.path)
                    continue
                if name in skip:
                    continue
                parsed = parse_spool_name(name)
                if parsed is not None:
                    entries.append(SpoolEntry(item.path, name, parsed[0], parsed[1]))
    except FileNotFoundError:
        return [], []
    entries.sort(key=lambda entry: entry.name)
    segments.sort()
    return entries, segments


def record_entry(segment: str, record: LogRecord, inode: int = 0) -> SpoolEntry:
    """A log record as a spool entry, named ``<segment>#<inode>@<offset>`` (unique even when a
    segment is deleted and created again)."""
    name = f"{os.path.basename(segment)}#{inode}@{record.offset}"
    return SpoolEntry(segment, name, record.arrival_us, record.kind, record.payload, record.offset)


def segment_records(segment: str) -> tuple[int, list[LogRecord]] | None:
    """A log segment's inode and its complete records, read whole (None: it is gone). For
    status and tests: the recorder reads segments as they grow (:mod:`.segments`)."""
    try:
        with open(segment, "rb") as f:
            inode = os.fstat(f.fileno()).st_ino
            data = f.read()
    except FileNotFoundError:
        return None
    found, _ = parse_records(data, sealed=True)
    return inode, [r for r in found if isinstance(r, LogRecord)]


def list_spool(spool: Path) -> list[SpoolEntry]:
    """Every complete payload in ``spool``, files and log records, in arrival order (a missing
    spool is empty)."""
    entries, segments = list_files(spool)
    for segment in segments:
        read = segment_records(segment)
        if read is not None:
            entries.extend(record_entry(segment, r) for r in read[1])
    entries.sort(key=lambda entry: entry.arrival_us)
    return entries


def count_spool(spool: Path) -> int:
    return len(list_spool(spool))


def stale_temporaries(spool_tmp: Path, older_than_s: float) -> list[Path]:
    """Temporary files nobody is writing any more: a hook killed mid-copy leaves one behind.

    The hook's watchdog ends it within seconds, so a temporary file older than a few minutes is
    a payload that was never completed (the hook logged why, if it could).
    """
    cutoff = time.time() - older_than_s
    stale: list[Path] = []
    try:
        with os.scandir(spool_tmp) as scan:
            for item in scan:
                try:
                    if item.is_file() and item.stat().st_mtime < cutoff:
                        stale.append(Path(item.path))
                except FileNotFoundError:
                    continue
    except FileNotFoundError:
        return []
    return stale


class SpoolWriter:
    """Spools payloads from inside a Python process (HTTP endpoints, the Vibecraft follower).

    The hook program is the main writer and is not Python; this one follows the same rules:
    a record appended to the segment of its arrival time (:meth:`write`), or a payload file
    (:meth:`write_file`). Thread-safe.
    """

    def __init__(self, spool: Path) -> None:
        self.spool = spool
        self.tmp = spool / "tmp"
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def write(self, data: bytes, kind: str, arrival_us: int | None = None) -> Path:
        """Spool ``data`` as a payload of ``kind``; returns the segment it was appended to."""
        if kind not in KINDS:
            raise ValueError(f"unknown spool kind {kind!r}")
        us = time.time_ns() // 1000 if arrival_us is None else arrival_us
        segment = self.spool / segment_name(us)
        record = encode_record(kind, us, data, os.getpid())
        try:
            append_record(str(segment), record)
        except FileNotFoundError:
            self.spool.mkdir(mode=0o700, parents=True, exist_ok=True)
            append_record(str(segment), record)
        return segment

    def write_file(self, data: bytes, kind: str, arrival_us: int | None = None) -> Path:
        """Spool ``data`` as a payload file of its own; returns the file."""
        if kind not in KINDS:
            raise ValueError(f"unknown spool kind {kind!r}")
        us = time.time_ns() // 1000 if arrival_us is None else arrival_us
        with self._lock:
            serial = next(self._counter)
        name = f"{us:016d}-p{os.getpid()}x{serial}.{kind}"
        tmp = self.tmp / name
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileNotFoundError:
            self.tmp.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            final = self.spool / name
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return final
