"""Export jobs: the record users see (status, progress, error, file), and where it is kept.

A job moves ``queued`` -> ``processing`` -> ``complete`` | ``failed`` | ``cancelled``. The record
lives in the store (table ``export_jobs``, migration 0003, owner-only on PostgreSQL through
row-level security) whichever queue runs it: the local queue in ``vibecast serve`` or
procrastinate workers in server mode. :func:`job_store` gives the store part for a store
(:class:`vibecast.store.jobs_sql.JobStore`).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Literal

import msgspec

from vibecast.export.request import ExportRequest
from vibecast.store.base import Store, StoreError

if TYPE_CHECKING:  # the store's module imports this one
    from vibecast.store.jobs_sql import JobStore

__all__ = [
    "ACTIVE",
    "FINISHED",
    "ExportJob",
    "JobStatus",
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


def job_store(store: Store) -> JobStore:
    """The export-jobs part of a store (SQLite or PostgreSQL)."""
    from vibecast.store.jobs_sql import JobStore, PostgresJobDialect, SQLiteJobDialect
    from vibecast.store.sqlite import SQLiteStore

    if isinstance(store, SQLiteStore):
        return JobStore(SQLiteJobDialect(store))
    try:
        from vibecast.store.postgres import PostgresStore
    except ImportError as exc:  # psycopg missing: cannot be a PostgresStore
        raise StoreError(f"export jobs are not supported on {type(store).__name__}") from exc
    if isinstance(store, PostgresStore):
        return JobStore(PostgresJobDialect(store))
    raise StoreError(f"export jobs are not supported on {type(store).__name__}")
