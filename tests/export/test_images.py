"""Images an event attaches are in the video, as the player shows them.

The shared data holds no images, so the session is the shared ``/init`` transcript with a prompt
that pastes a real PNG, an SVG holding a script and HTML labelled ``image/png``
(``tests/image_session.py``, as the API and browser tests use): the PNG must be drawn in the
video's panel, the other two only named, as the player does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from export_helpers import mean_abs_diff, need_tools, png_pixels, video_frame

from image_session import sha, write_image_session
from vibecast.export.renderer import FrameRenderer
from vibecast.export.request import ExportRequest
from vibecast.export.timing import VideoTiming
from vibecast.export.video import export_video, load_replay_data
from vibecast.pipeline import import_paths

_IMAGE_JS = """() => [...document.querySelectorAll('.now-detail .attachment')].map((a) => {
  const img = a.querySelector('img');
  return {image: !!img, width: img ? img.naturalWidth : 0, complete: img ? img.complete : false,
          text: a.textContent};
})"""


def test_attached_images_are_drawn_in_the_video(imported, shared_data: Path, tmp_path: Path):
    need_tools()
    session = write_image_session(shared_data, tmp_path)
    summary = import_paths(imported.store, imported.settings, [session.path], force=True)
    data = load_replay_data(imported.store, summary.replay_ids[0])
    assert set(data.images) == {sha(session.png)}  # raster bytes only: not the SVG, not the HTML

    shown_at = next(e.relative_time_ms for e in data.events if e.attachments)
    start = max(0, shown_at - 1000)
    request = ExportRequest(resolution="720p", from_ms=start, to_ms=shown_at + 2000)
    timing = VideoTiming(data.events, duration_ms=data.replay.metadata.duration_ms, request=request)
    frame = next(n for n in range(timing.frame_count) if timing.replay_ms(n) >= shown_at + 500)
    output = tmp_path / "images.mp4"
    export_video(data, request, output)
    in_video = video_frame(output, frame, 1280, 720)

    with FrameRenderer(1280, 720) as page:
        page.load(data.replay, list(data.events), list(data.annotations), data.images)
        names, rects = page.regions()
        page.render(timing.replay_ms(frame))
        attachments = page._page.evaluate(_IMAGE_JS)
        with_image = png_pixels(page.capture("png"), 1280, 720)
        page.load(data.replay, list(data.events), list(data.annotations))  # no images served
        page.render(timing.replay_ms(frame))
        without = png_pixels(page.capture("png"), 1280, 720)

    picture = next(a for a in attachments if a["image"])
    assert picture["width"] == 96 and picture["complete"]  # decoded: a real image
    assert sum(not a["image"] for a in attachments) == 2  # the SVG and the HTML: a line each
    assert mean_abs_diff(with_image, in_video) < 3.0
    x, y, w, h = rects[names.index("panel")]
    panel = (slice(y, y + h), slice(x, x + w))
    assert not np.array_equal(with_image[panel], without[panel])
    assert mean_abs_diff(with_image[panel], in_video[panel]) < mean_abs_diff(
        without[panel], in_video[panel]
    )
