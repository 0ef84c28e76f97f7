"""The spool's log segments: many payloads per file, appended whole, read back incrementally.

A file per payload costs the recorder about 20 µs of system calls per event (list, open, read,
close, unlink) — 40 % of its budget — so writers append framed records to one *segment* per
10 s window of arrival time instead (``spool/seg-<window start, epoch s>.log``):

    record = magic b"\\xffVC1" | u32 length | u32 crc | u64 arrival µs | u32 pid | u8 kind | 3 pad
             | payload (length bytes)

all little-endian; ``crc`` is the CRC-32 (zlib's) of the 20 header bytes after it followed by the
payload. ``0xff`` never occurs in UTF-8, so the magic never occurs inside a JSON payload.

Why this is safe with many writers and no coordination:

- Each writer appends its record with **one** ``write``/``writev`` on an ``O_APPEND``
  descriptor. Linux takes the file's lock for the whole call, so records never interleave; a
  writer killed mid-call can leave a *torn* record (a prefix of it), which the CRC exposes. The
  reader then skips to the next magic; the torn bytes go to ``rejected/`` (redacted).
- A reader never mistakes a record still being written for a torn one: an incomplete record
  at the end of a segment is waited for; it is judged torn only when valid data follows it or
  the segment is *sealed* (its window ended more than :data:`SEAL_GRACE_US` ago, longer than
  the hook's watchdog lets any writer live).
- Writers hold a shared ``flock`` while appending and check, once they hold it, that the file
  they opened is still linked; the recorder deletes a segment only under an exclusive ``flock``
  taken without waiting, after reading it to its end. So no record lands in a deleted file.

The hook program (C) writes the same format; :func:`encode_record` is its reference.
"""

from __future__ import annotations

import fcntl
import os
import re
import struct
import zlib
from dataclasses import dataclass

__all__ = [
    "HEADER",
    "HOOK",
    "KIND_CODES",
    "MAGIC",
    "SEAL_GRACE_US",
    "VIBECRAFT",
    "WINDOW_US",
    "LogRecord",
    "Torn",
    "append_record",
    "encode_record",
    "parse_records",
    "parse_segment_name",
    "record_size",
    "segment_name",
]

MAGIC = b"\xffVC1"
_HEADER = struct.Struct("<4sIIQIB3x")  # magic, length, crc, arrival µs, pid, kind
HEADER = _HEADER.size  # 28 bytes
_CRC_FROM = 12  # the crc covers the header after its own field, then the payload
MAX_PAYLOAD = 1 << 30  # a length beyond this is a torn or foreign header, not a payload
WINDOW_US = 10_000_000  # one segment per 10 s of arrival time
SEAL_GRACE_US = 15_000_000  # > the hook's 5 s watchdog: no writer of a window is alive after it
HOOK = "hook"  # a Claude Code hook payload, as the hook received it on stdin
VIBECRAFT = "vibecraft"  # a Vibecraft ClaudeEvent (already stamped by Vibecraft's hook)
KIND_CODES = {HOOK: 0, VIBECRAFT: 1}  # the record header's kind byte
KIND_NAMES = {code: name for name, code in KIND_CODES.items()}

_SEGMENT = re.compile(r"^seg-(\d{10,})\.log$")


def segment_name(arrival_us: int) -> str:
    """The segment a payload arriving at ``arrival_us`` (epoch µs) is appended to."""
    return f"seg-{arrival_us // WINDOW_US * (WINDOW_US // 1_000_000):010d}.log"


def parse_segment_name(name: str) -> int | None:
    """The window start (epoch µs) of a segment file name, or None if it is not one."""
    match = _SEGMENT.match(name)
    return int(match.group(1)) * 1_000_000 if match else None


def encode_record(kind: str, arrival_us: int, payload: bytes, pid: int = 0) -> bytes:
    """One framed record (what a writer appends in a single call)."""
    header = _HEADER.pack(MAGIC, len(payload), 0, arrival_us, pid, KIND_CODES[kind])
    crc = zlib.crc32(payload, zlib.crc32(header[_CRC_FROM:]))
    return header[:8] + struct.pack("<I", crc) + header[_CRC_FROM:] + payload


