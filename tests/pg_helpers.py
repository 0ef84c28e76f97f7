"""Throwaway PostgreSQL databases for tests, on the server at 127.0.0.1:5432.

Every test gets its own database ``vibecast_test_<random>``, dropped afterwards: empty, or copied
from a template migrated once per session (a copy costs what creating an empty one does, and
saves the migration). When the server is unreachable the PostgreSQL
tests are skipped with a message — unless ``CI=true``, where a missing server is a failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import psycopg
from psycopg import sql

from required import unavailable

ADMIN_URL = os.environ.get(
    "VIBECAST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
"""A superuser connection to the test server (trust auth on this machine)."""


def database_url(name: str) -> str:
    """``ADMIN_URL`` pointed at database ``name``."""
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


@cache
def _unreachable() -> str | None:
    """Why the server cannot be used, or None when it can."""
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def require_postgres() -> None:
    """Skip (or, with CI=true, fail) the calling test when PostgreSQL is not reachable."""
    reason = _unreachable()
    if reason is None:
        return
    unavailable(
        f"PostgreSQL is not reachable at {ADMIN_URL}: {reason}", "the PostgreSQL tests must run"
    )


def _admin(statement: sql.Composable) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(statement)


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


@contextmanager
def scratch_database(template: str | None = None) -> Iterator[str]:
    """A new database, empty or a copy of ``template``; yields its URL, drops it afterwards."""
    require_postgres()
    name = f"vibecast_test_{secrets.token_hex(6)}"
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        create = sql.SQL("{} TEMPLATE {}").format(create, sql.Identifier(template))
    _admin(create)
    try:
        yield database_url(name)
    finally:
        _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def owner_database(*, createrole: bool) -> Iterator[tuple[str, str, str]]:
    """A new database owned by a LOGIN role that is no superuser (with or without CREATEROLE), as
    docs/operations.md's owner role, and a name for an app role of its own (roles are
    cluster-wide: the default one may exist from other tests). Yields the owner's URL, the owner
    and the app role's name; drops the database and both roles afterwards."""
    require_postgres()
    suffix = secrets.token_hex(4)
    owner, app, name = f"vc_owner_{suffix}", f"vc_app_{suffix}", f"vibecast_test_{suffix}"
    power = "CREATEROLE" if createrole else "NOCREATEROLE"
    _admin(sql.SQL(f"CREATE ROLE {{}} LOGIN {power} NOSUPERUSER").format(sql.Identifier(owner)))
    try:
        _admin(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(owner)
            )
        )
        base = database_url(name)
        url = base.replace("://postgres@", f"://{owner}@", 1)
        assert url != base, "the test server's URL names another user"
        yield url, owner, app
    finally:
        _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        for role in (app, owner):
            _admin(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
