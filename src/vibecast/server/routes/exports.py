"""Video export: queue a job, follow it, cancel it, download the file; a replay's thumbnail.

Owner only (the job record has row-level security on PostgreSQL). A finished video is fetched
through a signed URL that expires (``download_url``), so it can be handed to a browser or a
download tool without credentials. The local queue or the server-mode workers do the work
(:mod:`vibecast.export.service`).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Path, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import Field

from vibecast.config import Settings
from vibecast.errors import VibecastError
from vibecast.export.jobs import ExportJob, new_job_id
from vibecast.export.outputs import sign_download, thumbnail_path, verify_download
from vibecast.export.request import MAX_SPEED, MIN_SPEED, ExportError, ExportRequest
from vibecast.export.runner import thumbnail_url
from vibecast.export.service import ExportService
from vibecast.export.video import ReplayData, load_replay_data
from vibecast.model import Replay
from vibecast.server.deps import CurrentActor, State
from vibecast.server.encoding import json_response, shared_events
from vibecast.server.errors import ApiError, not_found
from vibecast.server.metrics import EXPORTS_REQUESTED
from vibecast.server.routes.common import (
    ERRORS,
    PUBLIC_ERRORS,
    ReplayId,
    owned_replay,
    visible_replay,
)
from vibecast.server.routes.sharing import ShareToken, public_base, shared_replay
from vibecast.server.schemas import TimeMs, _In
from vibecast.store.base import Store

__all__ = ["ExportIn", "install", "router"]

router = APIRouter(tags=["export"])

_THUMBNAIL_HEADERS = {"Cache-Control": "private, max-age=60"}
THUMBNAIL_STALE_MS = 60_000
"""A thumbnail is drawn again when its replay was saved this long after it (a live recording
redraws at most once a minute)."""

JobId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^exp_[0-9a-f]{24}$")]


class ExportIn(_In):
    format: Literal["mp4", "webm"] = Field(default="mp4", description="H.264 MP4 or VP9 WebM.")
    resolution: Literal["720p", "1080p"] = Field(default="1080p")
    speed: float = Field(default=1.0, ge=MIN_SPEED, le=MAX_SPEED, allow_inf_nan=False)
    idle_limit: float | None = Field(
        default=None,
        gt=0,
        le=86_400,
        allow_inf_nan=False,
        description="Seconds: every pause longer than this plays as this long.",
    )
    from_ms: TimeMs = Field(default=0, description="Start (replay time, ms).")
    to_ms: TimeMs | None = Field(default=None, description="End (replay time, ms).")


def install(app: FastAPI, settings: Settings, store: Store) -> None:
    """Mount the routes and run the export service for the app's lifetime."""
    service = ExportService(settings, store)
    app.state.vibecast_exports = service
    app.include_router(router)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        service.start()
        try:
            async with inner(a) as value:
                yield value
        finally:
            service.stop()

    app.router.lifespan_context = lifespan


def _service(request: Request) -> ExportService:
    return request.app.state.vibecast_exports


def _job_json(job: ExportJob, request: Request, state: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "job_id": job.id,
        "replay_id": job.replay_id,
        "status": job.status,
        "progress": round(job.progress, 4),
        "request": job.request.to_json(),
        "created_at": job.created_at,
        "updated_at": job.updated_at,
    }
    if job.error:
        out["error"] = job.error
    if job.status == "queued":
        online = _service(request).workers_online()
        if online is not None:
            out["workers_online"] = online  # server mode: 0 means it waits for a worker
    if job.status == "complete":
        query = sign_download(state.settings.secret_key, job.id, state.now_ms())
        base = public_base(request, state)
        out["download_url"] = f"{base}/api/replays/exports/{job.id}/download?{query}"
    return out


@router.post(
    "/api/replays/{replay_id}/export",
    status_code=202,
    responses=ERRORS,
    summary="Export a replay as a video (queued)",
)
def request_export(
    replay_id: ReplayId, body: ExportIn, actor: CurrentActor, state: State, request: Request
) -> Response:
    """Queues an MP4 or WebM export; follow it at ``GET /api/replays/exports/{job_id}``."""
    replay = owned_replay(actor, replay_id)
    idle_ms = None if body.idle_limit is None else max(1, round(body.idle_limit * 1000))
    try:
        export = (
            ExportRequest(
                format=body.format,
                resolution=body.resolution,
                speed=body.speed,
                idle_limit_ms=idle_ms,
                from_ms=body.from_ms,
                to_ms=body.to_ms,
            )
            .checked()
            .fits(replay.metadata)
        )
    except ExportError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from exc
    now = state.now_ms()
    job = _service(request).submit(
        ExportJob(
            id=new_job_id(),
            replay_id=replay.id,
            user_id=actor.user.id,
            request=export,
            created_at=now,
            updated_at=now,
        )
    )
    state.metrics.inc(EXPORTS_REQUESTED)
    return json_response({"job_id": job.id, "status": job.status}, status_code=202)


