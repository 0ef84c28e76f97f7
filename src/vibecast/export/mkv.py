"""A minimal Matroska stream of JPEG frames with timestamps: how frames reach FFmpeg.

Most video frames repeat the one before (nothing moved). Sending each repeat to FFmpeg as an image
would make it decode every one again (4x slower in our measurements); raw frames would be 6 MB
each. So only the frames that changed are sent, each with its timestamp, in the simplest
container FFmpeg reads from a pipe with timestamps (Matroska, codec ``V_MJPEG``), and FFmpeg's
``fps`` filter repeats them at 30 fps after decoding each once.
"""

from __future__ import annotations

__all__ = ["MjpegMatroskaWriter"]

_UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"


def _size(n: int) -> bytes:
    """An EBML variable-length size (8 bytes, always valid up to 2^56 - 2)."""
    return (n | (1 << 56)).to_bytes(8, "big")


def _uint(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def _element(element_id: int, payload: bytes) -> bytes:
    return _uint(element_id) + _size(len(payload)) + payload


class MjpegMatroskaWriter:
    """Builds the bytes of the stream: :meth:`header` once, then :meth:`frame` per image.

    Timestamps are milliseconds (the default TimestampScale); each frame is its own cluster, so
    nothing has to be known about the frames that follow.
    """

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height

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
            _element(0xB0, _uint(self.width)) + _element(0xBA, _uint(self.height)),
        )
        track = _element(
            0xAE,
            _element(0xD7, _uint(1))  # TrackNumber
            + _element(0x73C5, _uint(1))  # TrackUID
            + _element(0x83, _uint(1))  # TrackType: video
            + _element(0x9C, _uint(0))  # FlagLacing
            + _element(0x86, b"V_MJPEG")  # CodecID
            + video,
        )
        tracks = _element(0x1654AE6B, track)
        segment = _uint(0x18538067) + _UNKNOWN_SIZE  # a live stream: size unknown
        return ebml + segment + info + tracks

    def frame(self, jpeg: bytes, timestamp_ms: int) -> bytes:
        """One keyframe at ``timestamp_ms``, as a cluster of its own."""
        block = b"\x81" + b"\x00\x00" + b"\x80" + jpeg  # track 1, relative time 0, keyframe
        return _element(
            0x1F43B675,
            _element(0xE7, _uint(timestamp_ms)) + _element(0xA3, block),
        )
