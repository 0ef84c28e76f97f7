"""Export jobs on SQLite (table ``export_jobs``, migration 0003), on the store's own connection.

SQLite has no row-level security: a user's calls carry ``actor`` and the queries keep to jobs the
actor owns on replays the actor owns, as the PostgreSQL policy does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import msgspec

from vibecast.export.jobs import JOB_COLUMNS, LEASE_MS, ExportJob, job_from_row
from vibecast.store.base import StoreError
from vibecast.store.sqlite import SQLiteStore

__all__ = ["SQLiteJobStore"]

_MINE = (
    "user_id = :actor AND EXISTS (SELECT 1 FROM replays r WHERE r.id = export_jobs.replay_id "
    "AND r.user_id = :actor)"
)


class SQLiteJobStore:
    def __init__(self, store: SQLiteStore) -> None:
        self._store = store

    @contextmanager
    def _tx(self, action: str) -> Iterator[sqlite3.Connection]:
        store = self._store
        with store._lock:
            conn = store._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(f"{action} failed: {exc}") from exc

    def add(self, job: ExportJob) -> ExportJob:
        with self._tx("queueing an export") as conn:
            conn.execute(
                f"INSERT INTO export_jobs ({JOB_COLUMNS}) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job.id,
                    job.replay_id,
                    job.user_id,
                    msgspec.json.encode(job.request).decode(),
                    job.status,
                    job.progress,
                    job.error,
                    job.output_path,
                    job.attempts,
                    job.worker,
                    job.lease_until,
                    job.created_at,
                    job.updated_at,
                    job.started_at,
                    job.finished_at,
                ),
            )
        return job

    def _get(self, conn: sqlite3.Connection, job_id: str, actor: str | None) -> ExportJob | None:
        rule = "1" if actor is None else _MINE
        row = conn.execute(
            f"SELECT {JOB_COLUMNS} FROM export_jobs WHERE id = :id AND {rule}",
            {"id": job_id, "actor": actor},
        ).fetchone()
        return job_from_row(row) if row else None

    def get(self, job_id: str, actor: str | None) -> ExportJob | None:
        with self._tx("reading an export job") as conn:
            return self._get(conn, job_id, actor)

    def claim(
        self, worker: str, now_ms: int, job_id: str | None = None, *, force: bool = False
    ) -> ExportJob | None:
        lease = "" if force else "AND coalesce(lease_until, 0) < :now"
        which = "id = :id AND" if job_id else ""
        with self._tx("taking an export job") as conn:
            row = conn.execute(
                f"SELECT id FROM export_jobs WHERE {which} (status = 'queued' OR "
                f"(status = 'processing' {lease})) "
                "ORDER BY created_at, id LIMIT 1",
                {"id": job_id, "now": now_ms},
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE export_jobs SET status = 'processing', worker = ?, lease_until = ?, "
                "attempts = attempts + 1, progress = 0, started_at = ?, updated_at = ? "
                "WHERE id = ?",
                (worker, now_ms + LEASE_MS, now_ms, now_ms, row[0]),
            )
            return self._get(conn, row[0], None)

    def requeue(self, job_id: str, worker: str, now_ms: int) -> bool:
        with self._tx("requeueing an export job") as conn:
            cur = conn.execute(
                "UPDATE export_jobs SET status = 'queued', worker = NULL, lease_until = NULL, "
                "updated_at = ? WHERE id = ? AND worker = ? AND status = 'processing'",
                (now_ms, job_id, worker),
            )
            return cur.rowcount == 1

    def heartbeat(self, job_id: str, worker: str, progress: float, now_ms: int) -> bool:
        with self._tx("reporting export progress") as conn:
            cur = conn.execute(
                "UPDATE export_jobs SET progress = ?, lease_until = ?, updated_at = ? "
                "WHERE id = ? AND worker = ? AND status = 'processing'",
                (progress, now_ms + LEASE_MS, now_ms, job_id, worker),
            )
            return cur.rowcount == 1

    def finish(
        self,
        job_id: str,
        worker: str | None,
        status: str,
        now_ms: int,
        *,
        error: str | None = None,
        output_path: str | None = None,
    ) -> bool:
        owner = "AND worker = :worker" if worker is not None else ""
        with self._tx("finishing an export job") as conn:
            cur = conn.execute(
                "UPDATE export_jobs SET status = :status, error = :error, "
                "output_path = :output, progress = CASE WHEN :status = 'complete' THEN 1 "
                "ELSE progress END, lease_until = NULL, finished_at = :now, updated_at = :now "
                f"WHERE id = :id AND status IN ('queued', 'processing') {owner}",
                {
                    "status": status,
                    "error": error,
                    "output": output_path,
                    "now": now_ms,
                    "id": job_id,
                    "worker": worker,
                },
            )
            return cur.rowcount == 1

    def cancel(self, job_id: str, actor: str | None, now_ms: int) -> ExportJob | None:
        with self._tx("cancelling an export job") as conn:
            job = self._get(conn, job_id, actor)
            if job is None:
                return None
            conn.execute(
                "UPDATE export_jobs SET status = 'cancelled', lease_until = NULL, "
                "finished_at = ?, updated_at = ? WHERE id = ? AND status IN ('queued', "
                "'processing')",
                (now_ms, now_ms, job_id),
            )
            return self._get(conn, job_id, actor)

    def list_finished_outputs(self, before_ms: int) -> list[ExportJob]:
        with self._tx("listing old exports") as conn:
            rows = conn.execute(
                f"SELECT {JOB_COLUMNS} FROM export_jobs WHERE output_path IS NOT NULL "
                "AND finished_at < ?",
                (before_ms,),
            ).fetchall()
        return [job_from_row(r) for r in rows]

    def set_thumbnail(self, replay_id: str, url: str | None) -> None:
        with self._tx("saving a thumbnail") as conn:
            conn.execute("UPDATE replays SET thumbnail_url = ? WHERE id = ?", (url, replay_id))
