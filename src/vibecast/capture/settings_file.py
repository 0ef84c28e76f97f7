"""Adding vibecast's capture hook to Claude Code's settings.json, and taking it out again.

Claude Code reads hooks from ``"hooks": {<event>: [<matcher group>, ...]}`` where a matcher group
is ``{"matcher": "*", "hooks": [{"type": "command", "command": ..., "timeout": ...}]}`` (see
docs/capture.md for the references). vibecast adds one matcher group of its own per event and
never edits anyone else's: its handlers are recognised by :data:`HOOK_MARKER` in the command.

- **install** is idempotent (nothing is written when the file already has exactly our hooks),
  takes a timestamped backup before any write, and remembers the file as it was before the
  first install;
- **uninstall** removes our handlers and whatever containers only they needed; when the result
  is what the file held before the first install, the original bytes are put back, so the file
  is byte-identical to how it was found.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vibecast.capture.jsonfile import detect_style, dump_json, write_atomically
from vibecast.capture.paths import CapturePaths
from vibecast.capture.program import HOOK_MARKER
from vibecast.config import Settings
from vibecast.errors import VibecastError

__all__ = [
    "CAPTURED_EVENTS",
    "HOOK_TIMEOUT_S",
    "InstallResult",
    "SettingsFileError",
    "SettingsStatus",
    "install_hooks",
    "settings_path",
    "settings_status",
    "uninstall_hooks",
]

CAPTURED_EVENTS = (
    "SessionStart",
    "SessionEnd",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "PermissionRequest",
    "Notification",
    "Stop",
    "SubagentStart",
    "SubagentStop",
    "PreCompact",
    "PostCompact",
)
# Events that take no matcher (Claude Code ignores one there).
_NO_MATCHER = frozenset({"UserPromptSubmit", "Stop"})
HOOK_TIMEOUT_S = 10
"""Claude Code's limit for our hook; the program's own watchdog ends it after 5 s anyway."""


class SettingsFileError(VibecastError):
    """The settings file cannot be changed safely (invalid JSON, unexpected shape)."""


@dataclass(frozen=True)
class InstallResult:
    path: Path
    changed: bool
    backup: Path | None = None
    message: str = ""


@dataclass
class SettingsStatus:
    path: Path
    exists: bool
    events: list[str] = field(default_factory=list)  # events that run our hook
    commands: list[str] = field(default_factory=list)  # distinct commands of ours
    error: str | None = None

    @property
    def missing(self) -> list[str]:
        return [event for event in CAPTURED_EVENTS if event not in self.events]


def settings_path(settings: Settings, project: Path | None = None) -> Path:
    """``DIR/.claude/settings.json`` for a project, else the user's settings file."""
    if project is not None:
        return Path(project).expanduser().resolve() / ".claude" / "settings.json"
    return settings.claude_config_dir / "settings.json"


def is_ours(handler: Any) -> bool:
    return (
        isinstance(handler, dict)
        and handler.get("type") == "command"
        and HOOK_MARKER in str(handler.get("command", ""))
    )


def our_group(event: str, command: str) -> dict[str, Any]:
    handler = {"type": "command", "command": command, "timeout": HOOK_TIMEOUT_S}
    if event in _NO_MATCHER:
        return {"hooks": [handler]}
    return {"matcher": "*", "hooks": [handler]}


