"""The PostgreSQL role the app works as, so that row-level security binds it.

PostgreSQL does not apply row-level security to a table's owner or to a role with BYPASSRLS (or a
superuser). The store therefore connects as the owner (the role that ran the migrations; the
system) and, for every transaction on behalf of a user, switches to the app role — which owns
nothing, bypasses nothing, and holds only the grants below — and names the user:

    SELECT set_config('role', 'vibecast_app', true), set_config('vibecast.user_id', '<id>', true)

Both settings end with the transaction. :func:`ensure_app_role` creates the role if it is missing
(its name is configurable: ``VIBECAST_DB_APP_ROLE``, default ``vibecast_app``), refuses one that
could bypass the policies, and (re)grants exactly what the policies expect; it runs with every
migration, so new tables get their grants. An owner that may not create the role (no
``CREATEROLE``) or join it is told the SQL a superuser runs once (docs/operations.md, "Two roles").
"""

from __future__ import annotations

import psycopg
from psycopg import errors, sql

from vibecast.store.base import StoreError
from vibecast.store.migrations import POSTGRES_LOCK_KEY

__all__ = ["APP_ROLE_ENV", "DEFAULT_APP_ROLE", "check_not_app_role", "ensure_app_role"]

DEFAULT_APP_ROLE = "vibecast_app"
APP_ROLE_ENV = "VIBECAST_DB_APP_ROLE"

_READ_WRITE = (
    "replays",
    "replay_annotations",
    "replay_chunks",
    "chunk_blob_refs",
    "replay_search",
    "replay_tools",
    "api_tokens",
    "export_jobs",
)
"""Tables a user reads and writes, row by row as the policies allow."""
_READ_ADD = ("blobs",)
"""Blobs are added, never changed; vibecast.collect_blobs removes the unused ones."""
_READ = ("users",)
_FUNCTIONS = ("vibecast.stored_blobs(text[])", "vibecast.collect_blobs(text[])")
# Not granted at all: import_sources and schema_migrations (the system's bookkeeping).


def ensure_app_role(conn: psycopg.Connection, role: str) -> None:
    """Create ``role`` if needed, check it cannot bypass the policies, grant what it needs.

    ``conn`` is the owner's autocommit connection. Raises StoreError with what to fix.
    """
    with conn.transaction():
        # Grants rewrite catalog rows: two processes granting at once would collide.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (POSTGRES_LOCK_KEY,))
        me, superuser = conn.execute(
            "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone() or (None, False)
        check_not_app_role(conn, role)
        _create_role(conn, role, me)
        found = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", (role,)
        ).fetchone()
        if found is None or found[0] or found[1]:
            raise StoreError(
                f"the app role {role} must exist and be neither a superuser nor BYPASSRLS: "
                "row-level security would not apply to it"
            )
        owns = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE tableowner = %s AND tablename = 'replays'",
            (role,),
        ).fetchone()
        if owns and owns[0]:
            raise StoreError(
                f"the app role {role} owns the replays table; policies would not bind it"
            )
        _grant(conn, role)
        if not superuser:
            member = conn.execute(
                "SELECT pg_has_role(current_user, %s, 'MEMBER')", (role,)
            ).fetchone()
            if not (member and member[0]):
                try:
                    with conn.transaction():
                        conn.execute(
                            sql.SQL("GRANT {} TO {}").format(
                                sql.Identifier(role), sql.Identifier(me)
                            )
                        )
                except errors.InsufficientPrivilege as exc:
                    raise StoreError(_set_up_by_hand(role, me, exc, exists=True)) from exc


def check_not_app_role(conn: psycopg.Connection, role: str) -> None:
    """Refuse to work as the system over a connection logged in as the app role itself."""
    found = conn.execute("SELECT current_user").fetchone()
    if found and found[0] == role:
        raise StoreError(
            f"connected as {role}, the role the app works as: connect as the owner of the "
            "vibecast tables (the role that runs the migrations) instead"
        )


_CREATE_ROLE = "CREATE ROLE {} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT"


def _create_role(conn: psycopg.Connection, role: str, owner: str | None) -> None:
    """CREATE ROLE unless it exists; another process creating it at the same moment is fine.
    An owner without CREATEROLE is told how to make it by hand."""
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    if exists:
        return
    try:
        with conn.transaction():  # a savepoint: losing the race must not abort the rest
            conn.execute(sql.SQL(_CREATE_ROLE).format(sql.Identifier(role)))
    except (errors.DuplicateObject, errors.UniqueViolation):
        pass
    except errors.InsufficientPrivilege as exc:
        raise StoreError(_set_up_by_hand(role, owner, exc, exists=False)) from exc


def _set_up_by_hand(role: str, owner: str | None, exc: psycopg.Error, *, exists: bool) -> str:
    """What to do when the owner may not create the app role or make itself a member of it:
    the SQL a superuser (or a CREATEROLE role) runs once, and where the docs explain it."""
    who = sql.Identifier(owner or "<owner>").as_string(None)
    name = sql.Identifier(role).as_string(None)
    steps = [] if exists else [_CREATE_ROLE.format(name) + ";"]
    steps.append(f"GRANT {name} TO {who};")
    problem = exc.diag.message_primary or type(exc).__name__
    return (
        f"the database owner {who} cannot set up the app role {name} ({problem}). As a "
        f"superuser, run: {' '.join(steps)} Then start again. The app role is cluster-wide and "
        f"{APP_ROLE_ENV} names it (default {DEFAULT_APP_ROLE}); see docs/operations.md#two-roles"
    )


def _grant(conn: psycopg.Connection, role: str) -> None:
    who = sql.Identifier(role)
    schema = conn.execute("SELECT current_schema()").fetchone()
    if schema is None or schema[0] is None:
        raise StoreError("the connection has no current schema to keep the vibecast tables in")
    conn.execute(
        sql.SQL("GRANT USAGE ON SCHEMA {}, vibecast TO {}").format(sql.Identifier(schema[0]), who)
    )

    def tables(names: tuple[str, ...]) -> sql.Composable:
        return sql.SQL(", ").join(sql.Identifier(name) for name in names)

    conn.execute(
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(tables(_READ_WRITE), who)
    )
    conn.execute(sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(tables(_READ_ADD), who))
    conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(tables(_READ), who))
    conn.execute(
        sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(
            sql.SQL(", ").join(sql.SQL(f) for f in _FUNCTIONS), who
        )
    )
