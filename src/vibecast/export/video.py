"""A whole export: replay + events in, a finished video file out, with progress and cancel.

This is the one function the CLI, the local queue and the server workers all call.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vibecast.export.encoder import FrameEncoder, concat_segments
from vibecast.export.outputs import TEMP_DIR_PREFIX
from vibecast.export.request import ExportCancelled, ExportError, ExportRequest
from vibecast.export.timing import VideoTiming
from vibecast.media import RASTER_EXTENSIONS, raster_type
from vibecast.model import RecordedEvent, Replay
from vibecast.store.base import Annotation, Store

if TYPE_CHECKING:
    from vibecast.export.renderer import FrameRenderer

__all__ = ["ExportResult", "ReplayData", "export_video", "load_replay_data"]

ProgressFn = Callable[[float], None]
CancelledFn = Callable[[], bool]

PAGES_ENV = "VIBECAST_EXPORT_PAGES"
DEFAULT_PAGES = 2
MIN_SEGMENT_FRAMES = 300
"""Never a page for less than 10 s of video."""
PARALLEL_FRAMES = 3600
"""By default a second page only from 2 minutes of video: starting one costs about 1 s of CPU,
and on 2 busy cores a 30 s export measured no faster with two pages (0.26 vs 0.25 wall/video)
while using a third more CPU."""
_RENDER_SHARE = 0.98
"""Progress reached when every frame is drawn; the rest is FFmpeg finishing the file."""


IMAGE_BUDGET = 256 * 2**20
"""Bytes of attached images an export holds; images past it show as the player shows an image
it cannot load (a line saying what it was)."""


@dataclass(frozen=True)
class ReplayData:
    """What the export page needs, in the shapes the API sends, and the attached images the
    panel shows (sha256 -> PNG, JPEG, GIF or WebP bytes), as the player gets them from the API."""

    replay: Replay
    events: Sequence[RecordedEvent]
    annotations: Sequence[Annotation]
    images: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    frames: int  # frames in the video
    captured: int  # frames that differed from the one before (screenshots taken)
    duration_s: float  # length of the video
    seconds: float  # wall time of the export


def frame_renderer(width: int, height: int, *, static_dir: Path | None = None) -> FrameRenderer:
    """The headless-Chromium renderer, imported only when a video is made: it needs the
    ``export`` extra (numpy, Pillow, Playwright), which the rest of vibecast does without."""
    try:
        from vibecast.export.renderer import FrameRenderer
    except ImportError as exc:
        raise ExportError(
            f"video export needs the Python package {exc.name}: pip install 'vibecast[export]'"
        ) from exc
    return FrameRenderer(width, height, static_dir=static_dir)


def _pages(frame_count: int, pages: int | None) -> int:
    wanted = pages or int(os.environ.get(PAGES_ENV, "0") or 0)
    if not wanted:
        wanted = DEFAULT_PAGES if frame_count >= PARALLEL_FRAMES else 1
    return max(1, min(wanted, frame_count // MIN_SEGMENT_FRAMES))


MIN_STRETCH_FRAMES = 600
"""With several pages, each page takes the next stretch of the video whenever it is free, a
share of what is left but never less than this (20 s): a page that drew an easy stretch takes
more, so the pages finish together (two fixed halves of fe5e1c67 took 59 and 53 s: a core idle
for the last 6 s). A page keeps its browser and its cached pictures from one stretch to the
next; a stretch costs one whole screenshot and an FFmpeg of its own."""


def _encode_stretch(
    renderer: FrameRenderer,
    request: ExportRequest,
    target: Path,
    first: int,
    count: int,
    timing: VideoTiming,
    advance: Callable[[int], None],
    stop: CancelledFn,
    later: Callable[[Callable[[], object]], None] | None = None,
) -> int:
    """Frames ``first`` .. ``first + count - 1`` of the video into ``target``; frames drawn.

    ``later``: where to leave FFmpeg finishing the part (another thread), so the page goes on
    with its next stretch meanwhile; by default it is waited for here."""
    width, height = request.size
    captured = 0
    with FrameEncoder(
        target, video_format=request.format, width=width, height=height, frame_count=count
    ) as encoder:
        for index, yuv in renderer.frames(
            lambda n: timing.replay_ms(first + n), count, progress=advance, cancelled=stop
        ):
            encoder.frame(index, yuv)
            captured += 1
        (later or (lambda finish: finish()))(encoder.finish)
    return captured


def _open_renderer(
    data: ReplayData, request: ExportRequest, static_dir: Path | None
) -> FrameRenderer:
    width, height = request.size
    renderer = frame_renderer(width, height, static_dir=static_dir)
    renderer.__enter__()
    try:
        renderer.load(data.replay, list(data.events), list(data.annotations), data.images)
    except BaseException:
        renderer.close()
        raise
    return renderer


def _render_shared(
    stretch: Callable[[FrameRenderer, int, int, Path, Callable[[Callable[[], object]], None]], int],
    open_page: Callable[[], FrameRenderer],
    frame_count: int,
    pages: int,
    output: Path,
    video_format: str,
    failed: threading.Event,
) -> None:
    """``pages`` threads (one Playwright and page each) take stretches of the video in order as
    they get free, then the parts are joined into ``output`` without re-encoding.

    Each claim takes a share of what is left (1 / (2 * pages), at least ``MIN_STRETCH_FRAMES``):
    long stretches first, short ones at the end, so the pages finish close together.
    """
    with tempfile.TemporaryDirectory(prefix=TEMP_DIR_PREFIX, dir=output.parent) as tmp:
        parts: dict[int, Path] = {}
        errors: list[BaseException] = []
        claimed = [0]
        lock = threading.Lock()
        finishing: list[threading.Thread] = []

        def later(job: Callable[[], object]) -> None:
            def run_job() -> None:
                try:
                    job()
                except BaseException as exc:
                    errors.append(exc)
                    failed.set()

            thread = threading.Thread(target=run_job, name="export-finish", daemon=True)
            thread.start()
            finishing.append(thread)

        def claim() -> tuple[int, int] | None:
            with lock:
                first = claimed[0]
                left = frame_count - first
                if left <= 0:
                    return None
                count = max(MIN_STRETCH_FRAMES, left // (2 * pages))
                count = left if left - count < MIN_STRETCH_FRAMES else count
                claimed[0] = first + count
                parts[first] = Path(tmp) / f"part{len(parts)}.{video_format}"
                return first, count

        def run() -> None:
            try:
                renderer = open_page()
                try:
                    while not failed.is_set() and (work := claim()) is not None:
                        stretch(renderer, *work, parts[work[0]], later)
                finally:
                    renderer.close()
            except BaseException as exc:
                errors.append(exc)
                failed.set()

        threads = [threading.Thread(target=run, daemon=True) for _ in range(pages)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for thread in finishing:
            thread.join()
        if errors:
            cancelled = [e for e in errors if isinstance(e, ExportCancelled)]
            raise (next((e for e in errors if e not in cancelled), None) or errors[0])
        concat_segments([parts[first] for first in sorted(parts)], output, video_format)


def load_replay_data(store: Store, replay_id: str, *, annotations: bool = True) -> ReplayData:
    """The replay, all its events and (unless not wanted: a share link shows none) its
    annotations, read as the given store's user."""
    replay = store.get_replay(replay_id)
    if replay is None:
        from vibecast.store.base import ReplayNotFound

        raise ReplayNotFound(f"no replay {replay_id}")
    events = store.read_events(replay.id)
    notes = store.list_annotations(replay.id) if annotations else []
    return ReplayData(replay, events, notes, _images(store, events))


