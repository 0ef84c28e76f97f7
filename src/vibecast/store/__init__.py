"""Storage: one interface (:class:`~vibecast.store.base.Store`), SQLite and PostgreSQL backends.

:func:`open_store` is the only way the rest of vibecast gets a store: it picks the backend from the
database URL, creates what is missing and brings the schema up to date.
"""

from __future__ import annotations

import re
from pathlib import Path

from vibecast.store.base import (
    PUBLIC_VIEWER,
    AccessDenied,
    AmbiguousReplayId,
    Annotation,
    AnnotationNotFound,
    ApiToken,
    ImportSource,
    ReplayFilter,
    ReplayNotFound,
    Share,
    Store,
    StoreError,
    StoreStats,
    User,
)

__all__ = [
    "PUBLIC_VIEWER",
    "AccessDenied",
    "AmbiguousReplayId",
    "Annotation",
    "AnnotationNotFound",
    "ApiToken",
    "ImportSource",
    "ReplayFilter",
    "ReplayNotFound",
    "Share",
    "Store",
    "StoreError",
    "StoreStats",
    "User",
    "open_store",
    "sqlite_path",
]

_SQLITE_SCHEME = "sqlite://"
_MEMORY = ":memory:"


def sqlite_path(database_url: str) -> str:
    """The file a ``sqlite://`` URL names, or ``":memory:"``.

    ``sqlite:///abs/path.db`` and ``sqlite:////abs/path.db`` are the absolute path,
    ``sqlite:///:memory:`` (or bare ``sqlite://``) an in-memory database, ``~`` is expanded.
    """
    if not database_url.startswith(_SQLITE_SCHEME):
        raise StoreError(f"not a SQLite database URL: {database_url!r}")
    rest = database_url[len(_SQLITE_SCHEME) :].split("?", 1)[0]
    if rest in ("", "/", _MEMORY, "/" + _MEMORY):
        return _MEMORY
    if rest.startswith("/~") or re.match(r"^/[A-Za-z]:[/\\]", rest):
        rest = rest[1:]  # sqlite:///~/x.db and sqlite:///C:/x.db
    path = Path(rest).expanduser()
    if str(path).startswith("//"):  # sqlite:////abs -> //abs: the same file, said twice
        path = Path("/" + str(path).lstrip("/"))
    return str(path)


def open_store(database_url: str) -> Store:
    """The store a database URL names, created if needed and migrated to the current schema.

    ``sqlite:///abs/path.db`` (the parent directory is created) or ``sqlite:///:memory:``;
    ``postgresql://user@host:5432/db`` is server mode (needs ``psycopg``; connect as the role
    that owns the tables — see :mod:`vibecast.store.postgres`).
    """
    url = database_url.strip()
    if url.startswith(("postgresql://", "postgres://")):
        try:
            from vibecast.store.postgres import PostgresStore
        except ImportError as exc:
            raise StoreError(
                "PostgreSQL server mode needs psycopg: pip install 'vibecast[server]'"
            ) from exc
        return PostgresStore(url)
    if not url.startswith(_SQLITE_SCHEME):
        scheme = url.split(":", 1)[0] if ":" in url else url
        raise StoreError(
            f"unsupported database URL {scheme!r}: use sqlite:///path/to/vibecast.db "
            "or postgresql://..."
        )
    path = sqlite_path(url)
    if path != _MEMORY:
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the directory of {path}: {exc.strerror}") from exc
    from vibecast.store.sqlite import SQLiteStore  # keeps `import vibecast.store` light

    return SQLiteStore(path)
