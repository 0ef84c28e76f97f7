"""Local mode: export jobs run inside ``vibecast serve``, one at a time, and survive a restart.

Jobs are rows of the store's ``export_jobs`` table, so a queued job outlives the process that
accepted it. A runner thread takes the oldest queued job — or a processing one whose lease ran out
(its server stopped mid-render) — and runs it; one at a time, because one render already keeps
both cores of a small machine busy (Chromium draws while FFmpeg encodes). Several ``serve``
workers on one database share the queue safely: taking a job is one transaction.

:func:`remove_stale_leftovers` (run when the runner starts, and by every ``vibecast worker``)
removes what a killed render left in the exports directory.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from pathlib import Path

from vibecast.export.runner import run_job, worker_name
from vibecast.store.base import Store
from vibecast.store.jobs_sql import JobStore

__all__ = [
    "STALE_LEFTOVER_SECONDS",
    "TEMP_DIR_PREFIX",
    "LocalExportQueue",
    "remove_stale_leftovers",
]

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
"""How often an idle runner looks for work it was not told about (jobs of a restart)."""

TEMP_DIR_PREFIX = "vibecast-export-"
"""The prefix of the temporary directories a render with several pages keeps its parts in
(``<exports>/videos/vibecast-export-XXXX/part0.mp4``, made by :mod:`vibecast.export.video`)."""
STALE_LEFTOVER_SECONDS = 600.0
"""A leftover untouched this long belongs to a dead process (see :func:`remove_stale_leftovers`)."""


def remove_stale_leftovers(
    exports_root: Path, *, older_than_s: float = STALE_LEFTOVER_SECONDS, now: float | None = None
) -> list[Path]:
    """Remove what renders killed mid-way (``kill -9``, a lost machine) left in the exports
    directory; the paths removed.

    That is: temporary part directories (``videos/vibecast-export-*/``), partial files
    (``videos/*.part``, ``thumbnails/*.part``) and FFmpeg's join lists (``videos/*.txt``). A
    process removes its own when it ends in any other way, but one killed cannot.

    The exports directory may be shared by workers on several machines, so whether a leftover's
    process is alive cannot be asked (a process id means nothing on another machine). It is told
    by age instead: a leftover is removed only when neither it nor anything in it was modified
    for ``older_than_s`` (10 minutes). A live render writes to its parts every few seconds
    (FFmpeg appends as frames come; 3.3 s the longest pause measured, a sparse 2:23 replay on
    two pages). Ten minutes is far longer than that, than the 30 s lease a job's progress must
    renew (``jobs.LEASE_MS``) and than the 10 s without a heartbeat after which a server-mode
    worker is declared dead: a render quiet that long is dead or stuck. The margin
    also covers clocks of machines that disagree by a few minutes; a modification time in the
    future counts as fresh. Anything that cannot be read or removed is left for the next start.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    for folder, wanted in (
        (exports_root / "videos", _video_leftover),
        (exports_root / "thumbnails", lambda entry: entry.name.endswith(".part")),
    ):
        try:
            entries = [entry for entry in os.scandir(folder) if wanted(entry)]
        except OSError:  # no such folder yet, or unreadable
            continue
        for entry in entries:
            newest = _newest_change(entry)
            if newest is None or now - newest < older_than_s:
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
            except FileNotFoundError:
                continue  # another process removed it first
            except OSError as exc:
                log.warning("cannot remove the stale export leftover %s: %s", entry.path, exc)
                continue
            removed.append(Path(entry.path))
    return removed


def _video_leftover(entry: os.DirEntry[str]) -> bool:
    if entry.name.startswith(TEMP_DIR_PREFIX):
        return entry.is_dir(follow_symlinks=False)
    return entry.name.endswith((".part", ".txt")) and entry.is_file(follow_symlinks=False)


def _newest_change(entry: os.DirEntry[str]) -> float | None:
    """The latest modification time of ``entry`` and everything in it; None if any of it could
    not be read (something is changing it: leave it be)."""
    try:
        newest = entry.stat(follow_symlinks=False).st_mtime
        if entry.is_dir(follow_symlinks=False):
            for folder, dirs, files in os.walk(entry.path, onerror=_raise):
                for name in (*dirs, *files):
                    newest = max(newest, os.lstat(os.path.join(folder, name)).st_mtime)
    except OSError:
        return None
    return newest


def _raise(exc: OSError) -> None:
    raise exc


class LocalExportQueue:
    """A runner thread over the store's export jobs. ``start()``, ``notify()``, ``stop()``."""

    def __init__(
        self,
        store: Store,
        jobs: JobStore,
        exports_root: Path,
        *,
        static_dir: Path | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._store = store
        self._jobs = jobs
        self._root = exports_root
        self._static = static_dir
        self._poll = poll_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.worker = worker_name("serve")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="vibecast-exports", daemon=True)
        self._thread.start()

    def notify(self) -> None:
        """A job was queued: look now instead of at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop; a job being rendered goes back to the queue, to be taken again after a restart."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        for path in remove_stale_leftovers(self._root):
            log.info("removed %s, left by a render that was killed", path)
        while not self._stopping.is_set():
            try:
                job = self._jobs.claim(self.worker, int(time.time() * 1000))
            except Exception:
                log.exception("export queue: cannot read jobs")
                job = None
            if job is None:
                self._wake.wait(self._poll)
                self._wake.clear()
                continue
            log.info("export %s of replay %s: started", job.id, job.replay_id)
            run_job(
                self._store,
                self._jobs,
                job,
                self._root,
                self.worker,
                static_dir=self._static,
                stopping=self._stopping.is_set,
            )
