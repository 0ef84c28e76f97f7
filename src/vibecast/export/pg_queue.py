"""Server mode: export jobs on procrastinate, a PostgreSQL task queue, run by ``vibecast worker``.

The API defers a procrastinate job (task ``vibecast.export``, queue ``vibecast-exports``) carrying
the export job's id; any number of ``vibecast worker`` processes, on any machine that reaches the
database and the exports directory, take them (procrastinate locks each job to one worker). The
``export_jobs`` row stays the record users see.

A worker that dies mid-job (killed, machine lost) stops sending procrastinate's heartbeat; every
worker looks for such stalled jobs every few seconds and puts them back in the queue, where
another worker takes them and renders the video again from the start.

A worker logs one line per job it starts and ends (with the ``exp_`` id users see) and per job
of a dead worker it puts back in the queue; ``vibecast worker`` prints them on stderr. At start
it removes what renders killed earlier left in the exports directory
(:func:`~vibecast.export.outputs.remove_stale_leftovers`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import psycopg

from vibecast.config import Settings
from vibecast.errors import VibecastError
from vibecast.export.jobs import job_store
from vibecast.export.outputs import exports_dir, remove_stale_leftovers
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
    # Callers have opened the store on this database: a server that cannot be reached was
    # reported there, in the store's words.
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
    """Run a worker until SIGINT/SIGTERM: take export jobs from the queue and render them.

    Connects first (an unreachable database raises a StoreError saying so); logs "taking export
    jobs from ..." once it is connected and listening.
    """
    procrastinate = _procrastinate()
    url = settings.database_url
    if not url.startswith(("postgresql://", "postgres://")):
        raise VibecastError(
            "vibecast worker is for server mode (VIBECAST_DATABASE_URL=postgresql://...); "
            "in local mode `vibecast serve` runs exports itself"
        )
    store = open_store(url)  # connects, as `vibecast serve` does, and migrates
    worker = name or worker_name("worker")
    try:
        ensure_queue_schema(url)
        jobs = job_store(store)
        root = exports_dir(settings)
        for path in remove_stale_leftovers(root):
            log.info("removed %s, left by a render that was killed", path)
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=_conninfo(url)))

        @app.task(name=TASK, queue=QUEUE)
        def export(job_id: str) -> None:
            job = jobs.claim(worker, int(time.time() * 1000), job_id, force=True)
            if job is None:
                log.info("export %s: nothing to do (cancelled or finished)", job_id)
                return
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
                        export_id = str(
                            job.task_kwargs.get("job_id", f"(procrastinate job {job.id})")
                        )
                        record = await asyncio.to_thread(jobs.get, export_id, None)
                        try:
                            await app.job_manager.retry_job(job)
                        except Exception:
                            continue  # another worker was first
                        log.warning(
                            "export %s: its worker %s stopped responding (no heartbeat for %g s); "
                            "back in the queue",
                            export_id,
                            (record.worker if record else None) or "(unknown)",
                            stalled_after_seconds,
                        )
                except Exception:
                    log.exception("looking for stalled export jobs failed")

        async def main() -> None:
            async with app.open_async():
                log.info(
                    "vibecast worker %s: taking export jobs from %s (files in %s)",
                    worker,
                    _shown_url(url),
                    root,
                )
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

        asyncio.run(main())
    finally:
        store.close()
    log.info("vibecast worker %s: stopped", worker)


def _shown_url(database_url: str) -> str:
    """The database URL without user and password, to print."""
    if "@" in database_url and "://" in database_url:
        scheme, rest = database_url.split("://", 1)
        return f"{scheme}://{rest.split('@', 1)[1]}"
    return database_url
