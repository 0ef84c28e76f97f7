"""Run one export job to its end: the shared body of the local queue and the server workers.

The job's data is read as its owner (row-level security applies), progress is written at most
every half second and renews the job's lease, and a cancel seen there stops the render. Whatever
happens, the job ends complete (with its file), failed (with why), or cancelled — a half-written
file is never left behind. The replay's thumbnail is drawn after its first export.
"""

from __future__ import annotations

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
    """Render ``job`` (already claimed by ``worker``) and record how it ended.

    ``stopping()`` true: the runner shuts down; the job goes back to the queue for the next one.
    """
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
            log.info("export %s: back to the queue (shutting down)", job.id)
            jobs.requeue(job.id, worker, now_ms())
        else:
            log.info("export %s stopped: cancelled or taken over", job.id)
        return jobs.get(job.id, None)
    except VibecastError as exc:
        log.warning("export %s failed: %s", job.id, exc)
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
