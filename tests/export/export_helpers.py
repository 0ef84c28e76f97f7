"""Helpers of the export tests: ffprobe, frames out of a video, a PostgreSQL database, imports."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

SMALL = "claude-code/transcripts/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl"
PG_ADMIN = os.environ.get("VIBECAST_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
_names = itertools.count()


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
        message = f"export tests need {', '.join(missing)}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


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


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new database on the local PostgreSQL server, dropped afterwards (fail under CI=true)."""
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except Exception as exc:
        message = f"PostgreSQL is not available: {str(exc).splitlines()[0] if str(exc) else exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    name = f"vibecast_export_{os.getpid()}_{next(_names)}"
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
