"""Removing a user (``vibecast users remove``): the queries once, for SQLite and PostgreSQL.

Both backends run these over their own connection, in one transaction the caller opens as the
system (the owner of the tables: no row-level security applies), with ``:name`` parameters
(:func:`~vibecast.store.records.pyformat` turns them into psycopg's). Replays are never deleted
here: a user who still owns some is refused unless they are handed on, and deleting them is the
replay delete path's job (``delete_replay_and_files``), which the command runs first. The records
of what they imported (``import_sources``) go to the heir with their replays, else with the user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from vibecast.store.base import StoreError, User, UserRemoval
from vibecast.store.records import LOCAL_USER, USER_COLUMNS, live_link_sql, user_from_row

__all__ = ["conflict_message", "remove_user", "user_removal"]


class Connection(Protocol):
    def execute(self, query: str, params: dict[str, Any], /) -> Any: ...


Query = Callable[[str], str]
"""SQL with ``:name`` parameters, in the driver's style."""

_THEIRS = "SELECT id FROM replays WHERE user_id = :user"
_SHARED = f"SELECT count(*) FROM replays WHERE user_id = :user AND {live_link_sql('', 'now')}"
# Their annotations on their own replays go with the replays (to the heir, or with a delete);
# those on anyone else's replays go with the user.
_ON_THEIRS = f"user_id = :user AND replay_id IN ({_THEIRS})"
_ELSEWHERE = f"user_id = :user AND replay_id NOT IN ({_THEIRS})"


def user_removal(
    conn: Connection, query: Query, user_id: str, heir_id: str | None, now: int
) -> UserRemoval:
    """What removing ``user_id`` (handing their replays to ``heir_id``) would do now."""

    def one(sql: str) -> Any:
        row = conn.execute(query(sql), {"user": user_id, "heir": heir_id, "now": now}).fetchone()
        return row[0] if row else 0

    if user_id == LOCAL_USER:
        raise StoreError(
            f"the built-in user {LOCAL_USER!r} cannot be removed: it owns what is imported "
            "and recorded without --user"
        )
    user = _user(conn, query, user_id)
    heir = None
    conflicts: list[str] = []
    if heir_id is not None:
        if heir_id == user_id:
            raise StoreError(f"cannot transfer {user.name}'s replays to {user.name}")
        heir = _user(conn, query, heir_id)
        rows = conn.execute(
            query(
                "SELECT DISTINCT mine.session_id FROM replays mine JOIN replays theirs "
                "ON theirs.session_id = mine.session_id AND theirs.user_id = :heir "
                "WHERE mine.user_id = :user ORDER BY mine.session_id"
            ),
            {"user": user_id, "heir": heir_id},
        ).fetchall()
        conflicts = [row[0] for row in rows]
    return UserRemoval(
        user=user,
        heir=heir,
        tokens=int(one("SELECT count(*) FROM api_tokens WHERE user_id = :user AND NOT revoked")),
        replays=int(one("SELECT count(*) FROM replays WHERE user_id = :user")),
        shared=int(one(_SHARED)),
        exports=int(one(f"SELECT count(*) FROM export_jobs WHERE replay_id IN ({_THEIRS})")),
        annotations_elsewhere=int(
            one(f"SELECT count(*) FROM replay_annotations WHERE {_ELSEWHERE}")
        ),
        conflicts=conflicts,
    )


def remove_user(
    conn: Connection, query: Query, user_id: str, heir_id: str | None, now: int
) -> UserRemoval:
    """Remove ``user_id`` as :meth:`~vibecast.store.base.Store.remove_user` says; what it did."""
    removal = user_removal(conn, query, user_id, heir_id, now)
    if removal.conflicts:
        raise StoreError(conflict_message(removal))
    if removal.replays and heir_id is None:
        raise StoreError(
            f"user {removal.user.name} still owns {removal.replays} replay(s): delete them or "
            "transfer them to another user first"
        )
    params = {"user": user_id, "heir": heir_id, "now": now}

    def run(sql: str) -> None:
        conn.execute(query(sql), params)

    if heir_id is not None and removal.replays:
        # Their notes and bookmarks on their replays, and their exports of them, move with the
        # replays: a link that shows the owner's notes keeps showing them.
        for table in ("replay_annotations", "export_jobs"):
            run(f"UPDATE {table} SET user_id = :heir WHERE {_ON_THEIRS}")
        run(
            "UPDATE replays SET user_id = :heir, updated_at = CASE WHEN updated_at < :now "
            "THEN :now ELSE updated_at + 1 END WHERE user_id = :user"
        )
        # The records of the files those replays were imported from go with them: the heir's
        # next import of those files skips them while unchanged. Where the heir has a record of
        # the same path, theirs stays.
        run(
            "UPDATE import_sources SET user_id = :heir WHERE user_id = :user AND path NOT IN "
            "(SELECT path FROM import_sources WHERE user_id = :heir)"
        )
    run("DELETE FROM import_sources WHERE user_id = :user")
    run(f"DELETE FROM replay_annotations WHERE {_ELSEWHERE}")
    run("DELETE FROM api_tokens WHERE user_id = :user")
    run("DELETE FROM users WHERE id = :user")
    return removal


def _user(conn: Connection, query: Query, user_id: str) -> User:
    row = conn.execute(
        query(f"SELECT {USER_COLUMNS} FROM users WHERE id = :id"), {"id": user_id}
    ).fetchone()
    if row is None:
        raise StoreError(f"no user {user_id!r}")
    return user_from_row(row)


def conflict_message(removal: UserRemoval) -> str:
    """Why a transfer cannot proceed: the sessions both users have a replay of."""
    heir = removal.heir.name if removal.heir else "the other user"
    shown = ", ".join(removal.conflicts[:3]) + (" and more" if len(removal.conflicts) > 3 else "")
    return (
        f"{heir} already has a replay of {len(removal.conflicts)} of {removal.user.name}'s "
        f"sessions ({shown}): delete one replay of each pair first"
    )
