"""Importers: Claude Code transcripts, hook payload captures and Vibecraft's event log.

Public API::

    discover(paths, settings) -> list[Path]      # what to import
    source_files(path) -> list[Path]             # every file reading ``path`` looks at
    read_source(path) -> SourceResult            # one file -> sessions + issues, never raises
    event_from_hook_payload(payload, received_at_ms, seq) -> RecordedEvent   # one hook call

New file formats plug into :func:`read_source` with :func:`register_format` (see
:mod:`vibecast.importers.formats`).
"""

from __future__ import annotations

from vibecast.importers.base import CapturedSession, ImportIssue, SessionInfo
from vibecast.importers.discover import discover, source_files
from vibecast.importers.formats import (
    FORMATS,
    SourceFormat,
    SourceProbe,
    SourceResult,
    read_source,
    register_format,
)
from vibecast.importers.hooks import event_from_hook_payload
from vibecast.importers.ids import tool_event_id

__all__ = [
    "FORMATS",
    "CapturedSession",
    "ImportIssue",
    "SessionInfo",
    "SourceFormat",
    "SourceProbe",
    "SourceResult",
    "discover",
    "event_from_hook_payload",
    "read_source",
    "register_format",
    "source_files",
    "tool_event_id",
]
