"""Files a replay hands out: its portable ``.vibecast`` file and the images its events show.

Both read the replay through the caller's view of the store, so whoever may see the replay may
download it, and nobody else. Images are served only as what they are: the bytes must be a
raster image (PNG, JPEG, GIF, WebP) that one of the replay's events attaches — never SVG, HTML
or any other blob the store keeps (large tool outputs are blobs too).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.responses import Response

from vibecast.media import RASTER_EXTENSIONS, raster_type
from vibecast.model import Replay
from vibecast.replayfile import attachment_blobs, write_replay_file
from vibecast.server.errors import not_found
from vibecast.store.base import Store

__all__ = [
    "REPLAY_FILE_TYPE",
    "SHA256_PATTERN",
    "attachment_response",
    "replay_file_name",
    "replay_file_response",
]

REPLAY_FILE_TYPE = "application/vnd.vibecast.replay+zstd"
SHA256_PATTERN = r"^[0-9a-f]{64}$"

_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


def replay_file_name(replay: Replay) -> str:
    """``<title>-<id8>.vibecast`` in safe ASCII (the header value needs no quoting rules)."""
    title = replay.title or replay.metadata.session_name or "replay"
    slug = _SLUG.sub("-", title).strip("-.")[:60] or "replay"
    return f"{slug}-{replay.id[:8]}.vibecast"


def replay_file_response(store: Store, replay: Replay) -> FileResponse:
    """The replay as a ``.vibecast`` file (``vibecast import FILE`` reads it), written by the
    one replay-file writer to a temporary file that is streamed and then removed."""
    events = store.read_events(replay.id)
    blobs = attachment_blobs(events, store.get_blob)
    directory = Path(tempfile.mkdtemp(prefix="vibecast-download-"))
    try:
        path = directory / "replay.vibecast"
        write_replay_file(path, replay, events, blobs)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=REPLAY_FILE_TYPE,
        filename=replay_file_name(replay),
        content_disposition_type="attachment",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
        background=BackgroundTask(shutil.rmtree, directory, ignore_errors=True),
    )


def _attached(store: Store, replay: Replay, sha256: str) -> bool:
    """Whether an event of ``replay`` attaches the blob ``sha256`` (text blobs are not attached)."""
    return any(
        attachment.blob == sha256
        for event in store.read_events(replay.id)
        for attachment in event.attachments or ()
    )


def attachment_response(
    store: Store, replay: Replay, sha256: str, *, cache_control: str
) -> Response:
    """An image an event of ``replay`` attaches, inline, typed by its bytes; else 404."""
    data = store.get_blob(sha256) if _attached(store, replay, sha256) else None
    media_type = raster_type(data) if data is not None else None
    if data is None or media_type is None:
        raise not_found("image in this replay")
    filename = f"{sha256[:12]}.{RASTER_EXTENSIONS[media_type]}"
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": cache_control,
        },
    )
