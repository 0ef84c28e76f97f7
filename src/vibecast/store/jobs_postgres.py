"""Export jobs on PostgreSQL (table ``export_jobs``, migration 0003).

A user's calls run as the store's app role with the acting user set, so the row-level-security
policy decides what they see and change; runners (``actor`` None) act as the system.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import msgspec
import psycopg

from vibecast.export.jobs import JOB_COLUMNS, LEASE_MS, ExportJob, job_from_row
from vibecast.store.postgres import PostgresStore

__all__ = ["PostgresJobStore"]

_COLUMNS = JOB_COLUMNS.replace("request,", "request::text,")


class PostgresJobStore:
    def __init__(self, store: PostgresStore) -> None:
        self._store = store

    @contextmanager
    def _tx(self, action: str, actor: str | None = None) -> Iterator[psycopg.Connection]:
        view = self._store.acting_as(actor)
        with view._tx(action) as conn:
            yield conn

    @staticmethod
    def _get(conn: psycopg.Connection, job_id: str) -> ExportJob | None:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM export_jobs WHERE id = %s", (job_id,)
        ).fetchone()
        return job_from_row(row) if row else None

    def add(self, job: ExportJob) -> ExportJob:
        with self._tx("queueing an export", job.user_id) as conn:
            conn.execute(
                f"INSERT INTO export_jobs ({JOB_COLUMNS}) VALUES "
                "(%s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
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

    def get(self, job_id: str, actor: str | None) -> ExportJob | None:
        with self._tx("reading an export job", actor) as conn:
            return self._get(conn, job_id)

    def claim(
        self, worker: str, now_ms: int, job_id: str | None = None, *, force: bool = False
    ) -> ExportJob | None:
        lease = "" if force else "AND coalesce(lease_until, 0) < %(now)s"
        which = "id = %(id)s AND" if job_id else ""
        with self._tx("taking an export job") as conn:
            row = conn.execute(
                f"SELECT id FROM export_jobs WHERE {which} (status = 'queued' OR "
                f"(status = 'processing' {lease})) "
                "ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
                {"id": job_id, "now": now_ms},
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE export_jobs SET status = 'processing', worker = %s, lease_until = %s, "
                "attempts = attempts + 1, progress = 0, started_at = %s, updated_at = %s "
                "WHERE id = %s",
                (worker, now_ms + LEASE_MS, now_ms, now_ms, row[0]),
            )
            return self._get(conn, row[0])

    def requeue(self, job_id: str, worker: str, now_ms: int) -> bool:
        with self._tx("requeueing an export job") as conn:
            cur = conn.execute(
                "UPDATE export_jobs SET status = 'queued', worker = NULL, lease_until = NULL, "
                "updated_at = %s WHERE id = %s AND worker = %s AND status = 'processing'",
                (now_ms, job_id, worker),
            )
            return cur.rowcount == 1

    def heartbeat(self, job_id: str, worker: str, progress: float, now_ms: int) -> bool:
        with self._tx("reporting export progress") as conn:
            cur = conn.execute(
                "UPDATE export_jobs SET progress = %s, lease_until = %s, updated_at = %s "
                "WHERE id = %s AND worker = %s AND status = 'processing'",
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
        owner = "AND worker = %(worker)s" if worker is not None else ""
        with self._tx("finishing an export job") as conn:
            cur = conn.execute(
                "UPDATE export_jobs SET status = %(status)s, error = %(error)s, "
                "output_path = %(output)s, progress = CASE WHEN %(status)s = 'complete' THEN 1 "
                "ELSE progress END, lease_until = NULL, finished_at = %(now)s, "
                "updated_at = %(now)s "
                f"WHERE id = %(id)s AND status IN ('queued', 'processing') {owner}",
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
        with self._tx("cancelling an export job", actor) as conn:
            if self._get(conn, job_id) is None:
                return None
            conn.execute(
                "UPDATE export_jobs SET status = 'cancelled', lease_until = NULL, "
                "finished_at = %s, updated_at = %s WHERE id = %s AND status IN ('queued', "
                "'processing')",
                (now_ms, now_ms, job_id),
            )
            return self._get(conn, job_id)

    def list_finished_outputs(self, before_ms: int) -> list[ExportJob]:
        with self._tx("listing old exports") as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM export_jobs WHERE output_path IS NOT NULL "
                "AND finished_at < %s",
                (before_ms,),
            ).fetchall()
        return [job_from_row(r) for r in rows]

    def set_thumbnail(self, replay_id: str, url: str | None) -> None:
        with self._tx("saving a thumbnail") as conn:
            conn.execute("UPDATE replays SET thumbnail_url = %s WHERE id = %s", (url, replay_id))
