"""ExportRequest validation and the video clock (frame -> replay time), without a browser."""

from __future__ import annotations

import pytest

from vibecast.export.request import ExportError, ExportRequest
from vibecast.export.timing import VideoTiming
from vibecast.model import RecordedEvent


def _events(*times: int) -> list[RecordedEvent]:
    return [
        RecordedEvent(
            id=f"e{i}", timestamp=t, type="stop", session_id="s", recorded_at=t, relative_time_ms=t
        )
        for i, t in enumerate(times)
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"format": "avi"}, "format"),
        ({"resolution": "4k"}, "resolution"),
        ({"speed": 0.1}, "speed"),
        ({"speed": 32}, "speed"),
        ({"speed": float("nan")}, "speed"),
        ({"idle_limit_ms": 0}, "idle_limit"),
        ({"from_ms": -1}, "from_ms"),
        ({"from_ms": 5000, "to_ms": 5000}, "to_ms"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_requests_name_the_field(fields: dict, message: str) -> None:
    with pytest.raises(ExportError, match=message):
        ExportRequest.from_json(fields)


def test_duration_at_speed_is_exact() -> None:
    timing = VideoTiming(_events(0, 60_000), duration_ms=60_000, request=ExportRequest(speed=2))
    assert timing.video_ms == 30_000
    assert timing.frame_count == 900  # 30 s at 30 fps; the last frame shows the end
    assert timing.replay_ms(0) == 0
    assert timing.replay_ms(30) == pytest.approx(2000)
    assert timing.replay_ms(899) == 60_000


def test_idle_limit_caps_gaps_like_the_player() -> None:
    events = _events(0, 1000, 61_000, 62_000)
    timing = VideoTiming(events, duration_ms=62_000, request=ExportRequest(idle_limit_ms=2000))
    # gaps 1 s, 60 s -> 2 s, 1 s: 4 s of video
    assert timing.video_ms == 4000
    assert timing.frame_count == 120
    # the skipped part is the start of the long gap: right after 1 s the playhead jumps to 59 s
    assert timing.replay_ms(30) == pytest.approx(59_000)
    assert timing.replay_ms(90) == pytest.approx(61_000)


def test_range_and_clamping() -> None:
    events = _events(0, 10_000, 20_000)
    timing = VideoTiming(
        events, duration_ms=20_000, request=ExportRequest(from_ms=5000, to_ms=99_000)
    )
    assert timing.to_ms == 20_000
    assert timing.video_ms == 15_000
    assert timing.replay_ms(0) == 5000
    with pytest.raises(ExportError, match="past the end"):
        VideoTiming(events, duration_ms=20_000, request=ExportRequest(from_ms=30_000))


def test_too_long_a_video_is_refused() -> None:
    with pytest.raises(ExportError, match="10 h"):
        VideoTiming(
            _events(0, 40 * 3600_000),
            duration_ms=40 * 3600_000,
            request=ExportRequest(speed=0.25),
        )
