"""One spool file -> the events it holds, with the mapping the importers already use.

Hook payloads go through :func:`~vibecast.importers.hooks.event_from_hook_payload` with the
arrival time from the file name as the event's exact time (not an estimate: the hook stamped it
the moment Claude Code ran it). Vibecraft events go through the Vibecraft importer, which keeps
Vibecraft's own time and ids.

A hook payload's id, when it has no ``tool_use_id``, is a hash of its content plus an
occurrence number. Here the occurrence number is the arrival time in microseconds: unique for
every occurrence of the same payload, and the same each time the same spool file is read, so a
file ingested twice (after a crash) gives the same id and merges with itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import msgspec

from vibecast.capture.spool import HOOK, VIBECRAFT, SpoolEntry
from vibecast.importers.hooks import event_from_hook_payload, hook_payload_of
from vibecast.importers.issues import IssueLog
from vibecast.importers.vibecraft import read_vibecraft_events
from vibecast.model import RecordedEvent

__all__ = [
    "Ingested",
    "SpoolFileError",
    "entry_bytes",
    "ingest_payload",
    "read_bytes",
    "read_entry",
]

_decoder = msgspec.json.Decoder()


class SpoolFileError(ValueError):
    """A spool file that holds no usable event (not JSON, not an object, ...)."""


@dataclass
class Ingested:
    """What one spool file gave: events of one session, plus what the recorder acts on."""

    session_id: str
    events: list[RecordedEvent]
    blobs: dict[str, bytes] = field(default_factory=dict)
    hook_event: str | None = None  # "SessionEnd", "Stop", ... (hook payloads only)
    transcript_path: str | None = None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _decode_object(data: bytes) -> dict[str, Any]:
    try:
        value = _decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise SpoolFileError(f"not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise SpoolFileError(f"a JSON {type(value).__name__}, not an object")
    return value


def _from_hook(entry: SpoolEntry, data: bytes) -> Ingested:
    payload = _decode_object(data)
    if "raw_input" in payload:  # a logger's wrapping (never from the hook program itself)
        payload = hook_payload_of(payload)
    if not _str(payload.get("session_id")):
        # Claude Code names the session in every payload; without one, this is not a hook's
        # (a stray POST, a test by hand) and would become a replay of no session.
        raise SpoolFileError("not a hook payload: it names no session_id")
    blobs: dict[str, bytes] = {}
    event = event_from_hook_payload(payload, entry.arrival_ms, entry.arrival_us, blobs=blobs)
    return Ingested(
        session_id=event.session_id,
        events=[event],
        blobs=blobs,
        hook_event=_str(payload.get("hook_event_name")),
        transcript_path=_str(payload.get("transcript_path")),
    )


def _from_vibecraft(entry: SpoolEntry, data: bytes) -> Ingested:
    record = _decode_object(data)
    log = IssueLog(entry.file)
    builders = read_vibecraft_events(entry.path, [(1, record)], log)
    sessions = [builder.build() for builder, _ in builders]
    events = [event for session in sessions for event in session.events]
    if not events:
        reason = "; ".join(issue.message for issue in log.issues) or "no event in it"
        raise SpoolFileError(f"not a Vibecraft event: {reason}")
    raw = record.get("raw")
    hook_event = raw.get("hook_event_name") if isinstance(raw, dict) else None
    return Ingested(
        session_id=events[0].session_id,
        events=events,
        blobs={key: value for session in sessions for key, value in session.blobs.items()},
        hook_event=_str(hook_event) or _VIBECRAFT_HOOKS.get(str(record.get("type"))),
        transcript_path=_str(raw.get("transcript_path")) if isinstance(raw, dict) else None,
    )


# Vibecraft's event types that end a session or a turn, under the hook names the recorder uses.
_VIBECRAFT_HOOKS = {"session_end": "SessionEnd", "stop": "Stop", "session_start": "SessionStart"}


def ingest_payload(entry: SpoolEntry, data: bytes) -> Ingested:
    """The events of one spool file. Raises :class:`SpoolFileError` if it holds none."""
    if entry.kind == HOOK:
        return _from_hook(entry, data)
    if entry.kind == VIBECRAFT:
        return _from_vibecraft(entry, data)
    raise SpoolFileError(f"unknown spool kind {entry.kind!r}")


_READ_SIZE = 1 << 16


def read_bytes(file: str) -> bytes:
    """The whole file, with bare ``os`` calls: a buffered ``open()`` costs the recorder ~5 µs
    more per spool file (thousands a second under a burst). The file is complete and no longer
    written (it appeared by ``rename``), so a short read means its end."""
    fd = os.open(file, os.O_RDONLY | os.O_CLOEXEC)
    try:
        data = os.read(fd, _READ_SIZE)
        if len(data) < _READ_SIZE:
            return data
        parts = [data]
        while chunk := os.read(fd, _READ_SIZE):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


def entry_bytes(entry: SpoolEntry) -> bytes:
    """The payload of a spool entry: a log record's bytes, or a payload file's content."""
    return entry.payload if entry.payload is not None else read_bytes(entry.file)


def read_entry(entry: SpoolEntry) -> Ingested:
    """Read and map a spool entry (OSError if its file cannot be read)."""
    return ingest_payload(entry, entry_bytes(entry))
