"""Repeats written as skipped frames: every frame is in the MP4 and each repeat is an exact copy.

Real FFmpeg encodes the changed frames and decodes the result; nothing is mocked.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from export_helpers import need_tools, probe

from vibecast.export.encoder import FrameEncoder
from vibecast.export.h264 import NotSpliceable, SkipFiller

W, H = 64, 48


def _frame(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    luma = np.repeat(np.repeat(rng.integers(16, 236, (H // 8, W // 8), np.uint8), 8, 0), 8, 1)
    return luma.tobytes() + bytes([128]) * (W * H // 2)


def _decoded(path: Path) -> list[bytes]:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    size = W * H * 3 // 2
    return [raw[i : i + size] for i in range(0, len(raw), size)]


def test_repeats_are_exact_copies_and_every_frame_is_there(tmp_path: Path) -> None:
    need_tools()
    changes = {0: 1, 1: 2, 5: 3, 300: 4, 301: 5, 590: 6}  # gaps past a keyframe interval
    output = tmp_path / "sparse.mp4"
    with FrameEncoder(output, video_format="mp4", width=W, height=H, frame_count=600) as enc:
        for index, seed in changes.items():
            enc.frame(index, _frame(seed))
        enc.finish()
    info = probe(output)
    assert int(info["nb_read_frames"]) == 600
    assert info["r_frame_rate"] == info["avg_frame_rate"] == "30/1"
    assert abs(float(info["duration"]) - 20.0) <= 1 / 30 + 1e-6
    frames = _decoded(output)
    assert len(frames) == 600
    starts = sorted(changes)
    for n, frame in enumerate(frames):
        shown = max(i for i in starts if i <= n)
        assert frame == frames[shown], n  # a repeat is bit-exact
        if n in changes and n:
            assert frame != frames[n - 1]  # and a change is one
    head = output.read_bytes()[:4096]
    assert b"moov" in head  # faststart


def test_a_stream_it_cannot_follow_is_refused(tmp_path: Path) -> None:
    need_tools()
    cabac = subprocess.run(
        [
            *("ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc=size={W}x{H}:rate=30"),
            *("-frames:v", "3", "-c:v", "libx264", "-preset", "veryfast", "-f", "h264", "-"),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    filler = SkipFiller(10)
    for index in range(3):
        filler.picture(index)
    with pytest.raises(NotSpliceable):
        filler.feed(cabac)
        filler.finish()
