"""The portable replay file (``vibecast save`` writes it, ``vibecast import`` reads it back).

Format, version 1 (documented in ``docs/replay-file.md``): one zstd frame (no dictionary, so
``zstd -d`` opens it anywhere) holding UTF-8 JSON lines:

1. a header: ``{"format": "vibecast-replay", "version": 1, "replay": {...}, "event_count": N,
   "blob_count": M, "saved_at": ms, "vibecast_version": "..."}``
2. ``N`` lines, one RecordedEvent each, in replay order;
3. ``M`` lines ``{"sha256": "...", "data": "<base64>"}``, the binary payloads events refer to.

Events in the file are already redacted: a saved replay carries no more than the store had.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
import zstandard

from vibecast import __version__
from vibecast.errors import VibecastError
from vibecast.model import RecordedEvent, Replay, decode_event, encode_event

if TYPE_CHECKING:
    from vibecast.importers.base import CapturedSession

__all__ = [
    "FORMAT",
    "VERSION",
    "ReplayFileError",
    "attachment_blobs",
    "is_replay_file",
    "read_replay_file",
    "write_replay_file",
]

FORMAT = "vibecast-replay"
VERSION = 1
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_HEADER_START = b'{"format":"vibecast-replay"'


class ReplayFileError(VibecastError):
    """The file is not a replay file this version can read (the message names no path: the
    import issue that reports it does)."""


def attachment_blobs(
    events: Iterable[RecordedEvent], get_blob: Callable[[str], bytes | None]
) -> dict[str, bytes]:
    """The stored payloads ``events``' attachments refer to (those still available), by sha256:
    what a replay file must carry besides its events."""
    blobs: dict[str, bytes] = {}
    for event in events:
        for attachment in event.attachments or ():
            if attachment.blob and attachment.blob not in blobs:
                data = get_blob(attachment.blob)
                if data is not None:
                    blobs[attachment.blob] = data
    return blobs


def write_replay_file(
    path: Path,
    replay: Replay,
    events: Sequence[RecordedEvent],
    blobs: Mapping[str, bytes] | None = None,
) -> int:
    """Write ``replay`` to ``path`` atomically (temp file + rename). Returns the bytes written."""
    blobs = dict(blobs or {})
    header = {
        "format": FORMAT,
        "version": VERSION,
        "replay": msgspec.to_builtins(replay),
        "event_count": len(events),
        "blob_count": len(blobs),
        "saved_at": int(time.time() * 1000),
        "vibecast_version": __version__,
    }
    tmp = path.with_name(path.name + ".partial")
    compressor = zstandard.ZstdCompressor(level=19, write_checksum=True)
    with tmp.open("wb") as raw, compressor.stream_writer(raw) as out:
        out.write(msgspec.json.encode(header) + b"\n")
        for event in events:
            out.write(encode_event(event) + b"\n")
        for sha, data in sorted(blobs.items()):
            line = {"sha256": sha, "data": base64.b64encode(data).decode("ascii")}
            out.write(msgspec.json.encode(line) + b"\n")
    tmp.replace(path)
    return path.stat().st_size


def is_replay_file(data: bytes) -> bool:
    """Cheap check: a zstd frame whose first decoded bytes are a vibecast-replay header.

    A frame cut short before its first block decodes still counts, so that reading it reports
    a damaged replay file rather than an unrecognised format.
    """
    if not data.startswith(_ZSTD_MAGIC):
        return False
    head = b""
    with contextlib.suppress(zstandard.ZstdError):
        head = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read(len(_HEADER_START))
    return _HEADER_START.startswith(head)


def _lines(data: bytes) -> Iterable[bytes]:
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
    yield from io.BufferedReader(reader)  # type: ignore[arg-type]


def read_replay_file(path: Path, data: bytes | None = None) -> tuple[CapturedSession, Replay]:
    """A replay file as a session the recorder can merge, plus the replay row it came from.

    A damaged event line is skipped with a warning; a damaged header or a truncated frame raises
    :class:`ReplayFileError` (a replay file is written atomically, so truncation means damage).
    """
    # Imported here: the importers import this module to read replay files, so a top-level import
    # would make ``import vibecast.replayfile`` on its own fail half-way through the cycle.
    from vibecast.importers.base import CapturedSession, ImportIssue, SessionInfo

    source = str(path)
    lines = iter(_lines(path.read_bytes() if data is None else data))
    try:
        header: dict[str, Any] = msgspec.json.decode(next(lines))
    except (StopIteration, msgspec.DecodeError, zstandard.ZstdError) as exc:
        raise ReplayFileError("replay file is truncated or damaged (no header)") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ReplayFileError("not a vibecast replay file")
    if header.get("version") != VERSION:
        raise ReplayFileError(
            f"replay file version {header.get('version')} is not supported "
            f"(this vibecast reads version {VERSION}); upgrade vibecast"
        )
    try:
        replay = msgspec.convert(header["replay"], Replay)
    except (KeyError, msgspec.ValidationError) as exc:
        raise ReplayFileError(f"its header has no valid replay ({exc})") from exc
    issues: list[ImportIssue] = []
    events: list[RecordedEvent] = []
    blobs: dict[str, bytes] = {}
    try:
        for number in range(int(header.get("event_count", 0))):
            line = next(lines)
            try:
                events.append(decode_event(line))
            except msgspec.DecodeError as exc:
                issues.append(ImportIssue(source, number + 2, f"skipped a damaged event: {exc}"))
        for _ in range(int(header.get("blob_count", 0))):
            item = msgspec.json.decode(next(lines))
            data = base64.b64decode(item["data"])
            if hashlib.sha256(data).hexdigest() != item["sha256"]:
                issues.append(ImportIssue(source, None, f"blob {item['sha256'][:12]} is damaged"))
                continue
            blobs[item["sha256"]] = data
    except (StopIteration, msgspec.DecodeError, KeyError, ValueError) as exc:
        raise ReplayFileError("replay file is truncated or damaged") from exc
    except zstandard.ZstdError as exc:
        raise ReplayFileError(f"replay file is damaged ({exc})") from exc
    meta = replay.metadata
    info = SessionInfo(
        title=replay.title or meta.session_name or None,
        model=meta.model,
        cwd=meta.cwd,
        git_branch=meta.git_branch,
        claude_version=meta.claude_version,
    )
    session = CapturedSession(
        session_id=replay.session_id,
        events=events,
        source=source,
        info=info,
        issues=issues,
        blobs=blobs,
    )
    return session, replay
