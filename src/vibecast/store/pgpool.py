"""A small, thread-safe pool of PostgreSQL connections for one store.

The API runs its sync endpoints in a thread pool, so a store must hand each thread its own
connection; opening one per request would cost more than the request. ``psycopg_pool`` would do,
but it is one more dependency for what fits here: a capped set of idle connections, reused while
they are healthy and dropped when they are not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg import pq

from vibecast.store.base import StoreError

__all__ = ["DEFAULT_POOL_SIZE", "ConnectionPool"]

DEFAULT_POOL_SIZE = 8
"""Connections a store opens at most: enough for a thread pool's worth of short transactions."""


class ConnectionPool:
    """At most ``size`` connections made by ``connect``; a caller waits ``timeout`` s for one."""

    def __init__(
        self,
        connect: Callable[[], psycopg.Connection],
        size: int = DEFAULT_POOL_SIZE,
        timeout: float = 30.0,
    ) -> None:
        self._connect = connect
        self._timeout = timeout
        self._slots = threading.BoundedSemaphore(max(1, size))
        self._idle: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A connection for the duration of the block, outside any transaction when returned."""
        if self._closed:
            raise StoreError("the database connection is closed")
        if not self._slots.acquire(timeout=self._timeout):
            raise StoreError(f"no database connection became free within {self._timeout:.0f} s")
        try:
            conn = self._take()
            try:
                yield conn
            finally:
                self._give_back(conn)
        finally:
            self._slots.release()

    def _take(self) -> psycopg.Connection:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed:
                    return conn
        try:
            return self._connect()
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to PostgreSQL: {_first_line(exc)}") from exc

    def _give_back(self, conn: psycopg.Connection) -> None:
        """Keep a healthy, idle connection; close anything else (broken, or mid-transaction)."""
        healthy = (
            not conn.closed
            and not conn.broken
            and conn.info.transaction_status == pq.TransactionStatus.IDLE
        )
        with self._lock:
            if healthy and not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
