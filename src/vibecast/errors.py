"""The base of every error a user can act on: its message is written for them.

The CLI prints such errors as one line (``error: ...``) and exits 1; anything else is a bug and is
reported as "unexpected".
"""

from __future__ import annotations

__all__ = ["VibecastError"]


class VibecastError(Exception):
    """A failure with a message meant for the user (bad configuration, unknown replay, ...)."""
