"""One recorder per spool: an advisory lock on ``recorder.lock`` that holds the owner's pid.

``flock`` locks belong to the open file and vanish with the process, so a recorder killed with
``kill -9`` never leaves a stale lock behind, and ``status`` can tell a running recorder from a
leftover file.

The file holds the pid on its first line and, after it, a note saying who holds it (``vibecast
record``, ``vibecast serve (pid N)``): a ``vibecast serve`` worker that finds the lock held by
another worker of the same server need not warn about it. The same kind of lock on
``recorder-standby.lock`` is how a ``vibecast serve`` that does not record (yet) tells ``hooks
status`` why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # Windows: vibecast still imports; live capture says why it cannot run
    fcntl = None

__all__ = ["LockHolder", "RecorderLock", "lock_holder", "running_recorder_pid"]


@dataclass(frozen=True)
class LockHolder:
    """The process holding a lock: its pid (-1 if the file does not say) and its note."""

    pid: int
    note: str = ""


class RecorderLock:
    """The lock a recorder holds while it runs."""

    def __init__(self, path: Path, note: str = "") -> None:
        self.path = path
        self.note = " ".join(note.split())  # one line
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock and write our pid (and note); False if another process holds it."""
        if self._fd is not None:
            return True
        if fcntl is None:
            raise OSError("live capture needs a POSIX system (no fcntl here)")
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, "".join(f"{line}\n" for line in (os.getpid(), self.note) if line).encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        assert fcntl is not None  # acquire() succeeded
        try:
            os.ftruncate(fd, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def lock_holder(path: Path) -> LockHolder | None:
    """Who holds the lock at ``path``, or None if nobody does."""
    if fcntl is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 1024).decode("utf-8", "replace")
            first, _, rest = text.partition("\n")
            pid = int(first) if first.strip().isdigit() else -1
            return LockHolder(pid, rest.strip())
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def running_recorder_pid(path: Path) -> int | None:
    """The pid of the recorder holding the lock at ``path``, or None if none is running."""
    holder = lock_holder(path)
    return None if holder is None else holder.pid
