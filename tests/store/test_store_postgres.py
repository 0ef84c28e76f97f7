"""PostgresStore beyond the shared contract: migrations on PostgreSQL, the app role it sets up,
its connection pool, and the CLI working unchanged on a PostgreSQL database."""

from __future__ import annotations

import json
import os
import secrets
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo
from store_helpers import make_event, make_replay

from pg_helpers import ADMIN_URL, database_name, scratch_database
from served import run_vibecast
from vibecast.store.base import StoreError
from vibecast.store.migrations import apply_postgresql, load_migrations
from vibecast.store.pgaccess import DEFAULT_APP_ROLE
from vibecast.store.postgres import PostgresStore


def _versions(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]


def test_migrations_apply_once(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert [m.name for m in apply_postgresql(conn)] == [
            m.name for m in load_migrations("postgresql")
        ]
        assert apply_postgresql(conn) == []
    with PostgresStore(postgres_url) as store:  # opening again applies nothing
        store.save_replay(make_replay(), [make_event(0, 0)])
    assert _versions(postgres_url) == [m.version for m in load_migrations("postgresql")]


def test_opening_a_new_database_from_many_threads_migrates_it_once(postgres_url: str) -> None:
    def open_and_use(_: int) -> int:
        with PostgresStore(postgres_url) as store:
            return store.count_replays(user_id=None)

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(open_and_use, range(4))) == [0] * 4
    assert _versions(postgres_url) == [m.version for m in load_migrations("postgresql")]


def test_a_database_from_a_newer_vibecast_is_refused(postgres_url: str) -> None:
    PostgresStore(postgres_url).close()
    with psycopg.connect(postgres_url) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'from_the_future', 0)")
    with pytest.raises(StoreError, match="newer than this vibecast"):
        PostgresStore(postgres_url)


def test_a_failing_migration_changes_nothing(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE blobs (x int)")  # in the way of 0001
    with pytest.raises(StoreError, match="migrating the database failed"):
        PostgresStore(postgres_url)
    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert [row[0] for row in tables] == ["blobs"]  # all or nothing


def test_a_custom_app_role_is_created_without_privileges_to_bypass() -> None:
    role = f"vibecast_app_{secrets.token_hex(4)}"
    try:
        with scratch_database() as url, PostgresStore(url, app_role=role) as store:
            store.save_replay(make_replay(user_id="alice"), [make_event(0, 0)])
            assert store.acting_as("alice").get_replay(make_replay().id) is not None
            assert store.acting_as("bob").get_replay(make_replay().id) is None
            with psycopg.connect(url) as conn:
                found = conn.execute(
                    "SELECT rolcanlogin, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s",
                    (role,),
                ).fetchone()
            assert found == (False, False, False)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.mark.parametrize("power", ["SUPERUSER", "BYPASSRLS"])
def test_an_app_role_that_would_bypass_the_policies_is_refused(
    postgres_url: str, power: str
) -> None:
    role = f"vibecast_strong_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL(f"CREATE ROLE {{}} NOLOGIN {power}").format(sql.Identifier(role)))
        try:
            with pytest.raises(StoreError, match="neither a superuser nor BYPASSRLS"):
                PostgresStore(postgres_url, app_role=role)
        finally:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_connecting_as_the_app_role_is_refused(postgres_url: str) -> None:
    PostgresStore(postgres_url).close()
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("ALTER ROLE {} LOGIN").format(sql.Identifier(DEFAULT_APP_ROLE)))
    as_app = make_conninfo(postgres_url, user=DEFAULT_APP_ROLE)
    with pytest.raises(StoreError, match="connect as the owner"):
        PostgresStore(as_app)


def test_a_dropped_connection_is_replaced(postgres_url: str) -> None:
    with PostgresStore(postgres_url, pool_size=1) as store:
        store.save_replay(make_replay(), [make_event(0, 0)])
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'vibecast' AND datname = %s",
                (database_name(postgres_url),),
            )
        with pytest.raises(StoreError):  # the call that finds the connection dead fails cleanly
            store.get_replay(make_replay().id)
        assert store.get_replay(make_replay().id) is not None  # and the next one reconnects


def test_closing_the_store_closes_its_connections(postgres_url: str) -> None:
    def connections() -> int:
        with psycopg.connect(ADMIN_URL) as admin:
            row = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'vibecast' "
                "AND datname = %s",
                (database_name(postgres_url),),
            ).fetchone()
            return int(row[0]) if row else 0

    store = PostgresStore(postgres_url)
    store.acting_as("alice").list_replays(user_id=None)
    assert connections() >= 1
    store.acting_as("alice").close()  # a view does not close the store
    assert store.count_replays(user_id=None) == 0
    store.close()
    assert connections() == 0
    with pytest.raises(StoreError):
        store.list_replays()


def test_the_cli_works_on_postgresql(postgres_url: str, tmp_path: Path, shared_data: Path) -> None:
    """import, list, show, events and save run unchanged against a PostgreSQL database."""
    transcripts = tmp_path / "transcripts"
    transcripts.mkdir()
    for path in sorted((shared_data / "claude-code" / "transcripts").glob("*.jsonl"))[:2]:
        shutil.copy(path, transcripts / path.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIBECAST_", "CLAUDE_"))}
    env.update(
        VIBECAST_DATABASE_URL=postgres_url,
        VIBECAST_HOME=str(tmp_path / "home"),
        CLAUDE_CONFIG_DIR=str(tmp_path / "claude"),
        NO_COLOR="1",
    )

    def vibecast(*args: str, summary: bool = False) -> str:
        done = run_vibecast(env, *args)
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr if summary else done.stdout

    assert "2 replays created" in vibecast("import", str(transcripts), summary=True)
    listed = json.loads(vibecast("list", "--json"))
    assert len(listed) == 2
    replay_id = listed[0]["id"]
    shown = json.loads(vibecast("show", replay_id[:8], "--json"))
    assert shown["id"] == replay_id
    lines = vibecast("events", replay_id).splitlines()
    assert len(lines) == shown["metadata"]["event_count"] > 0
    assert all(json.loads(line)["sessionId"] for line in lines)
    vibecast("save", replay_id, "-o", str(tmp_path / "replay.vibecast"))
    assert (tmp_path / "replay.vibecast").stat().st_size > 0
    again = vibecast("import", str(transcripts), summary=True)
    assert "0 replays created" in again  # unchanged: skipped
