"""A Claude Code transcript whose prompt carries images, for the attachment tests (API and
browser): the shared sample data holds none.

The session is the shared ``/init`` transcript with one prompt replaced by a user message that
pastes a real PNG, an SVG holding a script, and HTML labelled ``image/png`` — what the API must
serve, and the two things it must never serve as images.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

SOURCE = "claude-code/transcripts/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl"
SESSION_ID = "1af7fc5e-0000-4000-8000-00000000beef"

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>" + b" " * 64
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>" * 2


def png(width: int, height: int) -> bytes:
    """A real RGB PNG: a diagonal gradient (so a broken decode is visible)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 160)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ImageSession:
    path: Path
    png: bytes
    svg: bytes
    html: bytes


def _image(media_type: str, data: bytes) -> dict[str, object]:
    encoded = base64.b64encode(data).decode("ascii")
    return {
        "type": "image",
        "source": {"type": "base64", "media_type": media_type, "data": encoded},
    }


def write_image_session(shared_data: Path, directory: Path) -> ImageSession:
    """The transcript with images, written to ``directory`` (a new session id, so it imports
    as a replay of its own)."""
    picture = png(96, 60)
    lines = (shared_data / SOURCE).read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    for record in records:
        record["sessionId"] = SESSION_ID
    prompt = records[1]
    prompt["message"]["content"] = [
        {"type": "text", "text": "This is how the page looks now; make it match the mock-up."},
        _image("image/png", picture),
        _image("image/svg+xml", SVG),
        _image("image/png", HTML),
    ]
    path = directory / f"{SESSION_ID}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return ImageSession(path, picture, SVG, HTML)
