"""Where live capture keeps its files, all under ``$VIBECAST_HOME/capture``.

The hook program, the spool it writes and the recorder that drains it agree on this layout only;
nothing else is shared between them (the hook gets the capture directory as its one argument).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vibecast.config import Settings

__all__ = ["CapturePaths"]


@dataclass(frozen=True)
class CapturePaths:
    """The capture directory and everything in it."""

    root: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> CapturePaths:
        return cls(settings.home / "capture")

    @property
    def spool(self) -> Path:
        """Complete payloads, one file each, named ``<arrival µs>-<tag>.<kind>``."""
        return self.root / "spool"

    @property
    def spool_tmp(self) -> Path:
        """Payloads still being written; renamed into :attr:`spool` when complete."""
        return self.spool / "tmp"

    @property
    def rejected(self) -> Path:
        """Spool files that could not be read as events, kept for inspection."""
        return self.root / "rejected"

    @property
    def hook_log(self) -> Path:
        """Written by the hook program when it cannot spool a payload."""
        return self.root / "hook.log"

    @property
    def recorder_log(self) -> Path:
        return self.root / "recorder.log"

    @property
    def lock(self) -> Path:
        """Held (flock) by the one running recorder; contains its pid."""
        return self.root / "recorder.lock"

    @property
    def standby(self) -> Path:
        """Held (flock) by a ``vibecast serve`` that does not record (yet): its pid, and why
        not, for status."""
        return self.root / "recorder-standby.lock"

    @property
    def progress(self) -> Path:
        """How many records of each open log segment the recorder has committed, for status
        (a segment is deleted only once sealed, seconds after its records are committed)."""
        return self.root / "recorder-progress.json"

    @property
    def bin(self) -> Path:
        """The installed hook program."""
        return self.root / "bin"

    @property
    def install_state(self) -> Path:
        """What ``vibecast hooks install`` changed, so that uninstall can restore it."""
        return self.root / "install-state.json"

    @property
    def backups(self) -> Path:
        """Timestamped copies of settings files taken before each change."""
        return self.root / "backups"

    @property
    def vibecraft_offsets(self) -> Path:
        """How far ``--follow-vibecraft`` has read each Vibecraft event log."""
        return self.root / "vibecraft-offsets.json"

    def ensure(self) -> None:
        """Create the directories, private to the user (0700): spooled payloads are not
        redacted yet and hold prompts, code and whatever secrets the agent met. Directories
        an older version or a permissive umask left open to others are closed again."""
        for directory in (self.root, self.spool, self.spool_tmp, self.rejected):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            if directory.stat().st_mode & 0o077:
                directory.chmod(0o700)
