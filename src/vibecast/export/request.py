"""What a user asks to export, checked once, with errors that name the field."""

from __future__ import annotations

import math
from typing import Any, Literal

import msgspec

from vibecast.errors import VibecastError
from vibecast.model import ReplayMetadata

__all__ = [
    "FORMATS",
    "FPS",
    "MAX_SPEED",
    "MIN_SPEED",
    "NOTHING_TO_EXPORT",
    "RESOLUTIONS",
    "ExportCancelled",
    "ExportError",
    "ExportRequest",
]

FPS = 30
"""Every video is constant 30 frames per second."""
RESOLUTIONS: dict[str, tuple[int, int]] = {"720p": (1280, 720), "1080p": (1920, 1080)}
FORMATS: dict[str, str] = {"mp4": "video/mp4", "webm": "video/webm"}
MIN_SPEED = 0.25
MAX_SPEED = 16.0
MAX_IDLE_LIMIT_MS = 24 * 3600 * 1000
MAX_TIME_MS = 2**53 - 1
NOTHING_TO_EXPORT = "nothing to export: the replay has no events yet"


class ExportError(VibecastError):
    """An export cannot be made as asked (bad request, missing tool, failed render or encode)."""


class ExportCancelled(VibecastError):
    """The export was cancelled while it ran."""


class ExportRequest(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A video export: format, size, and which part of the replay at which pace.

    ``idle_limit_ms``: every pause longer than this plays as this long (the player's idle rule).
    ``from_ms``/``to_ms``: the part of the replay, in replay time (ms from its first event).
    """

    format: Literal["mp4", "webm"] = "mp4"
    resolution: Literal["720p", "1080p"] = "1080p"
    speed: float = 1.0
    idle_limit_ms: int | None = None
    from_ms: int = 0
    to_ms: int | None = None

    @property
    def size(self) -> tuple[int, int]:
        return RESOLUTIONS[self.resolution]

    @property
    def media_type(self) -> str:
        return FORMATS[self.format]

    def checked(self) -> ExportRequest:
        """Self, if every field is usable; else :class:`ExportError` naming the field."""
        if self.format not in FORMATS:
            raise ExportError(f"format: must be one of {', '.join(FORMATS)}, not {self.format!r}")
        if self.resolution not in RESOLUTIONS:
            raise ExportError(
                f"resolution: must be one of {', '.join(RESOLUTIONS)}, not {self.resolution!r}"
            )
        if not (math.isfinite(self.speed) and MIN_SPEED <= self.speed <= MAX_SPEED):
            raise ExportError(f"speed: must be {MIN_SPEED} to {MAX_SPEED:g}, not {self.speed!r}")
        if self.idle_limit_ms is not None and not 0 < self.idle_limit_ms <= MAX_IDLE_LIMIT_MS:
            raise ExportError(
                f"idle_limit: must be more than 0 and at most 24 h, not {self.idle_limit_ms} ms"
            )
        if not 0 <= self.from_ms <= MAX_TIME_MS:
            raise ExportError(f"from_ms: must be 0 to 2^53-1, not {self.from_ms}")
        if self.to_ms is not None:
            if not 0 <= self.to_ms <= MAX_TIME_MS:
                raise ExportError(f"to_ms: must be 0 to 2^53-1, not {self.to_ms}")
            if self.to_ms <= self.from_ms:
                raise ExportError(f"to_ms ({self.to_ms}) must be after from_ms ({self.from_ms})")
        return self

    def fits(self, metadata: ReplayMetadata) -> ExportRequest:
        """Self, if the replay has something to show where asked; else :class:`ExportError`.
        Checked when the export is asked for, so a replay with no events yet (one just made
        by ``POST /api/replays/start``) is refused instead of "exported" as an empty video."""
        if metadata.event_count == 0:
            raise ExportError(NOTHING_TO_EXPORT)
        if self.from_ms > 0 and self.from_ms >= metadata.duration_ms:
            raise ExportError(f"from_ms: past the end of the replay ({metadata.duration_ms})")
        return self

    def to_json(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)

    @classmethod
    def from_json(cls, data: Any) -> ExportRequest:
        """A stored or received request, checked."""
        try:
            request = msgspec.convert(data, cls)
        except msgspec.ValidationError as exc:
            raise ExportError(str(exc)) from exc
        return request.checked()
