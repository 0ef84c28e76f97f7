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

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vibecast.export.request import ExportError

__all__ = ["FrameCompositor", "Picture", "Rect"]

Rect = tuple[int, int, int, int]
"""x, y, width, height in device pixels."""

CACHE_BYTES = 256 * 2**20


@dataclass(frozen=True)
class Picture:
    """A region's pixels as video planes: luma at full size, chroma at half size (4:2:0)."""

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray

    @property
    def nbytes(self) -> int:
        return self.y.nbytes + self.u.nbytes + self.v.nbytes

    def crop(self, x: int, y: int, w: int, h: int) -> Picture:
        """The part at (x, y) of size w x h (on even x and y, chroma stays aligned)."""
        cx, cy, cw, ch = x // 2, y // 2, (w + 1) // 2, (h + 1) // 2
        return Picture(
            self.y[y : y + h, x : x + w].copy(),
            self.u[cy : cy + ch, cx : cx + cw].copy(),
            self.v[cy : cy + ch, cx : cx + cw].copy(),
        )


class FrameCompositor:
    """The current frame (yuv420p), the key each region shows in it, the cache of pictures."""

    def __init__(
        self, width: int, height: int, rects: Sequence[Rect], *, cache_bytes: int = CACHE_BYTES
    ) -> None:
        if width % 2 or height % 2:
            raise ExportError(f"a yuv420p frame needs an even size, not {width}x{height}")
        self.width = width
        self.height = height
        self.rects = [self._clamp(r) for r in rects]
        luma = width * height
        self.frame = np.zeros(luma * 3 // 2, np.uint8)
        """The frame's bytes: Y, then U, then V (what FFmpeg reads as yuv420p)."""
        self._y = self.frame[:luma].reshape(height, width)
        self._u = self.frame[luma : luma * 5 // 4].reshape(height // 2, width // 2)
        self._v = self.frame[luma * 5 // 4 :].reshape(height // 2, width // 2)
        self.shown: list[str | None] = [None] * len(rects)
        self._cache: OrderedDict[tuple[int, str], Picture] = OrderedDict()
        self._cache_bytes = cache_bytes
        self._used = 0

    def _clamp(self, rect: Rect) -> Rect:
        x, y, w, h = (int(v) for v in rect)
        x, y = max(0, min(x, self.width)), max(0, min(y, self.height))
        return x, y, max(0, min(w, self.width - x)), max(0, min(h, self.height - y))

    def set_base(self, picture: Picture, keys: Sequence[str]) -> None:
        """The whole viewport, showing ``keys``: the pixels no region covers come from here."""
        if picture.y.shape != self._y.shape:
            raise ExportError(f"the page's screenshot is {picture.y.shape}, not {self._y.shape}")
        self._paste(picture, 0, 0, self.width, self.height)
        self.shown = list(keys)

    def cached(self, region: int, key: str) -> Picture | None:
        picture = self._cache.get((region, key))
        if picture is not None:
            self._cache.move_to_end((region, key))
        return picture

    def remember(self, region: int, key: str, picture: Picture) -> None:
        """Keep a region's picture for ``key`` (oldest pictures go first past the budget)."""
        entry = (region, key)
        if entry in self._cache:
            return
        self._cache[entry] = picture
        self._used += picture.nbytes
        while self._used > self._cache_bytes and len(self._cache) > 1:
            _, dropped = self._cache.popitem(last=False)
            self._used -= dropped.nbytes

    def show(self, region: int, key: str, picture: Picture) -> None:
        """Paste ``picture`` (the region's pixels for ``key``) into the frame."""
        self._paste(picture, *self.rects[region])
        self.shown[region] = key

    def _paste(self, picture: Picture, x: int, y: int, w: int, h: int) -> None:
        h, w = min(h, picture.y.shape[0]), min(w, picture.y.shape[1])
        self._y[y : y + h, x : x + w] = picture.y[:h, :w]
        # chroma: a region on odd coordinates shares a chroma sample with its neighbour; the
        # composition's boxes are on even ones at 720p and 1080p
        cx, cy, cw, ch = x // 2, y // 2, (w + 1) // 2, (h + 1) // 2
        ch, cw = (
            min(ch, picture.u.shape[0], self._u.shape[0] - cy),
            min(cw, picture.u.shape[1], self._u.shape[1] - cx),
        )
        self._u[cy : cy + ch, cx : cx + cw] = picture.u[:ch, :cw]
        self._v[cy : cy + ch, cx : cx + cw] = picture.v[:ch, :cw]
