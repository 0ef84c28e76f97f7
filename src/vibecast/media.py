"""Which attached bytes are pictures a browser may show: PNG, JPEG, GIF and WebP, told by their
magic bytes. The API serves only these (``/attachments``), and the video export shows only these
in its now-showing panel, as the player does."""

from __future__ import annotations

__all__ = ["RASTER_EXTENSIONS", "raster_type"]

RASTER_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
}
"""Media type -> file extension of the raster types."""


def raster_type(data: bytes) -> str | None:
    """The media type of a PNG, JPEG, GIF or WebP from its magic bytes; None for anything else.

    The bytes decide, not the type an importer recorded: a blob labelled ``image/png`` that is
    really HTML or SVG is not served.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    return None
