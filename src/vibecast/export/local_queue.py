"""Local mode: export jobs run inside ``vibecast serve``, one at a time, and survive a restart.

Jobs are rows of the store's ``export_jobs`` table, so a queued job outlives the process that
accepted it. A runner thread takes the oldest queued job — or a processing one whose lease ran out
(its server stopped mid-render) — and runs it; one at a time, because one render already keeps
both cores of a small machine busy (Chromium draws while FFmpeg encodes). Several ``serve``
workers on one database share the queue safely: taking a job is one transaction.

:func:`~vibecast.export.outputs.remove_stale_leftovers` (run when the runner starts, and by every
``vibecast worker``) removes what a killed render left in the exports directory.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from vibecast.export.outputs import remove_stale_leftovers
from vibecast.export.runner import run_job, worker_name
from vibecast.store.base import Store
from vibecast.store.jobs_sql import JobStore

__all__ = ["LocalExportQueue"]

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
"""How often an idle runner looks for work it was not told about (jobs of a restart)."""


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
            run_job(
                self._store,
                self._jobs,
                job,
                self._root,
                self.worker,
                static_dir=self._static,
                stopping=self._stopping.is_set,
            )
