"""Run one export job to its end: the shared body of the local queue and the server workers.

The job's data is read as its owner (row-level security applies), progress is written at most
every half second and renews the job's lease, and a cancel seen there stops the render. Whatever
happens, the job ends complete (with its file), failed (with why), or cancelled — a half-written
file is never left behind. The replay's thumbnail is drawn after its first export.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

from vibecast.errors import VibecastError
from vibecast.export.jobs import ExportJob
from vibecast.export.outputs import thumbnail_path, video_path
from vibecast.export.request import ExportCancelled
from vibecast.export.thumbnail import render_thumbnail
from vibecast.export.video import export_video, load_replay_data
from vibecast.humanize import format_bytes, format_duration
from vibecast.store.base import Store
from vibecast.store.jobs_sql import JobStore

__all__ = ["run_job", "thumbnail_url", "worker_name"]

log = logging.getLogger(__name__)

_REPORT_EVERY_S = 0.5


def worker_name(kind: str) -> str:
    """Who runs a job, for the job record: host, process and kind."""
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"


def thumbnail_url(replay_id: str) -> str:
    return f"/api/replays/{replay_id}/thumbnail"


def _now_ms() -> int:
    return int(time.time() * 1000)


def run_job(
    store: Store,
    jobs: JobStore,
    job: ExportJob,
    exports_root: Path,
    worker: str,
    *,
    now_ms: Callable[[], int] = _now_ms,
    static_dir: Path | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> ExportJob | None:
    """Render ``job`` (already claimed by ``worker``), record how it ended, and log a line when
    it starts (what it renders) and one when it ends (how, after how long).

    ``stopping()`` true: the runner shuts down; the job goes back to the queue for the next one.
    """
    again = f" (attempt {job.attempts})" if job.attempts > 1 else ""
    log.info("export %s started%s: %s", job.id, again, _describe(store, job))
    started = time.monotonic()
    ended = _render(store, jobs, job, exports_root, worker, now_ms, static_dir, stopping)
    level, outcome = _outcome(ended, worker, time.monotonic() - started)
    log.log(level, "export %s %s", job.id, outcome)
    return ended


def _render(
    store: Store,
    jobs: JobStore,
    job: ExportJob,
    exports_root: Path,
    worker: str,
    now_ms: Callable[[], int],
    static_dir: Path | None,
    stopping: Callable[[], bool],
) -> ExportJob | None:
    output = video_path(exports_root, job.id, job.request.format)
    stopped = False
    last_report = 0.0

    def progress(fraction: float) -> None:
        nonlocal stopped, last_report
        now = time.monotonic()
        if now - last_report < _REPORT_EVERY_S and fraction < 1.0:
            return
        last_report = now
        if not jobs.heartbeat(job.id, worker, round(min(fraction, 0.999), 4), now_ms()):
            stopped = True  # cancelled, or another worker took it over

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        data = load_replay_data(store.acting_as(job.user_id), job.replay_id)
        export_video(
            data,
            job.request,
            output,
            progress=progress,
            cancelled=lambda: stopped or stopping(),
            static_dir=static_dir,
        )
    except ExportCancelled:
        if stopping():
            jobs.requeue(job.id, worker, now_ms())
        return jobs.get(job.id, None)
    except VibecastError as exc:
        jobs.finish(job.id, worker, "failed", now_ms(), error=str(exc))
        return jobs.get(job.id, None)
    except Exception as exc:
        log.exception("export %s failed unexpectedly", job.id)
        jobs.finish(job.id, worker, "failed", now_ms(), error=f"internal error: {exc!r}")
        return jobs.get(job.id, None)
    _ensure_thumbnail(jobs, data, exports_root, static_dir)
    if not jobs.finish(job.id, worker, "complete", now_ms(), output_path=str(output)):
        output.unlink(missing_ok=True)  # cancelled at the last moment
    return jobs.get(job.id, None)


def _ensure_thumbnail(jobs: JobStore, data, exports_root: Path, static_dir: Path | None) -> None:  # type: ignore[no-untyped-def]
    """Draw the replay's thumbnail if it has none; a failure here never fails the export."""
    target = thumbnail_path(exports_root, data.replay.id)
    if target.exists() and data.replay.thumbnail_url:
        return
    try:
        render_thumbnail(data, target, static_dir=static_dir)
        jobs.set_thumbnail(data.replay.id, thumbnail_url(data.replay.id))
    except Exception:
        log.exception("thumbnail of replay %s failed", data.replay.id)


def _describe(store: Store, job: ExportJob) -> str:
    """What a job renders: replay, format and size, the part of the replay, the video's length
    (an upper bound when pauses are capped: that needs the events, read by the render)."""
    request = job.request
    try:
        replay = store.acting_as(job.user_id).get_replay(job.replay_id)
    except Exception:  # the render will say what is wrong
        replay = None
    parts = [f"replay {job.replay_id[:8]}", f"{request.format} {request.resolution}"]
    if replay is None:
        return ", ".join(parts)
    length = replay.metadata.duration_ms
    end = length if request.to_ms is None else min(request.to_ms, length)
    if request.from_ms == 0 and end == length:
        parts.append(f"whole replay ({format_duration(length)})")
    else:
        span = f"{format_duration(request.from_ms)}-{format_duration(end)}"
        parts.append(f"{span} of {format_duration(length)}")
    if request.speed != 1:
        parts.append(f"at {request.speed:g}x")
    video = format_duration(round(max(0, end - request.from_ms) / request.speed))
    if request.idle_limit_ms is not None:
        parts.append(f"pauses capped at {request.idle_limit_ms / 1000:g} s")
        video = f"at most {video}"
    parts.append(f"video {video}")
    return ", ".join(parts)


def _outcome(ended: ExportJob | None, worker: str, seconds: float) -> tuple[int, str]:
    """The log level and the words that end a job's finish line."""
    wall = f"{seconds:.1f} s"
    if ended is None:
        return logging.WARNING, f"gone after {wall} (its record was deleted)"
    if ended.status == "complete":
        size = ""
        if ended.output_path:
            with contextlib.suppress(OSError):
                size = f" ({format_bytes(Path(ended.output_path).stat().st_size)})"
        return logging.INFO, f"complete in {wall}: {ended.output_path}{size}"
    if ended.status == "failed":
        return logging.WARNING, f"failed after {wall}: {ended.error}"
    if ended.status == "cancelled":
        return logging.INFO, f"cancelled after {wall}"
    if ended.status == "queued":
        return logging.INFO, f"back in the queue after {wall} (this worker is stopping)"
    if ended.worker and ended.worker != worker:
        return logging.WARNING, f"stopped after {wall}: taken over by {ended.worker}"
    return logging.WARNING, f"stopped after {wall} ({ended.status})"
