"""Schema migrations: numbered SQL files per dialect, applied in order, each exactly once.

Files live in ``migrations/<dialect>/NNNN_name.sql`` (``sqlite`` and ``postgresql`` are twins: the
same schema in each dialect's types). Applied versions are recorded in ``schema_migrations``.
:func:`load_migrations` and :func:`pending_migrations` are shared by every backend; each backend
runs the statements its own way (:func:`apply_sqlite`, :func:`apply_postgresql`).
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "POSTGRES_LOCK_KEY",
    "SCHEMA_MIGRATIONS_DDL",
    "Migration",
    "MigrationError",
    "apply_postgresql",
    "apply_sqlite",
    "load_migrations",
    "pending_migrations",
    "sqlite_statements",
]

SCHEMA_MIGRATIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
)
"""Portable: valid for SQLite and PostgreSQL alike."""

POSTGRES_LOCK_KEY = 0x76696263_6D696772  # "vibcmigr"
"""Advisory lock held while migrating a PostgreSQL database: one migrating process at a time."""

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(Exception):
    """The migration files are inconsistent, or the database is newer than this vibecast."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(dialect: str) -> list[Migration]:
    """The migrations shipped for ``dialect`` (``sqlite`` or ``postgresql``), by version."""
    folder = resources.files(__name__).joinpath(dialect)
    if not folder.is_dir():
        raise MigrationError(f"no migrations for database dialect {dialect!r}")
    found: dict[int, Migration] = {}
    for entry in folder.iterdir():
        match = _FILE_NAME.match(entry.name)
        if not match:
            continue
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"two {dialect} migrations share version {version}")
        found[version] = Migration(version, match.group(2), entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def pending_migrations(dialect: str, applied: Iterable[int]) -> list[Migration]:
    """The migrations of ``dialect`` not yet in ``applied``, oldest first.

    Refuses a database that has a version this code does not know: an older vibecast must not
    write into a schema it does not understand.
    """
    migrations = load_migrations(dialect)
    known = {m.version for m in migrations}
    applied = set(applied)
    unknown = sorted(applied - known)
    if unknown:
        raise MigrationError(
            f"the database has schema version {unknown[-1]}, newer than this vibecast knows "
            f"({max(known, default=0)}); upgrade vibecast"
        )
    return [m for m in migrations if m.version not in applied]


def sqlite_statements(sql: str) -> Iterator[str]:
    """The statements of a SQL script, split where SQLite itself says a statement is complete."""
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            buffer = ""
            if statement:
                yield statement
    if buffer.strip() and not _only_comments(buffer):
        raise MigrationError(f"incomplete SQL statement at the end of a migration: {buffer[:80]!r}")


def _only_comments(sql: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in sql.splitlines())


def apply_sqlite(conn: sqlite3.Connection) -> list[Migration]:
    """Apply every pending SQLite migration in one transaction; returns those applied.

    Takes the write lock first (``BEGIN IMMEDIATE``), so two processes opening a new database at
    once do not both migrate it. ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    if conn.isolation_level is not None:
        raise MigrationError("apply_sqlite needs a connection with isolation_level=None")
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(SCHEMA_MIGRATIONS_DDL)
        applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        todo = pending_migrations("sqlite", applied)
        for migration in todo:
            for statement in sqlite_statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, int(time.time() * 1000)),
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return todo


def apply_postgresql(conn: psycopg.Connection) -> list[Migration]:
    """Apply every pending PostgreSQL migration in one transaction; returns those applied.

    An advisory lock makes a second process wait, then find nothing left to do. ``conn`` must be
    in autocommit mode (the transaction is this function's); DDL is transactional in PostgreSQL,
    so a failing migration leaves the database as it was.
    """
    if not conn.autocommit:
        raise MigrationError("apply_postgresql needs a connection in autocommit mode")
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (POSTGRES_LOCK_KEY,))
        conn.execute(SCHEMA_MIGRATIONS_DDL)
        applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        todo = pending_migrations("postgresql", applied)
        for migration in todo:
            conn.execute(migration.sql.encode())  # no parameters: may hold several statements
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                (migration.version, migration.name, int(time.time() * 1000)),
            )
    return todo
