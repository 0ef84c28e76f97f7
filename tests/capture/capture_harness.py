"""Real hook payloads for the capture tests, in an order Claude Code could have sent them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vibecast.capture.claude_hooks import recorded_payloads

__all__ = ["real_payloads"]


def real_payloads(shared_data: Path) -> list[dict[str, Any]]:
    """Every real hook payload in the shared data, each capture in the order one real session
    sends them (:func:`~vibecast.capture.claude_hooks.recorded_payloads`)."""
    return recorded_payloads(shared_data / "claude-code" / "hook-payloads")
