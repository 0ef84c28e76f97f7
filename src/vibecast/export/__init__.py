"""Video export: a replay rendered by the player's own drawing code into MP4 or WebM.

Frames come from headless Chromium running the web player's export page (``static/export.html``,
the same render functions as the live player), so a video frame at time t is what the player shows
at t. Only frames whose pixels change are captured; FFmpeg repeats the others at 30 fps.

Pieces: :mod:`.request` (what to export, validated), :mod:`.timing` (video frame -> replay time),
:mod:`.renderer` (Chromium), :mod:`.mkv` + :mod:`.encoder` (FFmpeg), :mod:`.video` (the whole
export, with progress and cancel), :mod:`.thumbnail`, and the jobs that run it
(:mod:`.jobs`, :mod:`.local_queue`, :mod:`.pg_queue`, :mod:`.outputs`).
"""

from __future__ import annotations

from vibecast.export.request import ExportError, ExportRequest

__all__ = ["ExportError", "ExportRequest"]