@dataclass(frozen=True, slots=True)
class LogRecord:
    """A whole, checked record: ``payload`` is ``data[start:end]`` of the segment."""

    offset: int  # where the record starts in its segment
    end: int  # where the next record starts
    arrival_us: int
    pid: int
    kind: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class Torn:
    """Bytes ``[offset, end)`` of a segment that are no whole record (a writer killed
    mid-append, or damage)."""

    offset: int
    end: int


def _header_at(data: bytes, at: int) -> tuple[int, int, int, int, int] | None:
    """``(length, crc, arrival µs, pid, kind)`` of a plausible header at ``data[at]``."""
    if len(data) - at < HEADER:
        return None
    magic, length, crc, arrival, pid, kind = _HEADER.unpack_from(data, at)
    if magic != MAGIC or length > MAX_PAYLOAD or kind not in KIND_NAMES:
        return None
    return length, crc, arrival, pid, kind


def record_size(data: bytes) -> int | None:
    """The size of the record whose header starts ``data`` (header and payload), or None
    when ``data`` does not start with a plausible header."""
    header = _header_at(data, 0)
    return None if header is None else HEADER + header[0]


def _valid_at(data: bytes, at: int, base: int) -> tuple[int, LogRecord | None]:
    """``(end, record)`` of a whole record at ``data[at]``; ``(0, None)`` if the data ends
    inside what may be one; ``(-1, None)`` if no record starts there."""
    if len(data) - at < HEADER:
        return (0, None) if MAGIC.startswith(data[at : at + 4]) else (-1, None)
    header = _header_at(data, at)
    if header is None:
        return -1, None
    length, crc, arrival, pid, kind = header
    end = at + HEADER + length
    if end > len(data):
        return 0, None
    payload = data[at + HEADER : end]
    if zlib.crc32(payload, zlib.crc32(data[at + _CRC_FROM : at + HEADER])) != crc:
        return -1, None
    return end, LogRecord(base + at, base + end, arrival, pid, KIND_NAMES[kind], payload)


def _next_start(data: bytes, start: int, *, whole: bool) -> int | None:
    """The first position from ``start`` where a whole record starts (``whole``), or where
    one may be starting (a whole record, or an unfinished one at the end)."""
    n = len(data)
    at = data.find(MAGIC, start)
    while at != -1:
        end, _ = _valid_at(data, at, 0)
        if end > 0 or (end == 0 and not whole):
            return at
        at = data.find(MAGIC, at + 1)
    if not whole:
        for at in range(max(start, n - 3), n):  # the first bytes of a magic at the very end
            if MAGIC.startswith(data[at:]):
                return at
    return None


def parse_records(
    data: bytes, base: int = 0, *, sealed: bool = False
) -> tuple[list[LogRecord | Torn], int]:
    """The records (and torn stretches) in ``data``, a segment's bytes from offset ``base``;
    and the offset up to which they were consumed.

    An unfinished record at the end is left for the next read, unless ``sealed`` (no writer
    can still be appending) or a whole record follows it (appends never interleave, so it will
    never be finished): then it is :class:`Torn`, as is anything that is not a record.
    """
    out: list[LogRecord | Torn] = []
    at, n = 0, len(data)
    while at < n:
        end, record = _valid_at(data, at, base)
        if record is not None:
            out.append(record)
            at = end
            continue
        if end == 0:  # unfinished: still being appended, or torn with records after it
            nxt = _next_start(data, at + 1, whole=True)
            if nxt is None and not sealed:
                break
        else:  # not a record: torn or damaged, up to where one starts
            nxt = _next_start(data, at + 1, whole=sealed)
        if nxt is None:
            nxt = n
        out.append(Torn(base + at, base + nxt))
        at = nxt
    return out, base + at


def append_record(path: str, record: bytes) -> None:
    """Append one encoded record to the segment at ``path`` (created 0600 if missing), in one
    write, under a shared lock, into a file that is still linked (see the module docstring)."""
    for _ in range(8):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            if os.fstat(fd).st_nlink == 0:
                continue  # the recorder deleted it between our open and our lock: reopen
            written = os.write(fd, record)
            if written != len(record):
                raise OSError(f"short append to {path}: {written} of {len(record)} bytes")
            return
        finally:
            os.close(fd)
    raise OSError(f"cannot append to {path}: it keeps being deleted")
