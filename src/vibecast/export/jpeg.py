"""The browser's pictures (JPEG, or PNG) as yuv420p video planes.

Chromium encodes its screenshots and canvas read-backs as 4:2:0 JPEG: luma at full size and
chroma already at half size, the layout a yuv420p video frame has. libjpeg-turbo's TurboJPEG API
(``tjDecompressToYUVPlanes``) hands those planes over as they are in the file, with no chroma
upsampling and no colour conversion: 5x less CPU than decoding to full-size YCbCr and averaging
the chroma back down, which is most of the export's Python time. The library is a system one
(Debian: ``libturbojpeg0``, installed by ``scripts/install-system-deps``), reached with ctypes;
where it is missing, or for a picture that is not 4:2:0 JPEG, Pillow decodes it instead.

Both paths end the same way: JPEG's YCbCr is BT.601 at full range, video's yuv420p is BT.601 at
limited range (what FFmpeg would make of the RGB), so each plane goes through a lookup table.
Chroma from the file is libjpeg's 2x2 average; Pillow's path averages its upsampled chroma, so
the two can differ by a level or two in chroma, never in luma.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import threading
from typing import Any

import numpy as np

from vibecast.export.compositor import Picture
from vibecast.export.request import ExportError

__all__ = ["decode_image", "turbojpeg_available"]

_LUMA = np.round(np.arange(256) * 219 / 255 + 16).astype(np.uint8)
_CHROMA = np.round((np.arange(256) - 128) * 224 / 255 + 128).astype(np.uint8)
_LUMA_TABLE = _LUMA.tolist()
_CHROMA_TABLE = _CHROMA.tolist()

_TJSAMP_420 = 2
_TJCS_YCBCR = 1
MAX_PIXELS = 89_478_485
"""Pillow's default ``Image.MAX_IMAGE_PIXELS``: a larger picture goes to Pillow, whose
decompression-bomb check refuses it, rather than having its planes allocated from its header."""
_JPEG_MAGIC = b"\xff\xd8"


class _TurboJPEG:
    """The few TurboJPEG 2 calls used (also exported, unchanged, by libjpeg-turbo 3)."""

    def __init__(self, library: ctypes.CDLL) -> None:
        self._lib = library
        library.tjInitDecompress.restype = ctypes.c_void_p
        library.tjInitDecompress.argtypes = []
        library.tjDestroy.argtypes = [ctypes.c_void_p]
        library.tjDecompressHeader3.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_ulong,
            *[ctypes.POINTER(ctypes.c_int)] * 4,
        ]
        library.tjDecompressToYUVPlanes.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_ulong,
            ctypes.POINTER(ctypes.c_void_p),
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
            ctypes.c_int,
        ]
        self._local = threading.local()  # a TurboJPEG handle is not for two threads at once

    def _handle(self) -> int:
        handle = getattr(self._local, "handle", None)
        if handle is None:
            handle = self._lib.tjInitDecompress()
            if not handle:
                raise ExportError("libturbojpeg could not start a decompressor")
            self._local.handle = handle
            # a handle ends with its thread (the decoder pool's threads end with the export)
            self._local.closer = _Closer(self._lib, handle)
        return int(handle)

    def _reset(self) -> None:
        """Drop this thread's handle after a failed call: libturbojpeg 2.1 leaves it part-way
        through a header, and every later header on it fails ("two SOI markers")."""
        self._local.handle = None
        self._local.closer = None  # its __del__ destroys the handle

    def planes(self, data: bytes) -> Picture | None:
        """The JPEG's own Y, Cb, Cr planes, or None when it is not a 4:2:0 JPEG that decodes
        cleanly (Pillow then decodes it, or raises its own error)."""
        handle = self._handle()
        width, height, subsampling, colorspace = (ctypes.c_int() for _ in range(4))
        if self._lib.tjDecompressHeader3(
            handle,
            data,
            len(data),
            ctypes.byref(width),
            ctypes.byref(height),
            ctypes.byref(subsampling),
            ctypes.byref(colorspace),
        ):
            self._reset()
            return None
        if subsampling.value != _TJSAMP_420 or colorspace.value != _TJCS_YCBCR:
            return None  # e.g. 4:4:4, grey, or 4:2:0 stored as RGB: not video planes as they are
        w, h = width.value, height.value
        if w * h > MAX_PIXELS:
            return None  # Pillow refuses it as a decompression bomb, and says so
        # 4:2:0 planes cover whole 2x2 blocks: luma is written padded to even sizes
        y = np.empty((h + h % 2, w + w % 2), np.uint8)
        u = np.empty(((h + 1) // 2, (w + 1) // 2), np.uint8)
        v = np.empty_like(u)
        pointers = (ctypes.c_void_p * 3)(y.ctypes.data, u.ctypes.data, v.ctypes.data)
        strides = (ctypes.c_int * 3)(y.shape[1], u.shape[1], v.shape[1])
        if self._lib.tjDecompressToYUVPlanes(handle, data, len(data), pointers, w, strides, h, 0):
            self._reset()
            return None  # an error or only a warning: Pillow decodes what can be, or says why not
        return Picture(np.take(_LUMA, y[:h, :w]), np.take(_CHROMA, u), np.take(_CHROMA, v))


class _Closer:
    def __init__(self, library: ctypes.CDLL, handle: int) -> None:
        self._destroy = library.tjDestroy
        self._handle = handle

    def __del__(self) -> None:
        self._destroy(self._handle)


def _load_turbojpeg() -> _TurboJPEG | None:
    for name in (ctypes.util.find_library("turbojpeg"), "libturbojpeg.so.0"):
        if not name:
            continue
        try:
            return _TurboJPEG(ctypes.CDLL(name))
        except (OSError, AttributeError):
            continue
    return None


_turbojpeg = _load_turbojpeg()


def turbojpeg_available() -> bool:
    """Whether pictures decode through libturbojpeg (else through Pillow, 5x the CPU)."""
    return _turbojpeg is not None


def decode_image(data: bytes) -> Picture:
    """JPEG (or PNG) bytes from the browser as yuv420p planes (video range)."""
    if _turbojpeg is not None and data[:2] == _JPEG_MAGIC:
        picture = _turbojpeg.planes(data)
        if picture is not None:
            return picture
    return _decode_with_pillow(data)


def _decode_with_pillow(data: bytes) -> Picture:
    """Any picture Pillow reads: a JPEG straight to its YCbCr planes (no RGB step), chroma
    averaged over 2x2 pixels as FFmpeg's conversion to yuv420p does."""
    image_module: Any
    try:
        from PIL import Image as image_module
    except ImportError as exc:  # pragma: no cover - an install without the export extra
        raise ExportError("video export needs Pillow: pip install 'vibecast[export]'") from exc
    with image_module.open(io.BytesIO(data)) as image:
        image.draft("YCbCr", image.size)
        try:
            planes = image.convert("YCbCr") if image.mode != "YCbCr" else image
            luma, cb, cr = planes.split()
        except OSError:
            if image.format != "JPEG":
                raise
            # components stored as RGB: libjpeg cannot hand out YCbCr, so convert from RGB
            with image_module.open(io.BytesIO(data)) as again:
                luma, cb, cr = again.convert("YCbCr").split()
        # the tables applied by Pillow (Image.point): 3.6x faster than numpy's fancy indexing
        return Picture(
            np.asarray(luma.point(_LUMA_TABLE)),
            np.asarray(cb.reduce(2).point(_CHROMA_TABLE)),
            np.asarray(cr.reduce(2).point(_CHROMA_TABLE)),
        )
