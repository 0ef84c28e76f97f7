"""Frames assembled from region pictures: the keys the page gives, the compositor, the feed.

The exporter takes each region's picture once per key and pastes it back whenever the key comes
back, so the contract "equal keys, equal pixels" is what keeps the video true to the player:
it is checked here on real pixels from Chromium, as is the compositor's yuv420p against FFmpeg's
own conversion.
"""

from __future__ import annotations

import subprocess
from collections import defaultdict

import numpy as np
import pytest
from export_helpers import need_tools, png_pixels

from vibecast.export.compositor import FrameCompositor, decode_image
from vibecast.export.mkv import I420, MatroskaWriter
from vibecast.export.renderer import FrameRenderer
from vibecast.export.request import ExportRequest
from vibecast.export.timing import VideoTiming
from vibecast.export.video import load_replay_data


def _rgb_to_png(rgb: np.ndarray) -> bytes:
    h, w = rgb.shape[:2]
    return subprocess.run(
        [
            *("ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}"),
            *("-i", "-", "-f", "image2pipe", "-c:v", "png", "-"),
        ],
        input=rgb.tobytes(),
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout


def _ffmpeg_yuv(png: bytes) -> bytes:
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-i", "-", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
        input=png,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout


def _close_to_ffmpeg(frame: np.ndarray, expected: bytes, width: int, height: int) -> bool:
    """Luma within 1 of FFmpeg's; chroma close on average (FFmpeg filters chroma across sharp
    colour edges where we average 2x2 pixels, as yuv420p allows)."""
    luma = width * height
    ours, theirs = frame.astype(int), np.frombuffer(expected, np.uint8).astype(int)
    return (
        np.abs(ours[:luma] - theirs[:luma]).max() <= 1
        and np.abs(ours[luma:] - theirs[luma:]).mean() <= 2
    )


def test_pictures_are_ffmpegs_yuv420p_and_paste_where_their_box_is() -> None:
    need_tools()
    rng = np.random.default_rng(6)
    base = np.repeat(np.repeat(rng.integers(0, 256, (8, 12, 3), np.uint8), 8, 0), 8, 1)
    png = _rgb_to_png(base)
    comp = FrameCompositor(96, 64, [(32, 16, 32, 32)])
    comp.set_base(decode_image(png), ["base"])
    assert _close_to_ffmpeg(comp.frame, _ffmpeg_yuv(png), 96, 64)

    patch = np.full((32, 32, 3), (200, 30, 60), np.uint8)
    comp.show(0, "red", decode_image(_rgb_to_png(patch)))
    pasted = base.copy()
    pasted[16:48, 32:64] = patch
    assert _close_to_ffmpeg(comp.frame, _ffmpeg_yuv(_rgb_to_png(pasted)), 96, 64)
    assert not _close_to_ffmpeg(comp.frame, _ffmpeg_yuv(png), 96, 64)  # the paste changed it
    assert comp.shown == ["red"]


def test_the_cache_keeps_recent_pictures_within_its_budget() -> None:
    need_tools()
    picture = decode_image(_rgb_to_png(np.zeros((16, 16, 3), np.uint8)))
    comp = FrameCompositor(16, 16, [(0, 0, 16, 16)], cache_bytes=picture.nbytes * 2)
    for key in ("a", "b", "c"):
        comp.remember(0, key, picture)
    assert comp.cached(0, "a") is None  # the oldest went first
    assert comp.cached(0, "b") is picture and comp.cached(0, "c") is picture


def test_raw_frames_with_timestamps_reach_ffmpeg_as_yuv420p() -> None:
    need_tools()
    writer = MatroskaWriter(4, 2, I420)
    frames = [bytes([v] * 8 + [128] * 4) for v in (40, 120)]
    stream = writer.header()
    for image, ms in zip(frames + frames[-1:], (0, 100, 200), strict=True):
        stream += b"".join(writer.frame(image, ms))
    out = subprocess.run(
        [
            *("ffmpeg", "-v", "error", "-f", "matroska", "-i", "-", "-vf", "fps=30"),
            *("-frames:v", "6", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"),
        ],
        input=stream,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    lumas = [out[i * 12] for i in range(len(out) // 12)]
    assert lumas == [40, 40, 40, 120, 120, 120]  # each image held until the next timestamp
    with pytest.raises(ValueError, match="I420"):
        writer.frame(b"short", 0)


def test_equal_region_keys_are_equal_pixels(imported) -> None:
    """Whenever the page gives a region the same key at two moments, its pixels are the same
    (the pulse phases, the bar tiles behind and ahead of the playhead, the clock...), and the
    keys do change over the replay: the comparison is not vacuous."""
    need_tools()
    data = load_replay_data(imported.store, imported.replay.id)
    request = ExportRequest(resolution="720p", to_ms=20_000).checked()
    timing = VideoTiming(data.events, duration_ms=data.replay.metadata.duration_ms, request=request)
    times = [timing.replay_ms(n) for n in range(0, timing.frame_count, 2)]
    with FrameRenderer(1280, 720) as page:
        page.load(data.replay, list(data.events), list(data.annotations))
        names, rects = page.regions()
        keys = page.region_keys(times)
        pairs: list[tuple[int, float, float]] = []
        for region in range(len(names)):
            seen: dict[str, list[float]] = defaultdict(list)
            for t, frame_keys in zip(times, keys, strict=True):
                seen[frame_keys[region]].append(t)
            assert len(seen) > 1 or names[region].startswith("bar:"), names[region]
            repeated = [ts for ts in seen.values() if len(ts) > 1]
            for ts in repeated[:2]:
                pairs.append((region, ts[0], ts[-1]))
        assert len(pairs) >= len(names)
        for region, first, last in pairs:
            shots = []
            for t in (first, last):
                page.draw(t)
                _, _, w, h = rects[region]
                shots.append(png_pixels(page.capture("png", clip=rects[region]), w, h))
            assert np.array_equal(shots[0], shots[1]), (names[region], first, last)
