"""A video frame assembled from the pictures of its regions, every pixel drawn by the browser.

The export page's composition is a few fixed boxes that change independently: the header (title,
clock), the workshop scene, the now-showing panel and the timeline bar. The page answers, for
any replay time and without drawing, a key per region (equal keys, equal pixels). So a region's
picture is taken once per key — a screenshot of its box or the read-back of its canvas — and
pasted into the previous frame whenever the key comes back: the busy-station ring cycles through
the same few phases for as long as a tool runs, the clock changes once a second, the panel once
per event. Pictures are decoded once and kept, most recently used first, up to a memory budget.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from vibecast.export.request import ExportError

__all__ = ["FrameCompositor", "Rect", "decode_image"]

Rect = tuple[int, int, int, int]
"""x, y, width, height in device pixels."""

CACHE_BYTES = 256 * 2**20


def decode_image(data: bytes) -> np.ndarray:
    """JPEG or PNG bytes as an RGB array (height, width, 3)."""
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - an install without the export extra
        raise ExportError("video export needs Pillow: pip install 'vibecast[export]'") from exc
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


class FrameCompositor:
    """The current frame (RGB), the key each region shows in it, and the cache of pictures."""

    def __init__(
        self, width: int, height: int, rects: Sequence[Rect], *, cache_bytes: int = CACHE_BYTES
    ) -> None:
        self.width = width
        self.height = height
        self.rects = [self._clamp(r) for r in rects]
        self.frame = np.zeros((height, width, 3), np.uint8)
        self.shown: list[str | None] = [None] * len(rects)
        self._cache: OrderedDict[tuple[int, str], np.ndarray] = OrderedDict()
        self._cache_bytes = cache_bytes
        self._used = 0

    def _clamp(self, rect: Rect) -> Rect:
        x, y, w, h = (int(v) for v in rect)
        x, y = max(0, min(x, self.width)), max(0, min(y, self.height))
        return x, y, max(0, min(w, self.width - x)), max(0, min(h, self.height - y))

    def set_base(self, image: np.ndarray, keys: Sequence[str]) -> None:
        """The whole viewport, showing ``keys``: the pixels no region covers come from here."""
        if image.shape != self.frame.shape:
            raise ExportError(f"the page's screenshot is {image.shape}, not {self.frame.shape}")
        self.frame[...] = image
        self.shown = list(keys)

    def cached(self, region: int, key: str) -> np.ndarray | None:
        picture = self._cache.get((region, key))
        if picture is not None:
            self._cache.move_to_end((region, key))
        return picture

    def remember(self, region: int, key: str, picture: np.ndarray) -> None:
        """Keep a region's picture for ``key`` (oldest pictures go first past the budget)."""
        entry = (region, key)
        if entry in self._cache:
            return
        self._cache[entry] = picture
        self._used += picture.nbytes
        while self._used > self._cache_bytes and len(self._cache) > 1:
            _, dropped = self._cache.popitem(last=False)
            self._used -= dropped.nbytes

    def show(self, region: int, key: str, picture: np.ndarray) -> None:
        """Paste ``picture`` (the region's pixels for ``key``) into the frame."""
        x, y, w, h = self.rects[region]
        ph, pw = picture.shape[:2]
        w, h = min(w, pw), min(h, ph)
        self.frame[y : y + h, x : x + w] = picture[:h, :w]
        self.shown[region] = key
