"""Helpers of the browser tests (fixtures using them are in conftest.py)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vibecast.config import Settings
from vibecast.model import Replay
from vibecast.pipeline import import_paths
from vibecast.store.base import Store, User

__all__ = ["HOSTILE", "Console", "WebServer", "hostile_transcript", "watch"]


@dataclass
class WebServer:
    """A running app: its base URL, its store and settings, and the replays imported into it."""

    url: str
    store: Store
    settings: Settings
    replays: list[Replay]
    users: dict[str, tuple[User, str]] = field(default_factory=dict)  # name -> (user, token)

    def replay(self, session_prefix: str) -> Replay:
        return next(r for r in self.replays if r.session_id.startswith(session_prefix))

    def import_files(self, paths: list[Path], user_id: str = "local") -> list[Replay]:
        """Import more sessions through the real pipeline (e.g. a test's own transcript)."""
        summary = import_paths(self.store, self.settings, paths, user_id=user_id, force=True)
        assert summary.replay_ids, summary.issues
        found = [self.store.get_replay(i) for i in summary.replay_ids]
        return [r for r in found if r is not None]


class Console:
    """What a page reported: JS errors, console errors, CSP violations, dialogs."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.failed: list[str] = []  # HTTP answers >= 400, to say which resource an error was
        self._allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        """Expect console errors matching ``pattern`` (e.g. the 404 of a revoked link)."""
        self._allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self._allowed)]


def watch(page: Any, console: Console) -> Any:
    """Collect ``page``'s errors and dialogs into ``console`` (dialogs are dismissed)."""
    page.on("pageerror", lambda exc: console.errors.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: console.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
    )

    def on_dialog(dialog: Any) -> None:
        console.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "response",
        lambda r: (
            console.failed.append(f"HTTP {r.status} {r.request.method} {r.url}")
            if r.status >= 400
            else None
        ),
    )
    return page


# Markup that runs script if any of it ever reaches the DOM as HTML (or a URL).
PAYLOADS = [
    "<script>window.__pwned='script'</script>",
    "<img src=x onerror=\"window.__pwned='img'\">",
    '"><svg onload="window.__pwned=\'svg\'">',
    "javascript:window.__pwned='link'",
    "[click me](javascript:window.__pwned='md')",
    "<a href=\"javascript:window.__pwned='a'\">link</a>",
    "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
    "{{constructor.constructor('window.__pwned=1')()}}",
]
HOSTILE = " ".join(PAYLOADS)
HOSTILE_FILE = '/tmp/project/"><svg onload="window.__pwned=\'file\'">.md'


def hostile_transcript(directory: Path, session_id: str) -> Path:
    """A Claude Code transcript whose prompt, assistant text, thinking, tool inputs and outputs,
    file names and errors all hold markup and ``javascript:`` links."""
    t = iter(range(1, 100))

    def stamp() -> str:
        return f"2025-10-02T10:00:{next(t):02d}.000Z"

    def record(kind: str, message: dict, **extra: object) -> dict:
        return {
            "type": kind,
            "sessionId": session_id,
            "uuid": f"{session_id[:8]}-{kind}-{len(lines)}",
            "timestamp": stamp(),
            "cwd": "/tmp/project",
            "version": "1.0.98",
            "message": message,
            **extra,
        }

    def tool(tool_id: str, name: str, tool_input: dict, output: str, error: bool = False) -> None:
        lines.append(
            record(
                "assistant",
                {
                    "role": "assistant",
                    "id": f"msg-{tool_id}",
                    "content": [
                        {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}
                    ],
                },
            )
        )
        result = {"type": "tool_result", "tool_use_id": tool_id, "content": output}
        if error:
            result["is_error"] = True
        lines.append(record("user", {"role": "user", "content": [result]}))

    lines: list[dict] = []
    lines.append(record("user", {"role": "user", "content": f"Title {HOSTILE}"}))
    lines.append(
        record(
            "assistant",
            {
                "role": "assistant",
                "id": "msg-text",
                "content": [
                    {"type": "thinking", "thinking": f"thinking {HOSTILE}", "signature": "x"},
                    {"type": "text", "text": f"answer {HOSTILE}"},
                ],
            },
        )
    )
    tool(
        "toolu_hostile_bash",
        "Bash",
        {"command": f"echo '{HOSTILE}'", "description": HOSTILE},
        HOSTILE,
    )
    tool("toolu_hostile_write", "Write", {"file_path": HOSTILE_FILE, "content": HOSTILE}, HOSTILE)
    tool(
        "toolu_hostile_edit",
        "Edit",
        {"file_path": HOSTILE_FILE, "old_string": HOSTILE, "new_string": f"new {HOSTILE}"},
        HOSTILE,
    )
    tool("toolu_hostile_read", "Read", {"file_path": HOSTILE_FILE}, HOSTILE, error=True)
    tool("toolu_hostile_mcp", "mcp__evil__<img src=x onerror=alert(1)>", {"q": HOSTILE}, HOSTILE)
    lines.append(record("user", {"role": "user", "content": f"second prompt {HOSTILE}"}))
    path = directory / f"{session_id}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path