@router.get("/api/replays/exports/{job_id}", responses=ERRORS, summary="An export job's status")
def export_status(job_id: JobId, actor: CurrentActor, state: State, request: Request) -> Response:
    """``status`` queued | processing | complete | failed | cancelled, ``progress`` 0–1,
    ``download_url`` (signed, expires after a day) once complete, ``error`` once failed, and in
    server mode ``workers_online`` while queued (0: no worker to take it)."""
    job = _service(request).jobs.get(job_id, actor.user.id)
    if job is None:
        raise not_found("export job")
    return json_response(_job_json(job, request, state))


@router.delete("/api/replays/exports/{job_id}", responses=ERRORS, summary="Cancel an export")
def cancel_export(job_id: JobId, actor: CurrentActor, state: State, request: Request) -> Response:
    """Stops a queued or running export (a finished one is left as it is)."""
    job = _service(request).jobs.cancel(job_id, actor.user.id, state.now_ms())
    if job is None:
        raise not_found("export job")
    return json_response(_job_json(job, request, state))


@router.get(
    "/api/replays/exports/{job_id}/download",
    responses={403: ERRORS[401], 404: ERRORS[404], 422: ERRORS[422]},
    summary="Download a finished export (signed URL, no login)",
    response_class=FileResponse,
)
def download_export(
    job_id: JobId,
    state: State,
    request: Request,
    expires: Annotated[int, Query(ge=0, le=2**53 - 1)],
    sig: Annotated[str, Query(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")],
) -> Response:
    if not verify_download(state.settings.secret_key, job_id, expires, sig, state.now_ms()):
        raise ApiError(403, "forbidden", "this download link is invalid or has expired")
    job = _service(request).jobs.get(job_id, None)
    if job is None or job.status != "complete" or not job.output_path:
        raise not_found("export")
    path = FilePath(job.output_path)
    if not path.is_file():
        raise ApiError(404, "not_found", "the exported file is gone; export again")
    name = f"vibecast-{job.replay_id[:8]}-{job.id[4:12]}.{job.request.format}"
    return FileResponse(path, media_type=job.request.media_type, filename=name)


@router.get(
    "/api/replays/{replay_id}/thumbnail",
    responses=ERRORS,
    summary="The replay's thumbnail (PNG, 640x360)",
    response_class=FileResponse,
)
def replay_thumbnail(replay_id: ReplayId, actor: CurrentActor, request: Request) -> Response:
    """Drawn by the player at a representative moment, on first request or first export, and
    again when the replay has changed since (a live recording)."""
    replay = visible_replay(actor, replay_id)
    service = _service(request)
    path = thumbnail_path(service.root, replay.id)
    if _draw_if_stale(path, replay, lambda: load_replay_data(actor.store, replay.id), service):
        with contextlib.suppress(VibecastError):
            service.jobs.set_thumbnail(replay.id, thumbnail_url(replay.id))
    return FileResponse(path, media_type="image/png", headers=_THUMBNAIL_HEADERS)


@router.get(
    "/api/s/{token}/thumbnail",
    tags=["public"],
    responses=PUBLIC_ERRORS,
    summary="A shared replay's thumbnail (PNG, 640x360; no login): its link preview",
    response_class=FileResponse,
)
def public_thumbnail(token: ShareToken, state: State, request: Request) -> Response:
    """What the share link's page names as its preview image (``og:image``): the replay as
    the link shows it, without the owner's notes. Not kept by caches, so a revoked link stops
    showing it."""
    viewer, replay = shared_replay(state, token)
    service = _service(request)
    path = thumbnail_path(service.root, replay.id, shared=True)

    def shared_data() -> ReplayData:
        data = load_replay_data(viewer, replay.id, annotations=False)
        events = shared_events(list(data.events), state.settings.secret_key, replay.session_id)
        return dataclasses.replace(data, events=events)

    _draw_if_stale(path, replay, shared_data, service)
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "no-store"})


def _draw_if_stale(
    path: FilePath, replay: Replay, data: Callable[[], ReplayData], service: ExportService
) -> bool:
    """Draw the thumbnail unless the one at ``path`` was drawn after the replay's last save
    (within :data:`THUMBNAIL_STALE_MS`), checked again when its turn comes (a page of cards asks
    for many at once, the same one maybe twice); whether it drew."""
    if _fresh(path, replay):
        return False
    try:
        return service.thumbnails.draw(data, path, unless=lambda: _fresh(path, replay))
    except (VibecastError, TimeoutError) as exc:
        raise ApiError(503, "unavailable", f"cannot draw the thumbnail: {exc}") from exc


def _fresh(path: FilePath, replay: Replay) -> bool:
    try:
        drawn_ms = path.stat().st_mtime_ns // 1_000_000
    except OSError:
        return False
    return drawn_ms + THUMBNAIL_STALE_MS >= replay.updated_at
