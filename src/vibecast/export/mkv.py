"""A minimal Matroska stream of frames with timestamps: how frames reach FFmpeg.

Most video frames repeat the one before (nothing moved). Sending each repeat to FFmpeg would make
it convert every one again (4x slower in our measurements). So only the frames that changed are
sent, each with its timestamp, in the simplest container FFmpeg reads from a pipe with timestamps
(Matroska), and FFmpeg's ``fps`` filter repeats them at 30 fps. Frames are raw yuv420p (codec
``V_UNCOMPRESSED``, colour space ``I420``: nothing to encode in Python, nothing to decode or
convert in FFmpeg) or JPEG (``V_MJPEG``).
"""

from __future__ import annotations

__all__ = ["I420", "MJPEG", "MatroskaWriter"]

MJPEG = "mjpeg"
I420 = "i420"

_UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"


def _size(n: int) -> bytes:
    """An EBML variable-length size (8 bytes, always valid up to 2^56 - 2)."""
    return (n | (1 << 56)).to_bytes(8, "big")


def _uint(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def _element(element_id: int, payload: bytes) -> bytes:
    return _uint(element_id) + _size(len(payload)) + payload


class MatroskaWriter:
    """Builds the bytes of the stream: :meth:`header` once, then :meth:`frame` per image.

    Timestamps are milliseconds (the default TimestampScale); each frame is its own cluster, so
    nothing has to be known about the frames that follow.
    """

    def __init__(self, width: int, height: int, codec: str = I420) -> None:
        if codec not in (MJPEG, I420):
            raise ValueError(f"unknown frame codec {codec!r}")
        self.width = width
        self.height = height
        self.codec = codec

    def header(self) -> bytes:
        ebml = _element(
            0x1A45DFA3,
            _element(0x4286, _uint(1))  # EBMLVersion
            + _element(0x42F7, _uint(1))  # EBMLReadVersion
            + _element(0x42F2, _uint(4))  # EBMLMaxIDLength
            + _element(0x42F3, _uint(8))  # EBMLMaxSizeLength
            + _element(0x4282, b"matroska")  # DocType
            + _element(0x4287, _uint(4))  # DocTypeVersion
            + _element(0x4285, _uint(2)),  # DocTypeReadVersion
        )
        info = _element(
            0x1549A966,
            _element(0x2AD7B1, _uint(1_000_000))  # TimestampScale: 1 ms
            + _element(0x4D80, b"vibecast")  # MuxingApp
            + _element(0x5741, b"vibecast"),  # WritingApp
        )
        video = _element(
            0xE0,
            _element(0xB0, _uint(self.width))  # PixelWidth
            + _element(0xBA, _uint(self.height))  # PixelHeight
            + (_element(0x2EB524, b"I420") if self.codec == I420 else b""),  # ColourSpace
        )
        track = _element(
            0xAE,
            _element(0xD7, _uint(1))  # TrackNumber
            + _element(0x73C5, _uint(1))  # TrackUID
            + _element(0x83, _uint(1))  # TrackType: video
            + _element(0x9C, _uint(0))  # FlagLacing
            + _element(0x86, b"V_MJPEG" if self.codec == MJPEG else b"V_UNCOMPRESSED")
            + video,
        )
        tracks = _element(0x1654AE6B, track)
        segment = _uint(0x18538067) + _UNKNOWN_SIZE  # a live stream: size unknown
        return ebml + segment + info + tracks

    def frame(self, image: bytes, timestamp_ms: int) -> tuple[bytes, bytes]:
        """One keyframe at ``timestamp_ms`` (JPEG bytes, or the Y, U and V planes), as a
        cluster of its own: its head, then the image itself (written as is, never copied)."""
        if self.codec == I420 and len(image) != self.width * self.height * 3 // 2:
            raise ValueError(f"a {self.width}x{self.height} I420 frame has not {len(image)} bytes")
        block_head = b"\x81\x00\x00\x80"  # track 1, relative time 0, keyframe
        block = _uint(0xA3) + _size(len(block_head) + len(image)) + block_head  # SimpleBlock
        timestamp = _element(0xE7, _uint(timestamp_ms))
        cluster = _uint(0x1F43B675) + _size(len(timestamp) + len(block) + len(image))
        return cluster + timestamp + block, image
