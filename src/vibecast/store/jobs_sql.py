"""Export jobs (table ``export_jobs``, migration 0003) on SQLite or PostgreSQL: the queries once.

The two databases differ only in what a :class:`Dialect` says: how a transaction opens and whom
it acts for, the parameter style, the JSON casts, row locking, and who may see a job. On
PostgreSQL a user's calls run as the store's app role with the acting user set, so the
row-level-security policy decides; SQLite has no row-level security, so its dialect adds the same
rule (jobs the actor owns on replays the actor owns) to the queries. ``actor`` None is the system
(runners), which sees every job.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from vibecast.export.jobs import LEASE_MS, ExportJob
from vibecast.export.request import ExportRequest
from vibecast.store.records import pyformat

if TYPE_CHECKING:
    from vibecast.store.postgres import PostgresStore
    from vibecast.store.sqlite import SQLiteStore

__all__ = ["Dialect", "JobStore", "PostgresJobDialect", "SQLiteJobDialect", "job_from_row"]

JOB_FIELDS = tuple(ExportJob.__struct_fields__)
"""The columns of ``export_jobs``, in the order of the record's fields."""


class Connection(Protocol):
    """What the queries need of a DB-API connection (sqlite3 and psycopg both have it)."""

    def execute(self, query: str, params: dict[str, Any], /) -> Any: ...


class Dialect(Protocol):
    """What differs between the databases; queries are written with ``:name`` parameters."""

    request_in: str
    """The ``request`` parameter (JSON text) as the column takes it."""
    request_out: str
    """The ``request`` column as JSON text."""
    lock_rows: str
    """Appended to the claim's SELECT so two runners never wait on, or take, the same row."""

    def tx(self, action: str, actor: str | None) -> AbstractContextManager[Connection]:
        """One transaction for ``actor``; database errors become StoreErrors naming ``action``."""
        ...

    def query(self, text: str) -> str:
        """``text`` in the driver's parameter style."""
        ...

    def visible(self, actor: str | None) -> str:
        """The condition the queries add so that ``actor`` reads only its own jobs."""
        ...


class SQLiteJobDialect:
    """On the store's own connection, under its lock; the owner rule is in the queries."""

    request_in = ":request"
    request_out = "request"
    lock_rows = ""  # BEGIN IMMEDIATE already lets one writer in at a time

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store

    @contextmanager
    def tx(self, action: str, actor: str | None) -> Iterator[Connection]:
        with self._store._errors(action), self._store._transaction() as conn:
            yield conn

    def query(self, text: str) -> str:
        return text

    def visible(self, actor: str | None) -> str:
        if actor is None:
            return "TRUE"
        return (
            "user_id = :actor AND EXISTS (SELECT 1 FROM replays r "
            "WHERE r.id = export_jobs.replay_id AND r.user_id = :actor)"
        )


class PostgresJobDialect:
    """As the store's app role acting for ``actor``: row-level security keeps to its jobs."""

    request_in = ":request::jsonb"
    request_out = "request::text"
    lock_rows = " FOR UPDATE SKIP LOCKED"

    def __init__(self, store: PostgresStore) -> None:
        self._store = store

    @contextmanager
    def tx(self, action: str, actor: str | None) -> Iterator[Connection]:
        with self._store.acting_as(actor)._tx(action) as conn:
            yield conn

    def query(self, text: str) -> str:
        return pyformat(text)

    def visible(self, actor: str | None) -> str:
        return "TRUE"


def job_from_row(row: tuple[Any, ...]) -> ExportJob:
    """A row of :data:`JOB_FIELDS` (request as JSON text) as an ExportJob."""
    values = dict(zip(JOB_FIELDS, row, strict=True))
    values["request"] = msgspec.convert(
        msgspec.json.decode(values["request"]), ExportRequest, strict=False
    )
    values["progress"] = float(values["progress"])
    return ExportJob(**values)


_NEXT = (
    "SELECT id FROM export_jobs WHERE {which} (status = 'queued' OR "
    "(status = 'processing' {lease})) ORDER BY created_at, id LIMIT 1{lock_rows}"
)
_TAKE = (
    "UPDATE export_jobs SET status = 'processing', worker = :worker, lease_until = :lease, "
    "attempts = attempts + 1, progress = 0, started_at = :now, updated_at = :now WHERE id = :id"
)
_FINISH = (
    "UPDATE export_jobs SET status = :status, error = :error, output_path = :output, "
    "progress = CASE WHEN :status = 'complete' THEN 1 ELSE progress END, lease_until = NULL, "
    "finished_at = :now, updated_at = :now "
    "WHERE id = :id AND status IN ('queued', 'processing') {owner}"
)
_CANCEL = (
    "UPDATE export_jobs SET status = 'cancelled', lease_until = NULL, finished_at = :now, "
    "updated_at = :now WHERE id = :id AND status IN ('queued', 'processing')"
)