def _images(store: Store, events: Sequence[RecordedEvent]) -> dict[str, bytes]:
    """The raster images the events attach, by the bytes (as the API serves them), within
    :data:`IMAGE_BUDGET`."""
    images: dict[str, bytes] = {}
    looked: set[str] = set()  # read once, kept or not
    used = 0
    for event in events:
        for attachment in event.attachments or ():
            sha256 = attachment.blob
            if not sha256 or sha256 in looked or (attachment.size or 0) + used > IMAGE_BUDGET:
                continue
            if attachment.media_type and attachment.media_type not in RASTER_EXTENSIONS:
                continue  # the panel names it and does not show it (ui/panel.js)
            looked.add(sha256)
            data = store.get_blob(sha256)
            if data is not None and raster_type(data) and used + len(data) <= IMAGE_BUDGET:
                images[sha256] = data
                used += len(data)
    return images


def export_video(
    data: ReplayData,
    request: ExportRequest,
    output: Path,
    *,
    progress: ProgressFn | None = None,
    cancelled: CancelledFn | None = None,
    static_dir: Path | None = None,
    pages: int | None = None,
) -> ExportResult:
    """Render ``data`` as ``request`` asks into ``output`` (written whole, or not at all).

    ``pages``: browser pages rendering consecutive segments at once (default
    ``$VIBECAST_EXPORT_PAGES``, else 2 from two minutes of video, else 1); their segments are
    joined without re-encoding.
    """
    started = time.perf_counter()
    request = request.checked()
    timing = VideoTiming(data.events, duration_ms=data.replay.metadata.duration_ms, request=request)
    report = progress or (lambda _fraction: None)
    report(0.0)
    pages = _pages(timing.frame_count, pages)
    done: dict[int, int] = {}
    captured: dict[int, int] = {}
    failed = threading.Event()
    lock = threading.Lock()

    def stop() -> bool:
        return failed.is_set() or (cancelled is not None and cancelled())

    def stretch(
        renderer: FrameRenderer,
        first: int,
        count: int,
        target: Path,
        later: Callable[[Callable[[], object]], None] | None = None,
    ) -> int:
        def advance(n: int) -> None:
            with lock:
                done[first] = n
                report(_RENDER_SHARE * sum(done.values()) / timing.frame_count)

        captured[first] = _encode_stretch(
            renderer, request, target, first, count, timing, advance, stop, later
        )
        return captured[first]

    def open_page() -> FrameRenderer:
        return _open_renderer(data, request, static_dir)

    if pages == 1:
        renderer = open_page()
        try:
            stretch(renderer, 0, timing.frame_count, output)
        finally:
            renderer.close()
    else:
        _render_shared(
            stretch, open_page, timing.frame_count, pages, output, request.format, failed
        )
    report(1.0)
    return ExportResult(
        path=output,
        frames=timing.frame_count,
        captured=sum(captured.values()),
        duration_s=timing.duration_s,
        seconds=time.perf_counter() - started,
    )
