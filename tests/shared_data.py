"""Where the real sample recordings are: ``../shared/data``, or ``$VIBECAST_SHARED_DATA``."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("VIBECAST_SHARED_DATA", ROOT.parent / "shared" / "data"))
