"""Export jobs: the record users see (status, progress, error, file), and where it is kept.

A job moves ``queued`` -> ``processing`` -> ``complete`` | ``failed`` | ``cancelled``. The record
lives in the store (table ``export_jobs``, migration 0003, owner-only on PostgreSQL through
row-level security) whichever queue runs it: the local queue in ``vibecast serve`` or
procrastinate workers in server mode. :func:`job_store` gives the store part for a store.
"""

from __future__ import annotations

import secrets
from typing import Any, Literal, Protocol

import msgspec

from vibecast.export.request import ExportRequest
from vibecast.store.base import Store, StoreError

__all__ = [
    "ACTIVE",
    "FINISHED",
    "ExportJob",
    "JobStatus",
    "JobStore",
    "job_store",
    "new_job_id",
]

JobStatus = Literal["queued", "processing", "complete", "failed", "cancelled"]
ACTIVE: tuple[str, ...] = ("queued", "processing")
FINISHED: tuple[str, ...] = ("complete", "failed", "cancelled")
LEASE_MS = 30_000
"""A processing job whose runner has not reported for this long is free to take again."""


class ExportJob(msgspec.Struct, kw_only=True):
    id: str
    replay_id: str
    user_id: str
    request: ExportRequest
    status: str = "queued"
    progress: float = 0.0
    error: str | None = None
    output_path: str | None = None
    attempts: int = 0
    worker: str | None = None
    lease_until: int | None = None
    created_at: int = 0
    updated_at: int = 0
    started_at: int | None = None
    finished_at: int | None = None


def new_job_id() -> str:
    return "exp_" + secrets.token_hex(12)


class JobStore(Protocol):
    """Export jobs in a store. ``actor`` None is the system (runners); else the user's own."""

    def add(self, job: ExportJob) -> ExportJob: ...

    def get(self, job_id: str, actor: str | None) -> ExportJob | None: ...

    def claim(
        self, worker: str, now_ms: int, job_id: str | None = None, *, force: bool = False
    ) -> ExportJob | None:
        """Take a queued job (or a processing one whose lease ran out) for ``worker``: the
        given one, or the oldest. Atomic: two runners never take the same job. ``force``: take
        a processing job whatever its lease (the queue already knows its runner died)."""
        ...

    def requeue(self, job_id: str, worker: str, now_ms: int) -> bool:
        """Give a job being run back to the queue (its runner is stopping)."""
        ...

    def heartbeat(self, job_id: str, worker: str, progress: float, now_ms: int) -> bool:
        """Report progress and renew the lease; False if the job is no longer this worker's
        (cancelled, or taken over)."""
        ...

    def finish(
        self,
        job_id: str,
        worker: str | None,
        status: str,
        now_ms: int,
        *,
        error: str | None = None,
        output_path: str | None = None,
    ) -> bool: ...

    def cancel(self, job_id: str, actor: str | None, now_ms: int) -> ExportJob | None:
        """Cancel a queued or processing job; the job as it is after (None: no such job)."""
        ...

    def list_finished_outputs(self, before_ms: int) -> list[ExportJob]: ...

    def set_thumbnail(self, replay_id: str, url: str | None) -> None: ...


def job_store(store: Store) -> JobStore:
    """The export-jobs part of a store (SQLite or PostgreSQL)."""
    from vibecast.store.sqlite import SQLiteStore

    if isinstance(store, SQLiteStore):
        from vibecast.store.jobs_sqlite import SQLiteJobStore

        return SQLiteJobStore(store)
    try:
        from vibecast.store.postgres import PostgresStore
    except ImportError as exc:  # psycopg missing: cannot be a PostgresStore
        raise StoreError(f"export jobs are not supported on {type(store).__name__}") from exc
    if isinstance(store, PostgresStore):
        from vibecast.store.jobs_postgres import PostgresJobStore

        return PostgresJobStore(store)
    raise StoreError(f"export jobs are not supported on {type(store).__name__}")


def job_from_row(row: tuple[Any, ...]) -> ExportJob:
    """A row of ``JOB_COLUMNS`` (request as JSON text) as an ExportJob."""
    values = dict(zip(JOB_FIELDS, row, strict=True))
    values["request"] = msgspec.convert(
        msgspec.json.decode(values["request"]), ExportRequest, strict=False
    )
    values["progress"] = float(values["progress"])
    return ExportJob(**values)


JOB_FIELDS = (
    "id",
    "replay_id",
    "user_id",
    "request",
    "status",
    "progress",
    "error",
    "output_path",
    "attempts",
    "worker",
    "lease_until",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
)
JOB_COLUMNS = ", ".join(JOB_FIELDS)
