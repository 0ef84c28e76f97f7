"""Live capture: every Claude Code session recorded as it happens, at next to no cost to it.

Claude Code runs a tiny hook program (C, or a shell script without a compiler) on every hook
event; it stamps the arrival time and drops the payload into a spool directory. The
:class:`Recorder` drains the spool into replays — in arrival order, exactly once, whether it
was running at the time or starts later — and fills in what hooks do not carry from the
session's transcript. See docs/capture.md.

Public API::

    install_hooks / uninstall_hooks / settings_status   # Claude Code's settings.json
    build_hook_program(paths, form)                      # the program the hooks run
    Recorder(settings).start() / .stop() / .run() / .drain()
    vibecraft_http.vibecraft_router(settings)            # FastAPI: Vibecraft's POST /event
    hook_http.hook_router(settings)                      # FastAPI: Claude Code http hooks
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vibecast.capture.paths import CapturePaths
from vibecast.capture.program import HookProgram, HookProgramError, build_hook_program
from vibecast.capture.settings_file import (
    CAPTURED_EVENTS,
    InstallResult,
    SettingsFileError,
    SettingsStatus,
    install_hooks,
    settings_path,
    settings_status,
    uninstall_hooks,
)
from vibecast.capture.spool import SpoolWriter, count_spool, list_spool

if TYPE_CHECKING:
    from vibecast.capture.recorder import LIVE_SOURCE, Recorder, RecorderBusy, RecorderStats

# The recorder (the whole import pipeline behind it) is imported on first use: `vibecast hooks`
# and `vibecast --help` need none of it.
_RECORDER_NAMES = frozenset({"LIVE_SOURCE", "Recorder", "RecorderBusy", "RecorderStats"})


def __getattr__(name: str) -> Any:
    if name in _RECORDER_NAMES:
        from vibecast.capture import recorder

        return getattr(recorder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CAPTURED_EVENTS",
    "LIVE_SOURCE",
    "CapturePaths",
    "HookProgram",
    "HookProgramError",
    "InstallResult",
    "Recorder",
    "RecorderBusy",
    "RecorderStats",
    "SettingsFileError",
    "SettingsStatus",
    "SpoolWriter",
    "build_hook_program",
    "count_spool",
    "install_hooks",
    "list_spool",
    "settings_path",
    "settings_status",
    "uninstall_hooks",
]
