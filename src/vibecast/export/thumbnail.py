"""A replay's thumbnail: one PNG frame of the player at a representative moment.

The moment is the middle tool call of the replay (a scene with something going on), or the
middle of the replay when it has none. Drawn by the same export page as the videos, at 1280x720
and stored at half that (640x360) for lists and link previews.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from vibecast.export.video import ReplayData, frame_renderer

__all__ = ["THUMBNAIL_SIZE", "render_thumbnail", "thumbnail_moment"]

THUMBNAIL_SIZE = (640, 360)
_RENDER_SIZE = (1280, 720)


def thumbnail_moment(data: ReplayData) -> int:
    """Replay time (ms) the thumbnail shows."""
    tools = [e.relative_time_ms for e in data.events if e.type == "pre_tool_use"]
    if tools:
        return max(0, tools[len(tools) // 2])
    return max(0, data.replay.metadata.duration_ms // 2)


def render_thumbnail(data: ReplayData, output: Path, *, static_dir: Path | None = None) -> Path:
    """Draw the thumbnail into ``output`` (written whole, or not at all)."""
    width, height = _RENDER_SIZE
    with frame_renderer(width, height, static_dir=static_dir) as renderer:
        renderer.load(data.replay, list(data.events), list(data.annotations), data.images)
        renderer.render(thumbnail_moment(data))
        png = renderer.capture("png", scale=THUMBNAIL_SIZE[0] / width)
    output.parent.mkdir(parents=True, exist_ok=True)
    # one partial file per drawer: two requests may draw the same thumbnail at once
    partial = output.with_name(f"{output.name}.{os.getpid()}-{threading.get_ident()}.part")
    partial.write_bytes(png)
    os.replace(partial, output)
    return output
