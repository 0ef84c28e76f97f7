"""Pictures from the browser to video planes: libturbojpeg's raw planes and Pillow's decode agree.

The export decodes Chromium's 4:2:0 JPEGs with libturbojpeg (no chroma upsampling); Pillow is the
fallback where the library is missing. Both must give the same luma, chroma within a level or
two on average (Pillow's is averaged back from its upsampled planes), the same plane shapes
(odd sizes included) and BT.601 limited-range values.
"""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from required import unavailable
from vibecast.export import jpeg
from vibecast.export.request import ExportError


def _jpeg(rgb: np.ndarray, subsampling: int = 2) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=90, subsampling=subsampling)
    return out.getvalue()


def _ui_like(height: int, width: int) -> np.ndarray:
    """Flat panels, hard edges and text-like strokes: what the player's pictures are made of."""
    rng = np.random.default_rng(7)
    rgb = np.full((height, width, 3), (24, 26, 33), np.uint8)
    for _ in range(12):
        y0, x0 = rng.integers(0, height), rng.integers(0, width)
        rgb[y0 : y0 + rng.integers(2, 40), x0 : x0 + rng.integers(2, 80)] = rng.integers(0, 256, 3)
    return rgb


@pytest.fixture
def turbojpeg() -> None:
    if not jpeg.turbojpeg_available():
        unavailable(
            "libturbojpeg is not installed (Debian: libturbojpeg0)",
            "the export's decoder is tested as users run it (scripts/install-system-deps)",
        )


@pytest.mark.parametrize("size", [(128, 128), (968, 615), (27, 33), (1, 1)])
def test_raw_planes_match_pillow(turbojpeg: None, size: tuple[int, int]) -> None:
    data = _jpeg(_ui_like(*size))
    fast = jpeg.decode_image(data)
    slow = jpeg._decode_with_pillow(data)
    h, w = size
    assert fast.y.shape == slow.y.shape == (h, w)
    assert fast.u.shape == slow.u.shape == fast.v.shape == ((h + 1) // 2, (w + 1) // 2)
    assert np.array_equal(fast.y, slow.y)
    # chroma: both near the truth (the source's chroma averaged over 2x2, as FFmpeg makes it
    # from RGB), the file's own planes at least as near as Pillow's
    rgb = _ui_like(*size).astype(float)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    truths = (
        -0.168736 * r - 0.331264 * g + 0.5 * b + 128,
        0.5 * r - 0.418688 * g - 0.081312 * b + 128,
    )
    for truth, ours, pillows in zip(truths, (fast.u, fast.v), (slow.u, slow.v), strict=True):
        expected = _limited_chroma(_average_2x2(truth))
        error = np.abs(ours - expected).mean()
        assert error < 3.0
        assert error <= np.abs(pillows - expected).mean() + 0.25


def _average_2x2(plane: np.ndarray) -> np.ndarray:
    h, w = plane.shape
    padded = np.pad(plane, ((0, h % 2), (0, w % 2)), mode="edge")
    return padded.reshape(padded.shape[0] // 2, 2, padded.shape[1] // 2, 2).mean(axis=(1, 3))


def _limited_chroma(plane: np.ndarray) -> np.ndarray:
    return (plane - 128) * 224 / 255 + 128


def test_flat_colour_decodes_to_video_range(turbojpeg: None) -> None:
    rgb = np.zeros((64, 64, 3), np.uint8)
    rgb[:] = (255, 255, 255)
    white = jpeg.decode_image(_jpeg(rgb))
    rgb[:] = (0, 0, 0)
    black = jpeg.decode_image(_jpeg(rgb))
    assert int(white.y.min()) >= 234 and int(white.y.max()) <= 235
    assert int(black.y.min()) == 16 and int(black.y.max()) <= 17
    for plane in (white.u, white.v, black.u, black.v):
        assert abs(int(plane.mean()) - 128) <= 1


def test_other_pictures_decode_through_pillow() -> None:
    rgb = _ui_like(40, 30)
    png = io.BytesIO()
    Image.fromarray(rgb).save(png, "PNG")
    for data in (_jpeg(rgb, subsampling=0), png.getvalue()):  # 4:4:4 JPEG, PNG
        picture = jpeg.decode_image(data)
        assert picture.y.shape == (40, 30)
        assert picture.u.shape == picture.v.shape == (20, 15)


def test_a_truncated_picture_is_an_export_error_or_decodes(turbojpeg: None) -> None:
    """A picture cut short never crashes the process: libjpeg fills what is missing or fails."""
    data = _jpeg(_ui_like(128, 128))
    for cut in (len(data) // 2, 40, 2):
        try:
            picture = jpeg.decode_image(data[:cut])
        except (ExportError, OSError):
            continue
        assert picture.y.shape[0] <= 128


def test_a_bad_picture_does_not_spoil_the_next(turbojpeg: None) -> None:
    """libturbojpeg leaves a handle mid-header after a bad one ("two SOI markers" for every
    later picture): the next good picture must still decode through it, not fall to Pillow."""
    good = _jpeg(_ui_like(64, 64))
    assert jpeg._turbojpeg.planes(good) is not None
    assert jpeg._turbojpeg.planes(b"\xff\xd8\xff\xd8" + good[2:]) is None
    assert jpeg._turbojpeg.planes(good[:40]) is None
    assert jpeg._turbojpeg.planes(good) is not None


def test_a_huge_header_goes_to_pillow_unallocated(turbojpeg: None) -> None:
    """A header claiming more pixels than Pillow accepts: no planes allocated from it."""
    good = _jpeg(_ui_like(16, 16))
    sof = good.index(b"\xff\xc0")  # baseline frame header: length, precision, height, width
    huge = bytearray(good)
    huge[sof + 5 : sof + 9] = (40_000).to_bytes(2, "big") * 2
    tracemalloc.start()
    try:
        assert jpeg._turbojpeg.planes(bytes(huge)) is None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000  # not the 2.4 GB of planes its header asks for


def test_a_420_jpeg_stored_as_rgb_goes_to_pillow(turbojpeg: None) -> None:
    """4:2:0 with R, G, B components (no JFIF marker, component ids R G B): its planes are not
    Y, Cb, Cr, so Pillow decodes it (converting), not libturbojpeg's raw path."""
    rgb = np.full((32, 32, 3), (220, 30, 30), np.uint8)
    data = bytearray(_jpeg(rgb))
    app0 = data.index(b"\xff\xe0")
    del data[app0 : app0 + 2 + int.from_bytes(data[app0 + 2 : app0 + 4], "big")]
    sof, sos = data.index(b"\xff\xc0"), data.index(b"\xff\xda")
    for k in range(3):
        data[sof + 10 + 3 * k] = data[sos + 5 + 2 * k] = b"RGB"[k]
    assert jpeg._turbojpeg.planes(bytes(data)) is None
    with Image.open(io.BytesIO(bytes(data))) as image:
        r, g, b = (float(c) for c in image.convert("RGB").getpixel((5, 5)))
    expected = 16 + 219 * (0.299 * r + 0.587 * g + 0.114 * b) / 255
    assert abs(float(jpeg.decode_image(bytes(data)).y.mean()) - expected) <= 1.5
