"""How Claude Code runs command hooks, for checking an installed configuration end to end.

Claude Code looks up ``hooks[<event>]`` in settings.json, keeps the matcher groups whose
``matcher`` matches the event (the tool name for tool events, the source for SessionStart, ...;
``"*"``, ``""`` or no matcher match everything; letters, digits and ``|`` list exact names;
anything else is a regular expression), and runs each command handler as ``sh -c <command>``
with the event's JSON on stdin, waiting for it to exit. The capture tests and the latency
benchmark use this to play real payloads through the settings ``vibecast hooks install`` wrote.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from vibecast.importers.hooks import hook_payload_of

__all__ = [
    "PLAY_ORDER",
    "commands_for",
    "matches",
    "recorded_payloads",
    "run_command",
    "spawn_hook",
]

PLAY_ORDER = (
    "session_start",
    "user_prompt_submit",
    "pre_tool_use",
    "permission_request",
    "post_tool_use",
    "post_tool_use_failure",
    "notification",
    "subagent_start",
    "subagent_stop",
    "stop",
    "pre_compact",
    "post_compact",
    "session_end",
)
"""Hook events (as the shared payload captures name their files, one per event) in an order
Claude Code could send them: a tool call's pre before its permission ask before its result, the
session's end last. Tests and benchmarks play each capture in this order to replay a causal
session."""


def recorded_payloads(folder: Path, *, causal: bool = True) -> list[dict[str, Any]]:
    """The hook payloads recorded under ``folder`` (a capture per subfolder, a JSON array per
    event: ``<event>.json``), as Claude Code put them on stdin (loggers' fields removed): each
    capture in :data:`PLAY_ORDER` (a tool's result never before its call), or with ``causal``
    False all files by name."""
    paths = sorted(folder.rglob("*.json"))
    if causal:
        rank = {name: i for i, name in enumerate(PLAY_ORDER)}
        paths.sort(key=lambda p: (p.parent.name, rank.get(p.stem, len(rank)), p.stem))
    payloads: list[dict[str, Any]] = []
    for path in paths:
        payloads.extend(hook_payload_of(p) for p in json.loads(path.read_text()))
    return payloads


_MATCHED_FIELD = {
    "PreToolUse": "tool_name",
    "PostToolUse": "tool_name",
    "PostToolUseFailure": "tool_name",
    "PermissionRequest": "tool_name",
    "SessionStart": "source",
    "SessionEnd": "reason",
    "Notification": "notification_type",
    "SubagentStart": "agent_type",
    "SubagentStop": "agent_type",
    "PreCompact": "trigger",
    "PostCompact": "trigger",
}
_EXACT = re.compile(r"^[A-Za-z0-9_ ,|-]+$")


def matches(matcher: Any, event: str, payload: dict[str, Any]) -> bool:
    if matcher in (None, "", "*") or event not in _MATCHED_FIELD:
        return True
    value = str(payload.get(_MATCHED_FIELD[event]) or "")
    if _EXACT.match(matcher):
        return value in [part.strip() for part in re.split(r"[|,]", matcher)]
    return re.search(matcher, value) is not None


def commands_for(settings: dict[str, Any], payload: dict[str, Any]) -> list[str]:
    """The command hooks Claude Code would run for ``payload`` (duplicates run once)."""
    event = str(payload.get("hook_event_name"))
    commands: list[str] = []
    for group in settings.get("hooks", {}).get(event, []):
        if not matches(group.get("matcher"), event, payload):
            continue
        for handler in group.get("hooks", []):
            if handler.get("type") == "command" and handler["command"] not in commands:
                commands.append(handler["command"])
    return commands


def run_command(command: str, stdin: bytes, cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    """Run one command hook; returns (seconds from spawn to exit, the finished process)."""
    started = time.perf_counter()
    done = subprocess.run(
        ["/bin/sh", "-c", command], input=stdin, capture_output=True, cwd=cwd, check=False
    )
    return time.perf_counter() - started, done


def spawn_hook(command: str, stdin: bytes) -> tuple[float, int]:
    """Run one command hook (in this directory) with the least overhead on our side
    (``posix_spawn``, output discarded); returns (seconds from spawn to exit, exit status).
    For latency measurements."""
    read_end, write_end = os.pipe()
    devnull = os.open(os.devnull, os.O_WRONLY)
    actions = [
        (os.POSIX_SPAWN_DUP2, read_end, 0),
        (os.POSIX_SPAWN_CLOSE, write_end),
        (os.POSIX_SPAWN_DUP2, devnull, 1),
        (os.POSIX_SPAWN_DUP2, devnull, 2),
    ]
    started = time.perf_counter()
    try:
        pid = os.posix_spawn("/bin/sh", ["sh", "-c", command], os.environ, file_actions=actions)
    finally:
        os.close(read_end)
        os.close(devnull)
    try:
        view = memoryview(stdin)
        while view:
            view = view[os.write(write_end, view) :]
    except BrokenPipeError:
        pass  # the hook did not read it all: its business
    finally:
        os.close(write_end)
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - started
    return elapsed, os.waitstatus_to_exitcode(status)
