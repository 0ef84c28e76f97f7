"""Frames assembled from region pictures: the keys the page gives, the compositor, the feed.

The exporter takes each region's picture once per key and pastes it back whenever the key comes
back, so the contract "equal keys, equal pixels" is what keeps the video true to the player:
it is checked here on real pixels from Chromium, as is the compositor's yuv420p against FFmpeg's
own conversion.
"""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict

import numpy as np
import pytest
from export_helpers import mean_abs_diff, need_tools, png_pixels, video_frame

from vibecast.export.compositor import FrameCompositor
from vibecast.export.jpeg import decode_image
from vibecast.export.mkv import I420, MatroskaWriter
from vibecast.export.renderer import FrameRenderer
from vibecast.export.request import ExportRequest
from vibecast.export.timing import VideoTiming
from vibecast.export.video import ReplayData, export_video, load_replay_data
from vibecast.store.base import Annotation


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
    (scene tiles with a walking agent or a pulsing station near them, bar tiles behind and ahead
    of the playhead, the clock...), and keys do change over the replay: the check is not vacuous.

    Canvas tiles are read back at every sampled moment (identical pixels give identical JPEGs);
    the DOM regions are compared on screenshots, two moments per repeated key.
    """
    need_tools()
    data = load_replay_data(imported.store, imported.replay.id)
    request = ExportRequest(resolution="720p", to_ms=20_000).checked()
    timing = VideoTiming(data.events, duration_ms=data.replay.metadata.duration_ms, request=request)
    times = [timing.replay_ms(n) for n in range(0, timing.frame_count, 3)]
    with FrameRenderer(1280, 720) as page:
        page.load(data.replay, list(data.events), list(data.annotations))
        names, rects = page.regions()
        keys = page.region_keys(times)
        canvas = [r for r, name in enumerate(names) if name.startswith(("stage:", "bar:"))]
        pixels: dict[tuple[int, str], set[str | None]] = defaultdict(set)
        for t, frame_keys in zip(times, keys, strict=True):
            (urls,) = page.read_canvases([(t, [names[r] for r in canvas])])
            for region, url in zip(canvas, urls, strict=True):
                pixels[region, frame_keys[region]].add(url)
        stale = [(names[r], key) for (r, key), urls in pixels.items() if len(urls) > 1]
        assert not stale, stale[:3]

        changing = {
            names[r].split(":")[0] for r in range(len(names)) if len({k[r] for k in keys}) > 1
        }
        assert changing == {"header", "stage", "panel", "bar"}
        assert len(pixels) > len(canvas)  # some canvas tiles did change
        for region, name in enumerate(names):
            if region in canvas:
                continue
            seen: dict[str, list[float]] = defaultdict(list)
            for t, frame_keys in zip(times, keys, strict=True):
                seen[frame_keys[region]].append(t)
            for ts in [ts for ts in seen.values() if len(ts) > 1][:3]:
                shots = []
                for t in (ts[0], ts[-1]):
                    page.draw(t)
                    _, _, w, h = rects[region]
                    shots.append(png_pixels(page.capture("png", clip=rects[region]), w, h))
                assert np.array_equal(shots[0], shots[1]), (name, ts[0], ts[-1])


def test_annotation_pop_ups_over_the_scene_are_in_the_video(imported, tmp_path) -> None:
    """Pop-ups are DOM over the scene canvas: the scene tiles then come from screenshots."""
    need_tools()
    data = load_replay_data(imported.store, imported.replay.id)
    note = Annotation(
        id="n1", replay_id=data.replay.id, user_id="u", timestamp_ms=2000, text="look here · 看这里"
    )
    annotated = ReplayData(data.replay, data.events, [note])
    request = ExportRequest(resolution="720p", to_ms=6000)
    timing = VideoTiming(data.events, duration_ms=data.replay.metadata.duration_ms, request=request)
    output = tmp_path / "notes.mp4"
    export_video(annotated, request, output)
    frame = 90  # 3 s: the note shows from 2 s for 4 s
    with FrameRenderer(1280, 720) as page:
        page.load(data.replay, list(data.events), [note])
        page.render(timing.replay_ms(frame))
        with_note = png_pixels(page.capture("png"), 1280, 720)
        page.load(data.replay, list(data.events), [])
        page.render(timing.replay_ms(frame))
        without = png_pixels(page.capture("png"), 1280, 720)
    video = video_frame(output, frame, 1280, 720)
    assert mean_abs_diff(with_note, video) < 3.0
    # the pop-up is there, where the scene is: the video differs from the page without the note
    stage = (slice(48, 656), slice(0, 870))
    assert mean_abs_diff(with_note[stage], video[stage]) < mean_abs_diff(
        without[stage], video[stage]
    )


def test_header_atlas_copies_are_the_pages_header(imported) -> None:
    """The exporter takes many seconds' headers in one screenshot, from copies of the header
    stacked over the page: each copy must be pixel for pixel the page's own header at its time
    (and the copies do differ: the clock moves)."""
    need_tools()
    data = load_replay_data(imported.store, imported.replay.id)
    for width, height in ((1280, 720), (1920, 1080)):
        with FrameRenderer(width, height) as page:
            page.load(data.replay, list(data.events), list(data.annotations))
            names, rects = page.regions()
            _, _, w, h = rects[names.index("header")]
            times = [500.0 * n for n in range(60)]
            keys = page.region_keys(times)
            found = json.loads(page._call("headerAtlas", times))
            assert len(found["keys"]) > 10
            atlas = [
                png_pixels(page.capture("png", clip=tuple(box)), w, h) for box in found["boxes"]
            ]
            header_keys = [k[names.index("header")] for k in keys]
            assert found["keys"] == list(dict.fromkeys(header_keys))[: len(found["keys"])]
            for key, copy in zip(found["keys"], atlas, strict=True):
                page.draw(times[header_keys.index(key)])
                own = png_pixels(page.capture("png", clip=rects[names.index("header")]), w, h)
                assert np.array_equal(copy, own), (width, key)
            assert not np.array_equal(atlas[0], atlas[-1])
