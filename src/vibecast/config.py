"""Settings, from the environment and an optional ``config.toml`` in the data dir.

Environment variables win over the file; the file wins over defaults.

=========================  ==================================================================
``VIBECAST_HOME``          data dir (default: the platform's user data dir, e.g.
                           ``~/.local/share/vibecast``)
``VIBECAST_DATABASE_URL``  ``sqlite:///path.db`` (default ``$VIBECAST_HOME/vibecast.db``) or
                           ``postgresql://...`` (server mode)
``VIBECAST_KEEP_FILE_CONTENTS``  ``1`` keeps file contents returned by Read and an Edit's
                           original file (default: only paths, sizes and line ranges are kept)
``CLAUDE_CONFIG_DIR``      Claude Code's config dir (default ``~/.claude``)
``VIBECRAFT_EVENTS_FILE``  Vibecraft's event log (default ``~/.vibecraft/data/events.jsonl``)
=========================  ==================================================================

``config.toml``::

    [redaction]
    keep_file_contents = false
    patterns = ['corp-[0-9a-f]{16}']     # extra regexes to redact
    strings = ['my-hostname.internal']   # extra literal strings to redact
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from vibecast.errors import VibecastError

__all__ = ["RedactionSettings", "Settings", "load_settings"]


@dataclass(frozen=True)
class RedactionSettings:
    keep_file_contents: bool = False
    patterns: tuple[str, ...] = ()
    strings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    claude_config_dir: Path
    vibecraft_events_file: Path
    redaction: RedactionSettings = field(default_factory=RedactionSettings)

    @property
    def claude_projects_dir(self) -> Path:
        return self.claude_config_dir / "projects"


class ConfigError(VibecastError):
    """The configuration file or an environment variable is invalid."""


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    home = Path(env.get("VIBECAST_HOME") or platformdirs.user_data_dir("vibecast")).expanduser()
    file_conf: dict = {}
    config_file = home / "config.toml"
    if config_file.is_file():
        try:
            file_conf = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_file}: {exc}") from exc

    red = file_conf.get("redaction", {})
    keep = bool(red.get("keep_file_contents", False))
    if "VIBECAST_KEEP_FILE_CONTENTS" in env:
        keep = _truthy(env["VIBECAST_KEEP_FILE_CONTENTS"])
    redaction = RedactionSettings(
        keep_file_contents=keep,
        patterns=tuple(str(p) for p in red.get("patterns", ())),
        strings=tuple(str(s) for s in red.get("strings", ())),
    )

    database_url = env.get("VIBECAST_DATABASE_URL") or file_conf.get("database_url")
    if not database_url:
        database_url = f"sqlite:///{home / 'vibecast.db'}"
    claude_dir = Path(env.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude").expanduser()
    vibecraft = Path(
        env.get("VIBECRAFT_EVENTS_FILE") or Path.home() / ".vibecraft" / "data" / "events.jsonl"
    ).expanduser()
    return Settings(
        home=home,
        database_url=database_url,
        claude_config_dir=claude_dir,
        vibecraft_events_file=vibecraft,
        redaction=redaction,
    )
