"""``GET /api/capture/status``: is this machine recording? For the replay browser's "New
recording" panel — the web counterpart of ``vibecast hooks status``, from the same capture code.
"""

from __future__ import annotations

import os

from fastapi import APIRouter, Response
from pydantic import BaseModel

from vibecast.capture import CapturePaths, settings_path, settings_status
from vibecast.capture.lock import running_recorder_pid
from vibecast.capture.program import installed_program
from vibecast.capture.segments import spool_waiting
from vibecast.server.deps import CurrentActor, State
from vibecast.server.encoding import json_response
from vibecast.server.routes.common import ERRORS

__all__ = ["router"]

router = APIRouter()

INSTALL_COMMAND = "vibecast hooks install"


class CaptureStatusOut(BaseModel):
    mode: str  # "local" | "server"
    hooks_installed: bool | None  # None in server mode: the hooks live on each user's machine
    hooks_missing: list[str]  # Claude Code events that do not run the hook yet
    programs_present: bool | None  # the hook program the settings name exists
    settings_path: str | None
    settings_error: str | None
    recorder_running: bool
    spool_events: int | None  # captured events waiting for a recorder
    install_command: str


def _local_status(state: State) -> dict[str, object]:
    base = state.settings.base
    paths = CapturePaths.from_settings(base)
    status = settings_status(settings_path(base, None))
    programs = [installed_program(command) for command in status.commands]
    present = bool(programs) and all(p and os.access(p, os.X_OK) for p in programs)
    return {
        "mode": "local",
        "hooks_installed": bool(status.events) and status.error is None,
        "hooks_missing": status.missing,
        "programs_present": present,
        "settings_path": str(status.path),
        "settings_error": status.error,
        "recorder_running": running_recorder_pid(paths.lock) is not None,
        "spool_events": spool_waiting(paths.spool, paths.progress)[0],
        "install_command": INSTALL_COMMAND,
    }


@router.get(
    "/api/capture/status",
    response_model=CaptureStatusOut,
    tags=["system"],
    responses={401: ERRORS[401]},
    summary="Whether capture hooks are installed and a recorder runs",
)
def capture_status(_actor: CurrentActor, state: State) -> Response:
    """Local mode: the hooks in the user's Claude Code settings, the recorder, the spool (as
    ``vibecast hooks status``). Server mode: only whether this server records; hooks are
    installed on each user's own machine."""
    if not state.settings.auth_required:
        return json_response(_local_status(state))
    paths = CapturePaths.from_settings(state.settings.base)
    return json_response(
        {
            "mode": "server",
            "hooks_installed": None,
            "hooks_missing": [],
            "programs_present": None,
            "settings_path": None,
            "settings_error": None,
            "recorder_running": running_recorder_pid(paths.lock) is not None,
            "spool_events": None,
            "install_command": INSTALL_COMMAND,
        }
    )
