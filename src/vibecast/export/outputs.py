"""Finished videos and thumbnails on disk, and download URLs that expire.

Files live under ``$VIBECAST_HOME/exports/`` (``VIBECAST_EXPORTS_DIR`` overrides it; in server
mode point every worker and server at the same directory, e.g. a shared volume). A download URL
carries an expiry and an HMAC-SHA256 of job id and expiry under the install's secret key (the
server's ``VIBECAST_SECRET_KEY`` / ``server-secret``), so it works without a login until it
expires and cannot be forged or extended. Object storage (S3) is not supported yet.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import shutil
import time
from pathlib import Path

from vibecast.config import Settings
from vibecast.export.jobs import job_store
from vibecast.export.request import FORMATS
from vibecast.store.base import Store

__all__ = [
    "DOWNLOAD_TTL_MS",
    "EXPORTS_DIR_ENV",
    "STALE_LEFTOVER_SECONDS",
    "TEMP_DIR_PREFIX",
    "delete_replay_and_files",
    "exports_dir",
    "remove_stale_leftovers",
    "sign_download",
    "sweep_orphans",
    "thumbnail_path",
    "verify_download",
    "video_path",
]

log = logging.getLogger(__name__)

EXPORTS_DIR_ENV = "VIBECAST_EXPORTS_DIR"
DOWNLOAD_TTL_MS = 24 * 3600 * 1000
"""A download URL works for a day after it was handed out."""
_CONTEXT = b"vibecast-export-download\x00"


def exports_dir(settings: Settings, env: dict[str, str] | None = None) -> Path:
    environ = os.environ if env is None else env
    configured = environ.get(EXPORTS_DIR_ENV)
    return Path(configured).expanduser() if configured else settings.home / "exports"


def video_path(root: Path, job_id: str, video_format: str) -> Path:
    if video_format not in FORMATS:
        raise ValueError(f"unknown video format {video_format!r}")
    return root / "videos" / f"{job_id}.{video_format}"


def thumbnail_path(root: Path, replay_id: str, *, shared: bool = False) -> Path:
    """``shared``: the one a share link's preview shows (drawn without the owner's notes)."""
    return root / "thumbnails" / f"{replay_id}{'.shared' if shared else ''}.png"


def delete_replay_and_files(store: Store, root: Path, replay_id: str) -> bool:
    """Delete a replay (``store`` acting as its owner) and then the files made from it: its
    export jobs' videos and its thumbnails. The files go after the rows, so a delete that
    fails loses nothing; whether the replay was deleted."""
    jobs = job_store(store)
    outputs = jobs.outputs_of(replay_id)
    if not store.delete_replay(replay_id):
        return False
    for path in [*map(Path, outputs), *_thumbnails(root, replay_id)]:
        _remove(path)
    return True


OWNER_FILE = ".database"
"""In the exports directory: a digest of the database whose files it holds. Two databases may
share one directory (a local SQLite ``serve`` and a team one under the same ``VIBECAST_HOME``):
files are swept only by the database that owns it."""


def sweep_orphans(store: Store, root: Path, database_url: str) -> int:
    """Remove videos whose job and thumbnails whose replay no longer exist (deleted by a
    version that left them, or by hand in the database); how many files went. Only where the
    directory is this database's (:data:`OWNER_FILE`): the first start claims an unclaimed one,
    and sweeps from the next."""
    if not _owned_by(root, database_url):
        return 0
    jobs = job_store(store)
    removed = 0
    for folder, table, key in (
        (root / "videos", "export_jobs", lambda p: p.name.split(".", 1)[0]),
        (root / "thumbnails", "replays", lambda p: p.name.split(".", 1)[0]),
    ):
        try:
            files = [p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".part")]
        except OSError:
            continue
        kept = jobs.existing(table, sorted({key(p) for p in files}))
        for path in files:
            if key(path) not in kept and _remove(path):
                removed += 1
    return removed


def _owned_by(root: Path, database_url: str) -> bool:
    ours = hashlib.sha256(database_url.encode()).hexdigest()[:32]  # no password on disk
    mark = root / OWNER_FILE
    try:
        found = mark.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        try:
            root.mkdir(parents=True, exist_ok=True)
            mark.write_text(ours + "\n", encoding="ascii")
        except OSError:
            pass
        return False
    except (OSError, UnicodeDecodeError):
        return False
    if found != ours:
        log.warning(
            "%s holds another database's exports: not sweeping it (give each database its "
            "own directory with VIBECAST_EXPORTS_DIR)",
            root,
        )
    return found == ours


def _thumbnails(root: Path, replay_id: str) -> list[Path]:
    return [thumbnail_path(root, replay_id), thumbnail_path(root, replay_id, shared=True)]


def _remove(path: Path) -> bool:
    """Whether ``path`` was removed (gone already, or not removable now: left for a sweep)."""
    try:
        path.unlink()
    except OSError:
        return False
    return True


TEMP_DIR_PREFIX = "vibecast-export-"
"""The prefix of the temporary directories a render with several pages keeps its parts in
(``<exports>/videos/vibecast-export-XXXX/part0.mp4``, made by :mod:`vibecast.export.video`)."""
STALE_LEFTOVER_SECONDS = 600.0
"""A leftover untouched this long belongs to a dead process (see :func:`remove_stale_leftovers`)."""


def remove_stale_leftovers(
    exports_root: Path, *, older_than_s: float = STALE_LEFTOVER_SECONDS, now: float | None = None
) -> list[Path]:
    """Remove what renders killed mid-way (``kill -9``, a lost machine) left in the exports
    directory; the paths removed.

    That is: temporary part directories (``videos/vibecast-export-*/``), partial files
    (``videos/*.part``, ``thumbnails/*.part``) and FFmpeg's join lists (``videos/*.txt``). A
    process removes its own when it ends in any other way, but one killed cannot.

    The exports directory may be shared by workers on several machines, so whether a leftover's
    process is alive cannot be asked (a process id means nothing on another machine). It is told
    by age instead: a leftover is removed only when neither it nor anything in it was modified
    for ``older_than_s`` (10 minutes). A live render writes to its parts every few seconds
    (FFmpeg appends as frames come; 3.3 s the longest pause measured, a sparse 2:23 replay on
    two pages). Ten minutes is far longer than that, than the 30 s lease a job's progress must
    renew (``jobs.LEASE_MS``) and than the 10 s without a heartbeat after which a server-mode
    worker is declared dead: a render quiet that long is dead or stuck. The margin
    also covers clocks of machines that disagree by a few minutes; a modification time in the
    future counts as fresh. Anything that cannot be read or removed is left for the next start.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    for folder, wanted in (
        (exports_root / "videos", _video_leftover),
        (exports_root / "thumbnails", lambda entry: entry.name.endswith(".part")),
    ):
        try:
            entries = [entry for entry in os.scandir(folder) if wanted(entry)]
        except OSError:  # no such folder yet, or unreadable
            continue
        for entry in entries:
            newest = _newest_change(entry)
            if newest is None or now - newest < older_than_s:
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
            except FileNotFoundError:
                continue  # another process removed it first
            except OSError as exc:
                log.warning("cannot remove the stale export leftover %s: %s", entry.path, exc)
                continue
            removed.append(Path(entry.path))
    return removed


def _video_leftover(entry: os.DirEntry[str]) -> bool:
    if entry.name.startswith(TEMP_DIR_PREFIX):
        return entry.is_dir(follow_symlinks=False)
    return entry.name.endswith((".part", ".txt")) and entry.is_file(follow_symlinks=False)


def _newest_change(entry: os.DirEntry[str]) -> float | None:
    """The latest modification time of ``entry`` and everything in it; None if any of it could
    not be read (something is changing it: leave it be)."""
    try:
        newest = entry.stat(follow_symlinks=False).st_mtime
        if entry.is_dir(follow_symlinks=False):
            for folder, dirs, files in os.walk(entry.path, onerror=_raise):
                for name in (*dirs, *files):
                    newest = max(newest, os.lstat(os.path.join(folder, name)).st_mtime)
    except OSError:
        return None
    return newest


def _raise(exc: OSError) -> None:
    raise exc


def _mac(key: bytes, job_id: str, expires_ms: int) -> str:
    message = _CONTEXT + f"{job_id}\x00{expires_ms}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign_download(key: bytes, job_id: str, now_ms: int, ttl_ms: int = DOWNLOAD_TTL_MS) -> str:
    """The query string (``expires=…&sig=…``) of a download URL for ``job_id``."""
    expires = now_ms + ttl_ms
    return f"expires={expires}&sig={_mac(key, job_id, expires)}"


def verify_download(key: bytes, job_id: str, expires_ms: int, sig: str, now_ms: int) -> bool:
    """True if ``sig`` was made by :func:`sign_download` for this job and has not expired."""
    if expires_ms < now_ms:
        return False
    # compare_digest refuses non-ASCII str; a forged signature may hold anything.
    expected = _mac(key, job_id, expires_ms).encode()
    return hmac.compare_digest(expected, sig.encode("utf-8", "replace"))