# -- reading -----------------------------------------------------------------------------------
def _read(path: Path) -> tuple[bytes | None, dict[str, Any]]:
    """The file's bytes (None if absent) and its JSON object."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, {}
    except OSError as exc:
        raise SettingsFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not data.strip():
        return data, {}
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SettingsFileError(f"{path} is not valid JSON ({exc}); not touching it") from exc
    if not isinstance(value, dict):
        raise SettingsFileError(f"{path} does not hold a JSON object; not touching it")
    return data, value


def _hooks_of(settings: dict[str, Any], path: Path) -> dict[str, Any] | None:
    hooks = settings.get("hooks")
    if hooks is None:
        return None
    if not isinstance(hooks, dict):
        raise SettingsFileError(f'{path}: "hooks" is not an object; not touching it')
    return hooks


def _groups(hooks: dict[str, Any], event: str) -> list[Any]:
    groups = hooks.get(event)
    return groups if isinstance(groups, list) else []


def _our_handlers(group: Any) -> list[dict[str, Any]]:
    if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
        return []
    return [handler for handler in group["hooks"] if is_ours(handler)]


# -- changing ----------------------------------------------------------------------------------
def _strip_ours(groups: list[Any]) -> list[Any]:
    """``groups`` without our handlers; a group left empty by that is dropped."""
    kept: list[Any] = []
    for group in groups:
        ours = _our_handlers(group)
        if not ours:
            kept.append(group)
            continue
        others = [handler for handler in group["hooks"] if not is_ours(handler)]
        if others:
            kept.append({**group, "hooks": others})
    return kept


def with_our_hooks(settings: dict[str, Any], command: str, path: Path) -> dict[str, Any]:
    """``settings`` with exactly one group of ours, running ``command``, on every event."""
    result = copy.deepcopy(settings)
    hooks = _hooks_of(result, path)
    if hooks is None:
        hooks = result["hooks"] = {}
    for event in CAPTURED_EVENTS:
        current = hooks.get(event)
        if current is not None and not isinstance(current, list):
            raise SettingsFileError(f'{path}: hooks "{event}" is not a list; not touching it')
        groups = current or []
        wanted = our_group(event, command)
        if [group for group in groups if _our_handlers(group)] == [wanted]:
            continue  # already exactly ours: leave its place alone
        hooks[event] = [*_strip_ours(groups), wanted]
    return result


def without_our_hooks(
    settings: dict[str, Any], original: dict[str, Any] | None, path: Path
) -> dict[str, Any]:
    """``settings`` without our handlers; containers they alone needed go too, unless the
    file had them before the first install (``original``)."""
    result = copy.deepcopy(settings)
    hooks = _hooks_of(result, path)
    if hooks is None:
        return result
    before = original.get("hooks") if original is not None else None
    before_hooks = before if isinstance(before, dict) else {}
    for event in list(hooks):
        groups = hooks[event]
        if not isinstance(groups, list) or not any(_our_handlers(g) for g in groups):
            continue
        kept = _strip_ours(groups)
        if kept or event in before_hooks:
            hooks[event] = kept
        else:
            del hooks[event]
    if not hooks and (original is None or "hooks" not in original):
        del result["hooks"]
    return result


# -- install state -----------------------------------------------------------------------------
def _load_state(paths: CapturePaths) -> dict[str, Any]:
    try:
        value = json.loads(paths.install_state.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _save_state(paths: CapturePaths, state: dict[str, Any]) -> None:
    paths.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomically(paths.install_state, (json.dumps(state, indent=2) + "\n").encode())


def _backup(paths: CapturePaths, path: Path, data: bytes) -> Path:
    paths.backups.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(path).strip("/"))
    backup = paths.backups / f"{slug}.{stamp}.bak"
    backup.write_bytes(data)
    return backup


def _render(value: dict[str, Any], like: bytes | None) -> bytes:
    text = like.decode("utf-8-sig") if like else ""
    return dump_json(value, detect_style(text)).encode("utf-8")


def install_hooks(path: Path, command: str, paths: CapturePaths) -> InstallResult:
    """Make ``path`` run ``command`` on every captured event (idempotent)."""
    data, current = _read(path)
    wanted = with_our_hooks(current, command, path)
    if data is not None and wanted == current:
        return InstallResult(path, False, message="already installed")
    backup = _backup(paths, path, data) if data is not None else None
    state = _load_state(paths)
    key = str(path)
    if key not in state:  # the file as it was before vibecast first touched it
        state[key] = {"backup": str(backup) if backup else None, "existed": data is not None}
        _save_state(paths, state)
    write_atomically(path, _render(wanted, data))
    return InstallResult(path, True, backup, "installed")


def _original(entry: Any) -> tuple[bytes | None, dict[str, Any] | None, bool]:
    """The pre-install file recorded in the state: (bytes, object, known)."""
    if not isinstance(entry, dict):
        return None, None, False
    if not entry.get("existed"):
        return None, {}, True
    try:
        data = Path(str(entry.get("backup"))).read_bytes()
        value = json.loads(data.decode("utf-8-sig")) if data.strip() else {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None, None, False
    return (data, value, True) if isinstance(value, dict) else (None, None, False)


def uninstall_hooks(path: Path, paths: CapturePaths) -> InstallResult:
    """Take our hooks out of ``path``, restoring it byte for byte if nothing else changed."""
    state = _load_state(paths)
    original_data, original, known = _original(state.get(str(path)))
    data, current = _read(path)
    result = without_our_hooks(current, original, path)
    if data is None or result == current:
        if state.pop(str(path), None) is not None:
            _save_state(paths, state)
        return InstallResult(path, False, message="not installed")
    backup = _backup(paths, path, data)
    if known and original == result:
        if original_data is None:  # the file did not exist before install
            path.unlink()
        else:
            write_atomically(path, original_data)
        message = "removed; the file is back as it was before install"
    else:
        write_atomically(path, _render(result, data))
        message = "removed (the file changed since install: other changes kept)"
    state.pop(str(path), None)
    _save_state(paths, state)
    return InstallResult(path, True, backup, message)


def settings_status(path: Path) -> SettingsStatus:
    """Which events of ``path`` run our hook, and with which commands."""
    status = SettingsStatus(path=path, exists=path.exists())
    try:
        _, current = _read(path)
        hooks = _hooks_of(current, path) or {}
    except SettingsFileError as exc:
        status.error = str(exc)
        return status
    for event in CAPTURED_EVENTS:
        handlers = [h for group in _groups(hooks, event) for h in _our_handlers(group)]
        if handlers:
            status.events.append(event)
        for handler in handlers:
            command = str(handler.get("command"))
            if command not in status.commands:
                status.commands.append(command)
    return status
