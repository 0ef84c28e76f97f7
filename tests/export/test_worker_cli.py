"""`vibecast worker` without a database says so in one line; what a killed render left in the
exports directory is removed by age, by the local queue as by a worker (the worker's own start
is tested on PostgreSQL in test_workers_pg.py).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from served import free_port, run_vibecast
from vibecast.export.jobs import job_store
from vibecast.export.local_queue import LocalExportQueue
from vibecast.export.outputs import STALE_LEFTOVER_SECONDS, remove_stale_leftovers
from vibecast.store import open_store


def test_worker_without_a_database_says_it_cannot_connect(tmp_path: Path) -> None:
    url = f"postgresql://vibecast:secret@127.0.0.1:{free_port()}/vibecast"
    env = {**os.environ, "VIBECAST_DATABASE_URL": url, "VIBECAST_HOME": str(tmp_path)}
    done = run_vibecast(env, "worker")
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: cannot connect to PostgreSQL: connection failed: "), lines
    assert "Connection refused" in lines[0]
    assert "taking export jobs" not in done.stderr and "secret" not in done.stderr


def _leftover(folder: Path, age_s: float) -> Path:
    """A part directory as a render with several pages keeps it, last written ``age_s`` ago."""
    folder.mkdir(parents=True)
    (folder / "part0.webm").write_bytes(b"\0" * 100)
    (folder / "part1.webm.part").write_bytes(b"\0" * 100)
    when = time.time() - age_s
    for path in (*folder.iterdir(), folder):
        os.utime(path, (when, when))
    return folder


def test_only_leftovers_untouched_for_long_are_removed(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    stale = _leftover(videos / "vibecast-export-aaaa", STALE_LEFTOVER_SECONDS + 60)
    recent = _leftover(videos / "vibecast-export-bbbb", STALE_LEFTOVER_SECONDS - 60)
    writing = _leftover(videos / "vibecast-export-cccc", STALE_LEFTOVER_SECONDS + 60)
    (writing / "part1.webm.part").write_bytes(b"\0" * 200)  # a live render appends to a part
    future = _leftover(videos / "vibecast-export-dddd", -600)  # another machine's clock ahead
    thumbs = tmp_path / "thumbnails"
    thumbs.mkdir()
    partial_thumb = thumbs / "r1.png.123-456.part"
    partial_thumb.write_bytes(b"x")
    old = time.time() - 2 * STALE_LEFTOVER_SECONDS
    os.utime(partial_thumb, (old, old))
    video = videos / "exp_0123.webm"  # finished files are not leftovers, however old
    video.write_bytes(b"x")
    os.utime(video, (old, old))

    removed = remove_stale_leftovers(tmp_path)

    assert sorted(removed) == sorted([stale, partial_thumb])
    assert not stale.exists() and not partial_thumb.exists()
    assert recent.exists() and writing.exists() and future.exists() and video.exists()
    assert remove_stale_leftovers(tmp_path / "nothing-here") == []


def test_the_local_queue_removes_stale_leftovers_when_it_starts(tmp_path: Path) -> None:
    root = tmp_path / "exports"
    stale = _leftover(root / "videos" / "vibecast-export-old1", STALE_LEFTOVER_SECONDS + 60)
    fresh = _leftover(root / "videos" / "vibecast-export-new1", 5)
    store = open_store(f"sqlite:///{tmp_path / 'vibecast.db'}")
    queue = LocalExportQueue(store, job_store(store), root, poll_seconds=0.1)
    queue.start()
    try:
        deadline = time.monotonic() + 10
        while stale.exists():
            assert time.monotonic() < deadline, "the stale part directory is still there"
            time.sleep(0.05)
    finally:
        queue.stop()
        store.close()
    assert sorted(p.name for p in fresh.iterdir()) == ["part0.webm", "part1.webm.part"]
