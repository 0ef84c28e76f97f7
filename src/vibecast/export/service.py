"""The export side of a running server: accept jobs, hand them to the right queue, clean up.

SQLite (local mode): jobs run in this process
(:class:`~vibecast.export.local_queue.LocalExportQueue`).
PostgreSQL (server mode): jobs go on procrastinate for ``vibecast worker`` processes
(:mod:`vibecast.export.pg_queue`); this process only records and defers them.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from vibecast.config import Settings
from vibecast.export.jobs import ExportJob, job_store
from vibecast.export.local_queue import LocalExportQueue
from vibecast.export.outputs import exports_dir, sweep_orphans
from vibecast.export.thumbnail import ThumbnailDrawer
from vibecast.store.base import Store
from vibecast.store.jobs_sql import JobStore

__all__ = ["ExportService"]

log = logging.getLogger(__name__)


class ExportService:
    def __init__(self, settings: Settings, store: Store, *, static_dir: Path | None = None) -> None:
        self.store = store
        self._settings = settings
        self.jobs: JobStore = job_store(store)
        self.root = exports_dir(settings)
        self.static_dir = static_dir
        self.thumbnails = ThumbnailDrawer(static_dir=static_dir)
        self._database_url: str | None = getattr(store, "url", None)
        self.distributed = self._database_url is not None and self._database_url.startswith(
            ("postgresql://", "postgres://")
        )
        self._local: LocalExportQueue | None = None
        self._deferrer: object | None = None
        self._lock = threading.Lock()
        self._lifespans = 0  # an app may be started more than once (several test clients)

    def start(self) -> None:
        """Start the local queue once, however many lifespans share this app; first remove the
        files of replays and jobs deleted meanwhile."""
        with self._lock:
            self._lifespans += 1
            if self._lifespans > 1:
                return
            try:
                removed = sweep_orphans(self.store, self.root, self._settings.database_url)
            except Exception:  # a file kept too long is no reason not to serve
                log.exception("looking for exported files of deleted replays failed")
            else:
                if removed:
                    log.info("removed %d exported files of deleted replays or jobs", removed)
            if self.distributed:
                return
            self._local = LocalExportQueue(
                self.store, self.jobs, self.root, static_dir=self.static_dir
            )
            self._local.start()

    def stop(self) -> None:
        """Stop when the last lifespan ends, before the store it reads is closed."""
        with self._lock:
            self._lifespans = max(0, self._lifespans - 1)
            if self._lifespans:
                return
            local, self._local = self._local, None
            deferrer, self._deferrer = self._deferrer, None
        self.thumbnails.close()
        if local is not None:
            local.stop()
        if deferrer is not None:
            deferrer.close()  # type: ignore[attr-defined]

    def workers_online(self) -> int | None:
        """Server mode: how many ``vibecast worker`` processes are alive (a queued job waits for
        one); None in local mode, where this server renders."""
        if not self.distributed:
            return None
        from vibecast.export.pg_queue import STALLED_AFTER_SECONDS

        try:
            return self.jobs.live_workers(STALLED_AFTER_SECONDS)
        except Exception:  # a hint, not worth failing the job's status for
            log.exception("cannot count export workers")
            return None

    def submit(self, job: ExportJob) -> ExportJob:
        """Record the job and queue it; a queue that cannot take it fails the job, saying why."""
        self.jobs.add(job)
        if not self.distributed:
            if self._local is not None:
                self._local.notify()
            return job
        try:
            self._deferrer_for().defer(job.id)  # type: ignore[attr-defined]
        except Exception as exc:
            log.exception("cannot queue export %s", job.id)
            self.jobs.finish(job.id, None, "failed", job.created_at, error=f"not queued: {exc}")
            found = self.jobs.get(job.id, None)
            return found or job
        return job

    def _deferrer_for(self) -> object:
        with self._lock:
            if self._deferrer is None:
                from vibecast.export.pg_queue import ExportDeferrer

                assert self._database_url is not None
                self._deferrer = ExportDeferrer(self._database_url)
            return self._deferrer
