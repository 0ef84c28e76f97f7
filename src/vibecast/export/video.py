"""A whole export: replay + events in, a finished video file out, with progress and cancel.

This is the one function the CLI, the local queue and the server workers all call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vibecast.export.encoder import FrameEncoder
from vibecast.export.renderer import FrameRenderer
from vibecast.export.request import ExportRequest
from vibecast.export.timing import VideoTiming
from vibecast.model import RecordedEvent, Replay
from vibecast.store.base import Annotation, Store

__all__ = ["ExportResult", "ReplayData", "export_video", "load_replay_data"]

ProgressFn = Callable[[float], None]
CancelledFn = Callable[[], bool]

_RENDER_SHARE = 0.98
"""Progress reached when every frame is drawn; the rest is FFmpeg finishing the file."""


@dataclass(frozen=True)
class ReplayData:
    """What the export page needs, in the shapes the API sends."""

    replay: Replay
    events: Sequence[RecordedEvent]
    annotations: Sequence[Annotation]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    frames: int  # frames in the video
    captured: int  # frames that differed from the one before (screenshots taken)
    duration_s: float  # length of the video
    seconds: float  # wall time of the export


def load_replay_data(store: Store, replay_id: str) -> ReplayData:
    """The replay, all its events and its annotations, read as the given store's user."""
    replay = store.get_replay(replay_id)
    if replay is None:
        from vibecast.store.base import ReplayNotFound

        raise ReplayNotFound(f"no replay {replay_id}")
    return ReplayData(replay, store.read_events(replay.id), store.list_annotations(replay.id))


def export_video(
    data: ReplayData,
    request: ExportRequest,
    output: Path,
    *,
    progress: ProgressFn | None = None,
    cancelled: CancelledFn | None = None,
    static_dir: Path | None = None,
) -> ExportResult:
    """Render ``data`` as ``request`` asks into ``output`` (written whole, or not at all)."""
    started = time.perf_counter()
    request = request.checked()
    timing = VideoTiming(data.events, duration_ms=data.replay.metadata.duration_ms, request=request)
    width, height = request.size
    report = progress or (lambda _fraction: None)
    report(0.0)
    captured = 0
    with FrameRenderer(width, height, static_dir=static_dir) as renderer:
        renderer.load(data.replay, list(data.events), list(data.annotations))
        with FrameEncoder(
            output,
            video_format=request.format,
            width=width,
            height=height,
            frame_count=timing.frame_count,
        ) as encoder:
            for index, jpeg in renderer.frames(
                timing.replay_ms,
                timing.frame_count,
                progress=lambda done: report(_RENDER_SHARE * done / timing.frame_count),
                cancelled=cancelled,
            ):
                encoder.frame(index, jpeg)
                captured += 1
            encoder.finish()
    report(1.0)
    return ExportResult(
        path=output,
        frames=timing.frame_count,
        captured=captured,
        duration_s=timing.duration_s,
        seconds=time.perf_counter() - started,
    )
