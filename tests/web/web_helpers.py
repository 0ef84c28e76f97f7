"""Helpers of the browser tests (fixtures using them are in conftest.py)."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vibecast.config import Settings
from vibecast.model import Replay
from vibecast.pipeline import import_paths
from vibecast.store.base import Store, User

__all__ = ["Console", "WebServer", "free_port", "watch"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    return page
