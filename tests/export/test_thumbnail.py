"""Thumbnails: a server's drawer keeps one browser for many, and a reused page draws exactly
what a fresh browser draws (nothing of the replay before it stays)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from export_helpers import need_tools
from PIL import Image

from vibecast.export.thumbnail import THUMBNAIL_SIZE, ThumbnailDrawer, render_thumbnail
from vibecast.export.video import ReplayData, load_replay_data
from vibecast.pipeline import import_paths

OTHER = "claude-code/transcripts/5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl"


@pytest.fixture(autouse=True)
def _tools() -> None:
    need_tools()


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        assert image.size == THUMBNAIL_SIZE
        return np.asarray(image.convert("RGB"))


def test_one_browser_draws_many_and_each_as_a_fresh_one_would(
    imported, shared_data: Path, tmp_path: Path
) -> None:
    other_id = import_paths(imported.store, imported.settings, [shared_data / OTHER]).replay_ids[0]
    first = load_replay_data(imported.store, other_id)
    second = load_replay_data(imported.store, imported.replay.id)
    drawer = ThumbnailDrawer()
    try:
        drawer.draw(lambda: first, tmp_path / "first.png")
        drawer.draw(lambda: second, tmp_path / "second.png")
        drawer.draw(lambda: first, tmp_path / "first-again.png")
        assert drawer.browsers_started == 1
    finally:
        drawer.close()
    render_thumbnail(second, tmp_path / "second-cold.png")
    render_thumbnail(first, tmp_path / "first-cold.png")
    assert np.array_equal(_pixels(tmp_path / "second.png"), _pixels(tmp_path / "second-cold.png"))
    assert np.array_equal(
        _pixels(tmp_path / "first-again.png"), _pixels(tmp_path / "first-cold.png")
    )
    assert not np.array_equal(_pixels(tmp_path / "first.png"), _pixels(tmp_path / "second.png"))


def test_a_failed_drawing_is_raised_and_the_next_one_starts_afresh(
    imported, tmp_path: Path
) -> None:
    data = load_replay_data(imported.store, imported.replay.id)
    drawer = ThumbnailDrawer()
    try:
        blocked = tmp_path / "file-not-dir"
        blocked.write_text("x")
        with pytest.raises(OSError):
            drawer.draw(lambda: data, blocked / "thumb.png")  # its directory cannot be made
        drawer.draw(lambda: data, tmp_path / "ok.png")
        assert drawer.browsers_started == 2
    finally:
        drawer.close()
    assert _pixels(tmp_path / "ok.png").std() > 5


def test_a_drawing_not_needed_any_more_is_skipped_and_a_hung_one_given_up(
    imported, tmp_path: Path
) -> None:
    """``unless`` is asked when the drawing's turn comes (another request drew it meanwhile);
    a drawing that does not end in time is given up with its thread, and the next request is
    served by a new one instead of waiting behind it."""
    loads: list[str] = []

    def data() -> ReplayData:
        loads.append(imported.replay.id)
        return load_replay_data(imported.store, imported.replay.id)

    drawer = ThumbnailDrawer()
    release = threading.Event()
    try:
        assert drawer.draw(data, tmp_path / "skipped.png", unless=lambda: True) is False
        assert not (tmp_path / "skipped.png").exists() and drawer.browsers_started == 0
        assert loads == [], "a skipped drawing reads nothing"

        def hang() -> bool:
            release.wait(30)  # a browser that stopped answering
            return True

        with pytest.raises(TimeoutError):
            drawer.draw(data, tmp_path / "hung.png", unless=hang, timeout=0.5)
        assert drawer.draw(data, tmp_path / "after.png", timeout=60) is True
        assert _pixels(tmp_path / "after.png").std() > 5
    finally:
        release.set()
        drawer.close()