class JobStore:
    """Export jobs in a store. ``actor`` None is the system (runners); else the user's own."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._columns = ", ".join(
            dialect.request_out if name == "request" else name for name in JOB_FIELDS
        )

    def _run(self, conn: Connection, text: str, **params: Any) -> Any:
        return conn.execute(self._dialect.query(text), params)

    def _get(self, conn: Connection, job_id: str, actor: str | None) -> ExportJob | None:
        rule = self._dialect.visible(actor)
        query = f"SELECT {self._columns} FROM export_jobs WHERE id = :id AND {rule}"
        row = self._run(conn, query, id=job_id, actor=actor).fetchone()
        return job_from_row(row) if row else None

    def add(self, job: ExportJob) -> ExportJob:
        values = msgspec.structs.asdict(job)
        values["request"] = msgspec.json.encode(job.request).decode()
        placeholders = ", ".join(
            self._dialect.request_in if name == "request" else f":{name}" for name in JOB_FIELDS
        )
        query = f"INSERT INTO export_jobs ({', '.join(JOB_FIELDS)}) VALUES ({placeholders})"
        with self._dialect.tx("queueing an export", job.user_id) as conn:
            self._run(conn, query, **values)
        return job

    def get(self, job_id: str, actor: str | None) -> ExportJob | None:
        with self._dialect.tx("reading an export job", actor) as conn:
            return self._get(conn, job_id, actor)

    def claim(
        self, worker: str, now_ms: int, job_id: str | None = None, *, force: bool = False
    ) -> ExportJob | None:
        """Take a queued job (or a processing one whose lease ran out) for ``worker``: the
        given one, or the oldest. Atomic: two runners never take the same job. ``force``: take
        a processing job whatever its lease (the queue already knows its runner died)."""
        next_job = _NEXT.format(
            which="id = :id AND" if job_id else "",
            lease="" if force else "AND coalesce(lease_until, 0) < :now",
            lock_rows=self._dialect.lock_rows,
        )
        with self._dialect.tx("taking an export job", None) as conn:
            row = self._run(conn, next_job, id=job_id, now=now_ms).fetchone()
            if row is None:
                return None
            lease = now_ms + LEASE_MS
            self._run(conn, _TAKE, worker=worker, lease=lease, now=now_ms, id=row[0])
            return self._get(conn, row[0], None)

    def _change_running(
        self, action: str, changes: str, job_id: str, worker: str, **params: Any
    ) -> bool:
        """Apply ``changes`` to a job ``worker`` is running; False if it no longer is."""
        query = (
            f"UPDATE export_jobs SET {changes} "
            "WHERE id = :id AND worker = :worker AND status = 'processing'"
        )
        with self._dialect.tx(action, None) as conn:
            return bool(self._run(conn, query, id=job_id, worker=worker, **params).rowcount == 1)

    def requeue(self, job_id: str, worker: str, now_ms: int) -> bool:
        """Give a job being run back to the queue (its runner is stopping)."""
        changes = "status = 'queued', worker = NULL, lease_until = NULL, updated_at = :now"
        return self._change_running("requeueing an export job", changes, job_id, worker, now=now_ms)

    def heartbeat(self, job_id: str, worker: str, progress: float, now_ms: int) -> bool:
        """Report progress and renew the lease; False if the job is no longer this worker's
        (cancelled, or taken over)."""
        changes = "progress = :progress, lease_until = :lease, updated_at = :now"
        values = {"progress": progress, "lease": now_ms + LEASE_MS, "now": now_ms}
        return self._change_running("reporting export progress", changes, job_id, worker, **values)

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
        """End a queued or processing job (``worker`` None: whoever runs it); False if it had
        already ended or another worker has it."""
        query = _FINISH.format(owner="AND worker = :worker" if worker is not None else "")
        ending = {"status": status, "error": error, "output": output_path, "now": now_ms}
        with self._dialect.tx("finishing an export job", None) as conn:
            return bool(self._run(conn, query, id=job_id, worker=worker, **ending).rowcount == 1)

    def cancel(self, job_id: str, actor: str | None, now_ms: int) -> ExportJob | None:
        """Cancel a queued or processing job; the job as it is after (None: no such job)."""
        with self._dialect.tx("cancelling an export job", actor) as conn:
            if self._get(conn, job_id, actor) is None:
                return None
            self._run(conn, _CANCEL, now=now_ms, id=job_id)
            return self._get(conn, job_id, actor)

    def live_workers(self, within_s: float) -> int:
        """PostgreSQL (server mode): ``vibecast worker`` processes whose procrastinate heartbeat
        is at most ``within_s`` old — 0 before any worker made procrastinate's tables."""
        with self._dialect.tx("counting export workers", None) as conn:
            if conn.execute("SELECT to_regclass('procrastinate_workers')").fetchone()[0] is None:
                return 0
            query = (
                "SELECT count(*) FROM procrastinate_workers "
                "WHERE last_heartbeat > now() - :within * interval '1 second'"
            )
            return int(self._run(conn, query, within=within_s).fetchone()[0])

    def outputs_of(self, replay_id: str) -> list[str]:
        """The files the replay's export jobs wrote (every user's: read before a delete)."""
        query = (
            "SELECT output_path FROM export_jobs WHERE replay_id = :id AND output_path IS NOT NULL"
        )
        with self._dialect.tx("listing a replay's exports", None) as conn:
            return [row[0] for row in self._run(conn, query, id=replay_id).fetchall()]

    def existing(self, table: str, ids: list[str]) -> set[str]:
        """Which of ``ids`` are rows of ``table`` (``replays`` or ``export_jobs``), over every
        user's: what files on disk still belong to."""
        if table not in ("replays", "export_jobs"):
            raise ValueError(f"not a table of files: {table}")
        found: set[str] = set()
        with self._dialect.tx("finding files' owners", None) as conn:
            for start in range(0, len(ids), 500):
                batch = ids[start : start + 500]
                names = {f"id{n}": value for n, value in enumerate(batch)}
                marks = ", ".join(f":{name}" for name in names)
                query = f"SELECT id FROM {table} WHERE id IN ({marks})"  # table: one of two names
                found.update(row[0] for row in self._run(conn, query, **names).fetchall())
        return found

    def set_thumbnail(self, replay_id: str, url: str | None) -> None:
        with self._dialect.tx("saving a thumbnail", None) as conn:
            self._run(
                conn,
                "UPDATE replays SET thumbnail_url = :url WHERE id = :id",
                url=url,
                id=replay_id,
            )
