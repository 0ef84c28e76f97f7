"""Real exports of a shared transcript, checked with ffprobe, and frames checked against the page.

Chromium draws with the player's own code (static/export.html), FFmpeg encodes; nothing is mocked.
Videos are kept short (a few seconds at 720p) so the suite stays fast.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from export_helpers import mean_abs_diff, need_tools, png_pixels, probe, video_frame

from vibecast.export import video
from vibecast.export.renderer import FrameRenderer
from vibecast.export.request import ExportError, ExportRequest
from vibecast.export.timing import VideoTiming
from vibecast.export.video import export_video, load_replay_data

FRAME_TOLERANCE = 1 / 30


@pytest.fixture(autouse=True)
def _tools() -> None:
    need_tools()


@pytest.mark.parametrize(
    ("fields", "codec"),
    [
        ({"format": "mp4", "speed": 4.0, "to_ms": 12_000}, "h264"),
        ({"format": "webm", "speed": 2.0, "from_ms": 3000, "to_ms": 9000}, "vp9"),
    ],
)
def test_export_is_what_ffprobe_expects(imported, tmp_path: Path, fields: dict, codec: str) -> None:
    data = load_replay_data(imported.store, imported.replay.id)
    request = ExportRequest.from_json({"resolution": "720p", **fields})
    output = tmp_path / f"out.{request.format}"
    seen: list[float] = []
    result = export_video(data, request, output, progress=seen.append)
    info = probe(output)
    assert info["codec_name"] == codec
    assert info["pix_fmt"] == "yuv420p"
    assert (info["width"], info["height"]) == (1280, 720)
    assert info["r_frame_rate"] == "30/1"
    assert info["avg_frame_rate"] == "30/1"
    expected_s = (request.to_ms - request.from_ms) / 1000 / request.speed
    assert abs(float(info["duration"]) - expected_s) <= FRAME_TOLERANCE + 1e-6
    assert int(info["nb_read_frames"]) == result.frames
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    if request.format == "mp4":
        head = output.read_bytes()[:4096]
        assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # faststart
    assert not list(tmp_path.glob("*.part"))


def test_idle_limit_shortens_the_video(imported, tmp_path: Path) -> None:
    data = load_replay_data(imported.store, imported.replay.id)
    request = ExportRequest(resolution="720p", speed=8.0, idle_limit_ms=1000)
    timing = VideoTiming(data.events, duration_ms=data.replay.metadata.duration_ms, request=request)
    assert timing.video_ms < data.replay.metadata.duration_ms / 8  # the transcript has pauses
    export_video(data, request, tmp_path / "idle.mp4")
    assert abs(float(probe(tmp_path / "idle.mp4")["duration"]) - timing.video_ms / 1000) <= (
        FRAME_TOLERANCE + 1e-6
    )


def test_a_video_frame_is_the_player_at_that_moment(
    imported, tmp_path: Path, screenshots_dir: Path
) -> None:
    data = load_replay_data(imported.store, imported.replay.id)
    request = ExportRequest(resolution="720p", speed=2.0, to_ms=10_000)
    timing = VideoTiming(data.events, duration_ms=data.replay.metadata.duration_ms, request=request)
    output = tmp_path / "frames.mp4"
    export_video(data, request, output)
    checked = []
    with FrameRenderer(1280, 720) as page:
        page.load(data.replay, list(data.events), list(data.annotations))
        for frame in (0, 45, timing.frame_count - 1):
            page.render(timing.replay_ms(frame))
            png = page.capture("png")
            (screenshots_dir / f"export-frame-{frame}.png").write_bytes(png)
            diff = mean_abs_diff(png_pixels(png, 1280, 720), video_frame(output, frame, 1280, 720))
            checked.append(diff)
        # and a different moment does differ: the comparison can fail
        page.render(timing.replay_ms(0))
        first = png_pixels(page.capture("png"), 1280, 720)
    assert max(checked) < 3.0, checked  # mean |difference| per channel, of 255 (H.264 + yuv420p)
    last = video_frame(output, timing.frame_count - 1, 1280, 720)
    assert mean_abs_diff(first, last) > max(checked)


def test_bad_range_fails_before_any_work(imported, tmp_path: Path) -> None:
    data = load_replay_data(imported.store, imported.replay.id)
    with pytest.raises(ExportError, match="past the end"):
        export_video(data, ExportRequest(from_ms=10**9), tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def test_missing_ffmpeg_says_what_to_install(
    imported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIBECAST_FFMPEG", str(tmp_path / "no-ffmpeg"))
    data = load_replay_data(imported.store, imported.replay.id)
    with pytest.raises(ExportError, match="needs FFmpeg"):
        export_video(data, ExportRequest(resolution="720p", to_ms=1000), tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def test_segments_rendered_in_parallel_join_seamlessly(
    imported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # stretches of 5 s (the pages take 0-149, 150-299, 300-449, 450-599 as they get free)
    monkeypatch.setattr(video, "MIN_STRETCH_FRAMES", 150)
    data = load_replay_data(imported.store, imported.replay.id)
    request = ExportRequest(resolution="720p", to_ms=20_000)
    timing = VideoTiming(data.events, duration_ms=data.replay.metadata.duration_ms, request=request)
    output = tmp_path / "parts.mp4"
    result = export_video(data, request, output, pages=2)
    info = probe(output)
    assert int(info["nb_read_frames"]) == result.frames == 600
    assert info["avg_frame_rate"] == "30/1"
    assert abs(float(info["duration"]) - 20.0) <= FRAME_TOLERANCE + 1e-6
    with FrameRenderer(1280, 720) as page:
        page.load(data.replay, list(data.events), list(data.annotations))
        for frame in (149, 150, 299, 300):  # either side of two joins between parts
            page.render(timing.replay_ms(frame))
            shot = png_pixels(page.capture("png"), 1280, 720)
            assert mean_abs_diff(shot, video_frame(output, frame, 1280, 720)) < 3.0
    assert not [p for p in tmp_path.iterdir() if p.name != "parts.mp4" and p.name != "home"]


def test_chromium_writes_nothing_in_the_users_home(
    imported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chromium keeps crash reports in ``~/.config/chromium`` and a dconf cache in ``~/.cache``
    unless told otherwise: an export must leave the user's home as it found it."""
    home = tmp_path / "user-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    data = load_replay_data(imported.store, imported.replay.id)
    request = ExportRequest(resolution="720p", speed=8.0, to_ms=4000)
    export_video(data, request, tmp_path / "out.mp4")
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []
