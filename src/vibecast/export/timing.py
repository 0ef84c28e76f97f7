"""Which replay moment each video frame shows: the player's own clock, frame by frame.

The video's clock is the player's: play time with idle gaps capped (``player.timeline.Timeline``)
divided by the speed. Frame ``n`` shows the replay at play time ``start + n * speed / FPS``, so
the length of the video is known exactly before the first frame is drawn: the span it covers at
30 fps, rounded to a whole frame. The last frame shows the end of the range.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from vibecast.export.request import FPS, ExportError, ExportRequest
from vibecast.model import RecordedEvent
from vibecast.player.timeline import Timeline

__all__ = ["VideoTiming"]

MAX_FRAMES = 10 * 3600 * FPS
"""Ten hours of video: past that a request is a mistake, not a video anyone will watch."""


class VideoTiming:
    """Frame index <-> replay time for one export of one replay."""

    def __init__(
        self,
        events: Iterable[RecordedEvent],
        *,
        duration_ms: int,
        request: ExportRequest,
    ) -> None:
        self._timeline = Timeline(
            events, duration_ms=duration_ms, idle_limit_ms=request.idle_limit_ms
        )
        end = self._timeline.duration_ms
        self.from_ms = request.from_ms
        self.to_ms = end if request.to_ms is None else min(request.to_ms, end)
        if self.from_ms > end or (self.from_ms == end and end > 0):
            raise ExportError(
                f"from_ms: {self.from_ms} ms is past the end of the replay ({end} ms)"
            )
        self.speed = request.speed
        self._play_from = self._timeline.to_play(self.from_ms)
        self._play_to = self._timeline.to_play(self.to_ms)
        self.frame_count = max(1, round(self.video_ms * FPS / 1000))
        if self.frame_count > MAX_FRAMES:
            raise ExportError(
                f"the video would last {self.video_ms / 3_600_000:.1f} h; export at most 10 h "
                "(raise the speed, set an idle limit, or export a part with from/to)"
            )

    @property
    def video_ms(self) -> float:
        """The span the video covers, in video time (ms)."""
        return (self._play_to - self._play_from) / self.speed

    @property
    def duration_s(self) -> float:
        """The length of the encoded video: ``frame_count`` frames at 30 fps."""
        return self.frame_count / FPS

    def replay_ms(self, frame: int) -> float:
        """The replay time frame ``frame`` shows (the last frame shows the end of the range)."""
        if frame >= self.frame_count - 1:
            return float(self.to_ms)
        play = self._play_from + frame * self.speed * 1000 / FPS
        return min(float(self.to_ms), self._timeline.to_replay(play))

    def frame_at(self, replay_ms: float) -> int:
        """The first frame that shows ``replay_ms`` or later (for tests and thumbnails)."""
        play = self._timeline.to_play(replay_ms) - self._play_from
        return max(0, min(self.frame_count - 1, math.ceil(play * FPS / 1000 / self.speed - 1e-9)))
