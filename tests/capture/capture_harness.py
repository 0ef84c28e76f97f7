"""Real hook payloads for the capture tests, in an order Claude Code could have sent them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vibecast.capture.claude_hooks import PLAY_ORDER
from vibecast.importers.hooks import hook_payload_of

__all__ = ["real_payloads"]


def real_payloads(shared_data: Path) -> list[dict[str, Any]]:
    """Every real hook payload in the shared data, as Claude Code put it on stdin (loggers'
    added fields removed), folder by folder in :data:`PLAY_ORDER`."""
    payloads: list[dict[str, Any]] = []
    for folder in sorted((shared_data / "claude-code" / "hook-payloads").iterdir()):
        for name in PLAY_ORDER:
            path = folder / f"{name}.json"
            if path.is_file():
                payloads.extend(hook_payload_of(p) for p in json.loads(path.read_text()))
    return payloads
