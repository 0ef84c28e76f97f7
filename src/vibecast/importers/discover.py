"""Finding the files to import.

A subagent transcript is part of its parent session's replay: it is read through the parent
session file, so discovery leaves it out — unless its parent is missing, in which case it is
the only way in. Claude Code's side files (``*.meta.json``, ``tool-results/``) are never sources.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from vibecast.config import Settings
from vibecast.importers.subagents import find_agent_files, first_session_id, is_agent_file
from vibecast.importers.transcript import SESSION_UUID, parent_session_file

__all__ = ["discover", "source_files"]

_SUFFIXES = (".jsonl", ".json")
_SKIP_DIRS = frozenset({"tool-results", "__pycache__", ".git", "node_modules"})
_SKIP_NAMES = frozenset({"sessions-index.json"})


def _is_source(path: Path) -> bool:
    name = path.name
    if not name.endswith(_SUFFIXES) or name.endswith(".meta.json") or name in _SKIP_NAMES:
        return False
    if name.startswith("agent-acompact"):
        return False
    return not (is_agent_file(path) and parent_session_file(path) is not None)


def _walk(folder: Path) -> Iterator[Path]:
    """Importable files under ``folder``, in name order; symlinked folders are not followed."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in _SKIP_DIRS:
                    yield from _walk(path)
            elif entry.is_file() and _is_source(path):
                yield path
        except OSError:
            continue


def discover(paths: Sequence[Path], settings: Settings) -> list[Path]:
    """The files to import for ``paths`` (or, with none, everything Claude Code and Vibecraft keep).

    A file given explicitly is always returned (even a subagent file: reading it imports its
    parent session; even a missing one, so the caller can report it); a directory contributes
    its importable files, recursively, in name order.
    No paths means ``settings.claude_projects_dir`` (which honours ``CLAUDE_CONFIG_DIR``) plus
    ``settings.vibecraft_events_file`` when it exists. The result has no duplicates.
    """
    if not paths:
        projects = _absolute(settings.claude_projects_dir)
        found = list(_walk(projects)) if projects.is_dir() else []
        vibecraft = _absolute(settings.vibecraft_events_file)
        if vibecraft.is_file():
            found.append(vibecraft)
        return found
    found = []
    for path in paths:
        path = _absolute(path)
        if path.is_dir():
            found.extend(_walk(path))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _absolute(path: Path) -> Path:
    """``path`` absolute and without ``..``: it is the file's key in the import records and names
    the replay's source, so it must be the same whatever directory an import runs from
    (``os.path.abspath``: lexical, as the user wrote it; symbolic links are kept)."""
    return Path(os.path.abspath(Path(path).expanduser()))


def source_files(path: Path) -> list[Path]:
    """Every file reading ``path`` may look at: the file itself, plus for a session transcript its
    subagent files, their ``.meta.json`` sidecars and its saved tool outputs.

    An importer that skips unchanged sources must watch all of them: a subagent file can grow
    while its session file stays the same.
    """
    path = Path(path)
    files = [path]
    if not path.name.endswith(".jsonl") or is_agent_file(path):
        return files
    session_id = path.stem if SESSION_UUID.match(path.stem) else first_session_id(path) or path.stem
    for agent in find_agent_files(path, session_id):
        files.append(agent)
        meta = agent.with_name(agent.name[: -len(".jsonl")] + ".meta.json")
        if meta.is_file():
            files.append(meta)
    for folder in dict.fromkeys((path.parent / session_id, path.parent / path.stem)):
        results = folder / "tool-results"
        if results.is_dir():
            files.extend(sorted(p for p in results.rglob("*") if p.is_file()))
    return files
