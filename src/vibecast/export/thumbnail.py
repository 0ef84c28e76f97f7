"""A replay's thumbnail: one PNG frame of the player at a representative moment.

The moment is the middle tool call of the replay (a scene with something going on), or the
middle of the replay when it has none. Drawn by the same export page as the videos, at 1280x720
and stored at half that (640x360) for lists and link previews.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vibecast.export.video import ReplayData, frame_renderer

if TYPE_CHECKING:
    from vibecast.export.renderer import FrameRenderer

__all__ = ["THUMBNAIL_SIZE", "ThumbnailDrawer", "render_thumbnail", "thumbnail_moment"]

THUMBNAIL_SIZE = (640, 360)
_RENDER_SIZE = (1280, 720)


def thumbnail_moment(data: ReplayData) -> int:
    """Replay time (ms) the thumbnail shows."""
    tools = [e.relative_time_ms for e in data.events if e.type == "pre_tool_use"]
    if tools:
        return max(0, tools[len(tools) // 2])
    return max(0, data.replay.metadata.duration_ms // 2)


def render_thumbnail(data: ReplayData, output: Path, *, static_dir: Path | None = None) -> Path:
    """Draw the thumbnail into ``output`` (written whole, or not at all), in a browser of its
    own (a server draws many with a :class:`ThumbnailDrawer`)."""
    width, height = _RENDER_SIZE
    with frame_renderer(width, height, static_dir=static_dir) as renderer:
        return _draw(renderer, data, output)


def _draw(renderer: FrameRenderer, data: ReplayData, output: Path) -> Path:
    renderer.load(data.replay, list(data.events), list(data.annotations), data.images)
    renderer.render(thumbnail_moment(data))
    png = renderer.capture("png", scale=THUMBNAIL_SIZE[0] / _RENDER_SIZE[0])
    output.parent.mkdir(parents=True, exist_ok=True)
    # one partial file per drawer: two requests may draw the same thumbnail at once
    partial = output.with_name(f"{output.name}.{os.getpid()}-{threading.get_ident()}.part")
    partial.write_bytes(png)
    os.replace(partial, output)
    return output


class ThumbnailDrawer:
    """Draws thumbnails one at a time in a thread of its own, keeping its browser between them.

    A page of the replay browser asks for a thumbnail per card; starting Chromium for each cost
    ~1 s, reloading the page of a running one a fraction of that. The browser is closed after
    :data:`IDLE_S` without a request, and after any failure (the next request starts another).
    A drawing that does not end within its timeout (a hung browser) is given up with its thread:
    the next request starts a new one, so one hang does not queue every later request behind it.
    """

    IDLE_S = 60.0

    def __init__(self, *, static_dir: Path | None = None) -> None:
        self._static_dir = static_dir
        self._requests: queue.Queue[_Request | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.browsers_started = 0  # for tests and logs: how often a browser had to start

    def draw(
        self,
        load: Callable[[], ReplayData],
        output: Path,
        *,
        unless: Callable[[], bool] | None = None,
        timeout: float = 120.0,
    ) -> bool:
        """Draw the thumbnail of the replay ``load()`` reads into ``output`` — unless
        ``unless()`` says, when its turn comes, that it is not needed any more (another request
        drew it); whether it drew. The replay is read only then, in the drawer's thread: a page
        of cards queues many requests, which must not each hold a replay and its pictures
        while they wait. Raises what reading or drawing raised, or :class:`TimeoutError`."""
        done: Future[bool] = Future()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._requests = queue.Queue()
                self._thread = threading.Thread(
                    target=self._run,
                    args=(self._requests,),
                    name="vibecast-thumbnails",
                    daemon=True,
                )
                self._thread.start()
            thread, requests = self._thread, self._requests
            requests.put(_Request(load, output, unless, done))
        try:
            return done.result(timeout)
        except TimeoutError:
            with self._lock:
                if self._thread is thread:  # hung: the next request starts afresh
                    self._thread = None
            raise

    def close(self) -> None:
        """Stop the thread and its browser (what is queued is drawn first)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._requests.put(None)
        if thread is not None:
            thread.join(30)

    def _run(self, requests: queue.Queue[_Request | None]) -> None:
        renderer: FrameRenderer | None = None
        try:
            while True:
                try:
                    request = requests.get(timeout=self.IDLE_S)
                except queue.Empty:
                    if renderer is not None:
                        renderer.close()
                        renderer = None
                    if self._thread is not threading.current_thread():
                        return  # given up on (or closed): a newer thread serves
                    continue
                if request is None:
                    return
                if not request.done.set_running_or_notify_cancel():
                    continue
                try:
                    if request.unless is not None and request.unless():
                        request.done.set_result(False)
                        continue
                    data = request.load()
                except BaseException as exc:  # the browser had no part in it: kept
                    request.done.set_exception(exc)
                    continue
                try:
                    if renderer is None:
                        renderer = frame_renderer(*_RENDER_SIZE, static_dir=self._static_dir)
                        renderer.__enter__()
                        self.browsers_started += 1
                    else:
                        renderer.reset()
                    _draw(renderer, data, request.output)
                    request.done.set_result(True)
                except BaseException as exc:  # the caller gets it; a broken browser is not kept
                    request.done.set_exception(exc)
                    if renderer is not None:
                        renderer.close()
                        renderer = None
        finally:
            if renderer is not None:
                renderer.close()


@dataclass(frozen=True)
class _Request:
    load: Callable[[], ReplayData]
    output: Path
    unless: Callable[[], bool] | None
    done: Future[bool]
