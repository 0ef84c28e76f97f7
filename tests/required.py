"""What a test needs from the machine: skip without it on a laptop, fail without it in CI.

A contributor without PostgreSQL, Chromium or FFmpeg still runs the rest of the suite; CI
(``CI=true``) must exercise every real part, so there a missing one is a failure, not a skip.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

__all__ = ["in_ci", "unavailable"]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(message: str, why_required: str = "") -> NoReturn:
    """Skip the calling test with ``message`` — or fail it under ``CI=true``, saying why CI
    needs the missing part (``why_required``)."""
    if in_ci():
        pytest.fail(f"{message} (CI=true: {why_required})" if why_required else message)
    pytest.skip(message)
