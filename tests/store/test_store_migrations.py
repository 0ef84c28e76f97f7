"""Migrations: applied once, in order, idempotent; the SQLite and PostgreSQL schemas are twins."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from store_helpers import make_event, make_replay

from vibecast.store.base import ImportSource, Store, StoreError
from vibecast.store.migrations import (
    SCHEMA_MIGRATIONS_DDL,
    MigrationError,
    apply_sqlite,
    load_migrations,
    pending_migrations,
    sqlite_statements,
)
from vibecast.store.pgaccess import DEFAULT_APP_ROLE
from vibecast.store.postgres import PostgresStore
from vibecast.store.records import pyformat
from vibecast.store.sqlite import SQLiteStore

V1_TABLES = {
    "schema_migrations",
    "replays",
    "replay_annotations",
    "replay_chunks",
    "blobs",
    "chunk_blob_refs",
    "import_sources",
}
EXPECTED_TABLES = V1_TABLES | {
    "users",
    "api_tokens",
    "replay_tools",
    "replay_search",
    "export_jobs",  # 0003
}


def tables(conn: sqlite3.Connection) -> set[str]:
    """Tables, without the full-text index's virtual and shadow tables (SQLite's own)."""
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row[0] for row in rows if not row[0].startswith("replay_search_fts")}


def test_migrations_are_numbered_from_one_without_gaps() -> None:
    for dialect in ("sqlite", "postgresql"):
        versions = [m.version for m in load_migrations(dialect)]
        assert versions == list(range(1, len(versions) + 1))


def test_apply_creates_the_schema_once() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    applied = apply_sqlite(conn)
    assert [m.name for m in applied] == [
        "initial",
        "server_mode",
        "export_jobs",
        "share_notes",
        "annotation_readers",
        "import_sources_per_user",
    ]
    assert tables(conn) == EXPECTED_TABLES
    assert apply_sqlite(conn) == []  # idempotent
    assert conn.execute("SELECT version, name FROM schema_migrations").fetchall() == [
        (1, "initial"),
        (2, "server_mode"),
        (3, "export_jobs"),
        (4, "share_notes"),
        (5, "annotation_readers"),
        (6, "import_sources_per_user"),
    ]


def test_reopening_a_store_keeps_data_and_applies_nothing(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    with SQLiteStore(path) as store:
        store.save_replay(make_replay(), [make_event(0, 0)])
    with SQLiteStore(path) as store:
        store.migrate()
        store.migrate()
        assert store.read_events(make_replay().id) == [make_event(0, 0)]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(
        load_migrations("sqlite")
    )
    conn.close()


def test_a_database_from_a_newer_vibecast_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'from_the_future', 0)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer than this vibecast"):
        SQLiteStore(path)
    with pytest.raises(MigrationError):
        pending_migrations("sqlite", [1, 999])


def test_a_failing_migration_changes_nothing() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE replays (id TEXT)")  # in the way of 0001
    with pytest.raises(sqlite3.OperationalError):
        apply_sqlite(conn)
    assert tables(conn) == {"replays"}  # not even schema_migrations: all or nothing


def test_apply_needs_an_autocommit_connection() -> None:
    with pytest.raises(MigrationError, match="isolation_level=None"):
        apply_sqlite(sqlite3.connect(":memory:"))


def test_statement_splitter_respects_strings_and_comments() -> None:
    sql = (
        "-- a; comment\nCREATE TABLE t (x TEXT DEFAULT ';');\n\n"
        "INSERT INTO t VALUES ('a;b');\n-- end"
    )
    assert list(sqlite_statements(sql)) == [
        "-- a; comment\nCREATE TABLE t (x TEXT DEFAULT ';');",
        "INSERT INTO t VALUES ('a;b');",
    ]
    with pytest.raises(MigrationError, match="incomplete"):
        list(sqlite_statements("CREATE TABLE t (x TEXT"))


def _schema(sql: str) -> dict[str, list[str]]:
    """Table -> column names (and constraints) of CREATE TABLE statements, lower-cased."""
    found: dict[str, list[str]] = {}
    for name, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\n\);", sql, flags=re.S):
        columns = []
        for line in body.splitlines():
            line = re.sub(r"--.*", "", line).strip().rstrip(",")
            if line:
                columns.append(line.split()[0].lower())
        found[name] = columns
    return found


def _indexes(sql: str) -> list[str]:
    """The plain CREATE INDEX statements (not those a PostgreSQL DO block builds)."""
    sql = re.sub(r"DO \$\$.*?\$\$;", "", sql, flags=re.S)
    return [" ".join(m.split()) for m in re.findall(r"CREATE (?:UNIQUE )?INDEX [^;]+;", sql)]


def test_postgresql_schema_is_the_twin_of_sqlite() -> None:
    lites, pgs = load_migrations("sqlite"), load_migrations("postgresql")
    assert [(m.version, m.name) for m in lites] == [(m.version, m.name) for m in pgs]
    for lite, pg in zip(lites, pgs, strict=True):
        assert _schema(lite.sql) == _schema(pg.sql), lite.name
        assert _indexes(lite.sql) == _indexes(pg.sql), lite.name
        alters = r"ALTER TABLE \w+ ADD COLUMN \w+"
        assert re.findall(alters, lite.sql) == re.findall(alters, pg.sql), lite.name
    created = {table for m in lites for table in _schema(m.sql)}
    assert created == EXPECTED_TABLES - {"schema_migrations"}
    pg_sql = "".join(m.sql for m in pgs)
    assert "jsonb" in pg_sql and "bytea" in pg_sql and "GENERATED ALWAYS AS IDENTITY" in pg_sql


def test_schema_has_the_spec_columns_and_indexes() -> None:
    lite = load_migrations("sqlite")[0]
    schema = _schema(lite.sql)
    for column in [
        "id",
        "user_id",
        "session_id",
        "title",
        "description",
        "metadata",
        "is_public",
        "share_token",
        "thumbnail_url",
        "created_at",
        "updated_at",
        "status",
        "share_expires_at",
        "recorded_at",
    ]:
        assert column in schema["replays"]
    assert "events" not in schema["replays"]
    conn = sqlite3.connect(":memory:", isolation_level=None)
    apply_sqlite(conn)
    assert [row[1] for row in conn.execute("PRAGMA table_info(replay_annotations)")] == [
        "id",
        "replay_id",
        "user_id",
        "timestamp_ms",
        "text",
        "position",
        "created_at",
        "kind",
        "updated_at",
    ]
    indexed = {
        tuple(col[2] for col in conn.execute(f"PRAGMA index_info('{name}')"))
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    for key in [("user_id",), ("session_id",), ("share_token",), ("created_at",)]:
        assert key in indexed
    assert ("user_id", "session_id") in indexed
    assert ("replay_id", "start_ms") in indexed


def test_postgresql_schema_runs_on_postgresql(postgres_url: str) -> None:
    migration = load_migrations("postgresql")[0]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"{SCHEMA_MIGRATIONS_DDL};\n{migration.sql}".encode())
        conn.execute(
            b"INSERT INTO replays (id, user_id, session_id, created_at, updated_at) "
            b"VALUES ('r1', 'local', 's1', 1, 1);"
            b"INSERT INTO replay_chunks (replay_id, seq, start_ms, end_ms, event_count, raw_size, "
            b"dict_id, data) VALUES ('r1', 0, 0, 10, 1, 5, 32769, '\\x00ff'::bytea);"
            b"INSERT INTO blobs VALUES ('k', 1, 'none', 0, '\\x01'::bytea, 0);"
            b"INSERT INTO chunk_blob_refs SELECT id, 'k' FROM replay_chunks;"
            b"INSERT INTO replay_annotations VALUES ('n1', 'r1', 'local', 5, 'hi', '{}', 0);"
            b"DELETE FROM replays WHERE id = 'r1';"
        )
        left = conn.execute(
            "SELECT (SELECT count(*) FROM replay_chunks) + (SELECT count(*) FROM chunk_blob_refs)"
            " + (SELECT count(*) FROM replay_annotations)"
        ).fetchone()
        assert left == (0,)  # deletes cascade as on SQLite
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert {row[0] for row in tables} == V1_TABLES


# -- 0006: what was imported is remembered per user -------------------------------------------
V5_IMPORTS = {  # path -> its replay ids as version 5 stored them, and whose record it becomes
    "/alice.jsonl": ('["r-alice"]', "alice"),
    "/first-left.jsonl": ('["gone", "r-bob", "r-alice"]', "bob"),  # the first that exists
    "/local.jsonl": ('["r-local"]', "local"),
    "/none.jsonl": ("[]", "local"),
    "/gone.jsonl": ('["gone"]', "local"),
    "/not-a-list.jsonl": ('{"id": "r-alice"}', "local"),
}
V5_REPLAYS = {"r-alice": "alice", "r-bob": "bob", "r-local": "local"}


def _fill_v5(run: Callable[[str, dict[str, object]], object], imports: dict) -> None:
    """Replays and import records as a version 5 database holds them (``run``: one statement
    with ``:name`` parameters; a ``:ids`` value is JSON)."""
    for replay_id, user in V5_REPLAYS.items():
        run(
            "INSERT INTO replays (id, user_id, session_id, created_at, updated_at) "
            "VALUES (:id, :user, :id, 1, 1)",
            {"id": replay_id, "user": user},
        )
    for n, (path, (ids, _)) in enumerate(imports.items()):
        run(
            "INSERT INTO import_sources (path, size, mtime_ns, fingerprint, replay_ids, "
            "imported_at) VALUES (:path, :size, :mtime, :fingerprint, :ids, 1)",
            {"path": path, "size": 100 + n, "mtime": 200 + n, "fingerprint": f"f{n}", "ids": ids},
        )


def _v5_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Store, dict]:
    """A database migrated up to version 5 and filled, then opened (which applies 0006)."""
    imports = dict(V5_IMPORTS)
    if backend == "sqlite":
        imports["/unreadable.jsonl"] = ("not json", "local")  # jsonb could not hold it
        path = tmp_path / "v5.db"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute(SCHEMA_MIGRATIONS_DDL)
        for migration in load_migrations("sqlite")[:5]:
            for statement in sqlite_statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, 0)",
                (migration.version, migration.name),
            )
        _fill_v5(conn.execute, imports)
        conn.close()
        return SQLiteStore(path), imports
    url = request.getfixturevalue("postgres_url")
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(SCHEMA_MIGRATIONS_DDL)
        for migration in load_migrations("postgresql")[:5]:
            pg.execute(migration.sql.encode())
            pg.execute(
                "INSERT INTO schema_migrations VALUES (%s, %s, 0)",
                (migration.version, migration.name),
            )
        _fill_v5(
            lambda q, p: pg.execute(pyformat(q.replace(":ids", "CAST(:ids AS jsonb)")), p), imports
        )
    return PostgresStore(url), imports


def test_0006_gives_each_import_record_to_the_owner_of_its_replays(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store, imports = _v5_store(backend, tmp_path, request)
    with store:
        for n, (path, (_, owner)) in enumerate(imports.items()):
            found = store.get_import_source(path, owner)
            assert found is not None, path
            assert (found.user_id, found.size, found.mtime_ns, found.fingerprint) == (
                owner,
                100 + n,
                200 + n,
                f"f{n}",
            )
            for other in {"local", "alice", "bob"} - {owner}:
                assert store.get_import_source(path, other) is None, (path, other)
        assert store.get_import_source("/alice.jsonl", "alice").replay_ids == ["r-alice"]
        assert store.get_import_source("/first-left.jsonl", "bob").replay_ids == [
            "gone",
            "r-bob",
            "r-alice",
        ]
        # Keyed by (user, path) now: alice's record of local's file is a second row.
        store.record_import_source(
            ImportSource(
                user_id="alice",
                path="/local.jsonl",
                size=1,
                mtime_ns=1,
                fingerprint="a",
                replay_ids=[],
            )
        )
        assert store.get_import_source("/local.jsonl", "alice").fingerprint == "a"
        assert store.get_import_source("/local.jsonl", "local").fingerprint == "f2"
    if backend == "postgresql":  # still the system's bookkeeping: RLS on, nothing granted
        with psycopg.connect(request.getfixturevalue("postgres_url")) as pg:
            row = pg.execute(
                "SELECT relrowsecurity, has_table_privilege(%s, 'import_sources', 'SELECT') "
                "FROM pg_class WHERE relname = 'import_sources'",
                (DEFAULT_APP_ROLE,),
            ).fetchone()
        assert row == (True, False)
