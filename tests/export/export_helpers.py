"""Helpers of the export tests: ffprobe, frames out of a video, a PostgreSQL database, imports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from required import unavailable

SMALL = "claude-code/transcripts/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl"


def need_tools() -> None:
    """Real FFmpeg and Chromium, or skip (fail under CI=true)."""
    missing = [t for t in ("ffmpeg", "ffprobe") if shutil.which(t) is None]
    if not Path(os.environ.get("VIBECAST_CHROMIUM", "/usr/bin/chromium")).exists():
        missing.append("chromium")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright")
    if missing:
        unavailable(
            f"export tests need {', '.join(missing)}",
            "video export is tested with the real programs (scripts/install-system-deps)",
        )


def probe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_frames",
            "-show_entries",
            "stream=codec_name,pix_fmt,width,height,r_frame_rate,avg_frame_rate,nb_read_frames"
            ":format=duration,format_name",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    data = json.loads(out)
    return {**data["streams"][0], **data["format"]}


def video_frame(path: Path, index: int, width: int, height: int) -> np.ndarray:
    """Frame ``index`` of a video as an RGB array."""
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(path),
            "-vf",
            f"select=eq(n\\,{index})",
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(height, width, 3)


def png_pixels(png: bytes, width: int, height: int) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", "-", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        input=png,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(height, width, 3)


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())
