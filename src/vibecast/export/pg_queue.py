"""Server mode: export jobs on procrastinate, a PostgreSQL task queue, run by ``vibecast worker``.

The API defers a procrastinate job (task ``vibecast.export``, queue ``vibecast-exports``) carrying
the export job's id; any number of ``vibecast worker`` processes, on any machine that reaches the
database and the exports directory, take them (procrastinate locks each job to one worker). The
``export_jobs`` row stays the record users see.

A worker that dies mid-job (killed, machine lost) stops sending procrastinate's heartbeat; every
worker looks for such stalled jobs every few seconds and puts them back in the queue, where
another worker takes them and renders the video again from the start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any

import psycopg

from vibecast.config import Settings
from vibecast.errors import VibecastError
from vibecast.export.jobs import job_store
from vibecast.export.outputs import exports_dir
from vibecast.export.runner import run_job, worker_name
from vibecast.store import open_store

__all__ = [
    "QUEUE",
    "TASK",
    "ExportDeferrer",
    "ensure_queue_schema",
    "run_worker",
]

log = logging.getLogger(__name__)

QUEUE = "vibecast-exports"
TASK = "vibecast.export"
HEARTBEAT_SECONDS = 2.0
STALLED_AFTER_SECONDS = 10.0
"""A worker silent this long is dead: its job goes back to the queue."""
_SCHEMA_LOCK = 0x76696263_70726F63  # "vibcproc"


def _procrastinate() -> Any:
    try:
        import procrastinate
    except ImportError as exc:
        raise VibecastError(
            "server-mode exports need procrastinate: pip install 'vibecast[server]'"
        ) from exc
    return procrastinate


def _conninfo(database_url: str) -> str:
    return database_url.replace("postgres://", "postgresql://", 1)


def ensure_queue_schema(database_url: str) -> None:
    """Create procrastinate's tables in the vibecast database if they are not there yet."""
    procrastinate = _procrastinate()
    with psycopg.connect(_conninfo(database_url), autocommit=True) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        found = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if found and found[0]:
            return
        schema = procrastinate.schema.SchemaManager.get_schema()
        conn.execute(schema.encode())
        log.info("created procrastinate's tables")


class ExportDeferrer:
    """The API's side: put export jobs on the queue (a synchronous procrastinate app)."""

    def __init__(self, database_url: str) -> None:
        procrastinate = _procrastinate()
        ensure_queue_schema(database_url)
        self._app = procrastinate.App(
            connector=procrastinate.SyncPsycopgConnector(conninfo=_conninfo(database_url))
        )
        self._app.open()
        self._task = self._app.configure_task(TASK, queue=QUEUE)

    def defer(self, job_id: str) -> None:
        self._task.defer(job_id=job_id)

    def close(self) -> None:
        self._app.close()


def run_worker(
    settings: Settings,
    *,
    name: str | None = None,
    concurrency: int = 1,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
    stalled_after_seconds: float = STALLED_AFTER_SECONDS,
    static_dir: Path | None = None,
) -> None:
    """Run a worker until SIGINT/SIGTERM: take export jobs from the queue and render them."""
    procrastinate = _procrastinate()
    url = settings.database_url
    if not url.startswith(("postgresql://", "postgres://")):
        raise VibecastError(
            "vibecast worker is for server mode (VIBECAST_DATABASE_URL=postgresql://...); "
            "in local mode `vibecast serve` runs exports itself"
        )
    ensure_queue_schema(url)
    store = open_store(url)
    jobs = job_store(store)
    root = exports_dir(settings)
    worker = name or worker_name("worker")
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=_conninfo(url)))

    @app.task(name=TASK, queue=QUEUE)
    def export(job_id: str) -> None:
        job = jobs.claim(worker, int(time.time() * 1000), job_id, force=True)
        if job is None:
            log.info("export %s: nothing to do (cancelled or finished)", job_id)
            return
        log.info("export %s of replay %s: started on %s", job.id, job.replay_id, worker)
        run_job(store, jobs, job, root, worker, static_dir=static_dir)

    async def requeue_stalled() -> None:
        """Put the jobs of dead workers back in the queue (every worker does this)."""
        while True:
            await asyncio.sleep(heartbeat_seconds)
            try:
                stalled = await app.job_manager.get_stalled_jobs(
                    queue=QUEUE, seconds_since_heartbeat=stalled_after_seconds
                )
                for job in stalled:
                    with contextlib.suppress(Exception):  # another worker was first
                        await app.job_manager.retry_job(job)
                        log.warning("export job %s of a dead worker: queued again", job.id)
            except Exception:
                log.exception("looking for stalled export jobs failed")

    async def main() -> None:
        async with app.open_async():
            watcher = asyncio.create_task(requeue_stalled())
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    name=worker,
                    concurrency=concurrency,
                    update_heartbeat_interval=heartbeat_seconds,
                    stalled_worker_timeout=stalled_after_seconds,
                )
            finally:
                watcher.cancel()

    try:
        asyncio.run(main())
    finally:
        store.close()
