"""Constant 30 fps H.264 from an encoding of the frames that changed: repeats as skipped frames.

Most frames of a replay video repeat the one before, and x264 spends as long on a repeat as on a
change (about 4.6 ms per 1080p frame at ``ultrafast``: every macroblock is analysed again). So
x264 encodes only the frames that differ, and the repeats are written here, without an encoder:
a P frame whose macroblocks are all skipped (one ``mb_skip_run`` over the whole picture), which a
decoder shows as an exact copy of the frame before. Every frame is then in the stream at 30 fps
(the MP4 is constant frame rate, as players and slide tools expect), for almost no CPU.

What this needs of the stream, checked on its parameter sets (anything else is refused, and the
caller encodes every frame instead): CAVLC (x264 ``ultrafast``), picture order from ``frame_num``
(``pic_order_cnt_type`` 2: no B frames), frames only, no weighted prediction. Repeats are
reference frames, so ``frame_num`` goes up by one per frame: x264's own slices get theirs
rewritten (a field of fixed width in the slice header, nothing else moves).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["NotSpliceable", "SkipFiller", "split_nals"]

_START = re.compile(b"\x00\x00\x01")
_EMULATION = re.compile(b"\x00\x00(?=[\x00-\x03])")

NAL_SLICE = 1
NAL_IDR = 5
NAL_SPS = 7
NAL_PPS = 8


class NotSpliceable(Exception):
    """The stream uses a feature the skipped frames cannot follow (e.g. CABAC, B frames)."""


def split_nals(data: bytes) -> tuple[list[bytes], bytes]:
    """Complete NAL units (without start codes) in ``data``, and the unfinished rest.

    The last unit is only complete once the next start code is seen; call with the rest
    prepended to the next chunk, and once more with ``final`` handling by the caller.
    """
    starts = [m.end() for m in _START.finditer(data)]
    nals: list[bytes] = []
    for begin, end in itertools.pairwise(starts):
        nal = data[begin : end - 3]
        nals.append(nal.rstrip(b"\x00"))  # trailing zeros: the 4-byte start code's first byte
    rest = data[starts[-1] - 3 :] if starts else data
    return [n for n in nals if n], rest


def _unescape(nal: bytes) -> bytes:
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


def _escape(rbsp: bytes) -> bytes:
    return _EMULATION.sub(b"\x00\x00\x03", rbsp)


class _Bits:
    """Reads an RBSP bit by bit (Exp-Golomb codes included)."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos  # in bits

    def u(self, n: int) -> int:
        value = 0
        for _ in range(n):
            byte = self.data[self.pos >> 3]
            value = (value << 1) | ((byte >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return value

    def ue(self) -> int:
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
            if zeros > 31:
                raise NotSpliceable("bad Exp-Golomb code")
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k % 2 else -(k // 2)


class _Writer:
    """Writes bits (Exp-Golomb codes included) into an RBSP."""

    def __init__(self) -> None:
        self.bits: list[int] = []

    def u(self, n: int, value: int) -> None:
        self.bits.extend((value >> (n - 1 - i)) & 1 for i in range(n))

    def ue(self, value: int) -> None:
        code = value + 1
        length = code.bit_length()
        self.u(length - 1, 0)
        self.u(length, code)

    def trailing(self) -> bytes:
        self.bits.append(1)  # rbsp_stop_one_bit, then zeros to a byte boundary
        self.bits.extend([0] * (-len(self.bits) % 8))
        out = bytearray()
        for i in range(0, len(self.bits), 8):
            byte = 0
            for bit in self.bits[i : i + 8]:
                byte = (byte << 1) | bit
            out.append(byte)
        return bytes(out)


@dataclass(frozen=True)
class _Params:
    """What the skipped frames need from the sequence and picture parameter sets."""

    log2_max_frame_num: int
    macroblocks: int
    deblocking_control: bool


def _sps(nal: bytes) -> tuple[int, int]:
    """(log2_max_frame_num, macroblocks per frame) of a sequence parameter set."""
    r = _Bits(_unescape(nal), 8)
    profile = r.u(8)
    r.u(16)  # constraint flags, level
    r.ue()  # seq_parameter_set_id
    if profile in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
        chroma = r.ue()
        if chroma == 3:
            r.u(1)
        r.ue()  # bit depths
        r.ue()
        r.u(1)
        if r.u(1):  # seq_scaling_matrix_present_flag
            raise NotSpliceable("scaling matrices")
    log2_max_frame_num = r.ue() + 4
    if r.ue() != 2:  # pic_order_cnt_type
        raise NotSpliceable("picture order count is not derived from frame_num (B frames?)")
    r.ue()  # max_num_ref_frames
    if r.u(1):  # gaps_in_frame_num_value_allowed_flag
        raise NotSpliceable("frame_num gaps allowed")
    width_mbs = r.ue() + 1
    height_units = r.ue() + 1
    if not r.u(1):  # frame_mbs_only_flag
        raise NotSpliceable("interlaced")
    return log2_max_frame_num, width_mbs * height_units


def _pps(nal: bytes) -> bool:
    """deblocking_filter_control_present_flag of a picture parameter set (CAVLC, one slice
    group, no weighted prediction, else NotSpliceable)."""
    r = _Bits(_unescape(nal), 8)
    r.ue()  # pic_parameter_set_id
    r.ue()  # seq_parameter_set_id
    if r.u(1):
        raise NotSpliceable("CABAC")
    r.u(1)  # bottom_field_pic_order_in_frame_present_flag
    if r.ue() != 0:
        raise NotSpliceable("slice groups")
    r.ue()  # num_ref_idx_l0_default_active_minus1
    r.ue()
    if r.u(1) or r.u(2):
        raise NotSpliceable("weighted prediction")
    r.se()  # pic_init_qp_minus26
    r.se()
    r.se()
    deblocking = bool(r.u(1))
    r.u(1)  # constrained_intra_pred_flag
    if r.u(1):
        raise NotSpliceable("redundant pictures")
    return deblocking


class SkipFiller:
    """Turns x264's Annex B stream of changed frames into one with every frame.

    :meth:`picture` is called with the video frame index of each encoded frame, in order, before
    its data can come out of the encoder; :meth:`feed` takes the encoder's output as it comes and
    returns the bytes of the full stream so far; :meth:`finish` the rest, repeats up to
    ``frame_count``.
    """

    def __init__(self, frame_count: int) -> None:
        self.frame_count = frame_count
        self._indices: list[int] = []
        self._pending = b""
        self._held: list[bytes] = []  # parameter sets, SEI...: they go with the next picture
        self._params: _Params | None = None
        self._log2 = 0
        self._mbs = 0
        self._deblocking = False
        self._pictures = 0  # encoded pictures seen
        self._shown = -1  # video index of the last frame written
        self._frame_num = 0  # of the last frame written
        self.skipped = 0  # repeats written

    def picture(self, index: int) -> None:
        """The next encoded frame is video frame ``index``."""
        if self._indices and index <= self._indices[-1]:
            raise ValueError(f"frame {index} out of order")
        self._indices.append(index)

    def feed(self, data: bytes) -> bytes:
        nals, self._pending = split_nals(self._pending + data)
        return b"".join(self._nal(n) for n in nals)

    def finish(self) -> bytes:
        nals, rest = split_nals(self._pending + b"\x00\x00\x01")
        self._pending = b""
        out = b"".join(self._nal(n) for n in nals)
        if rest != b"\x00\x00\x01":
            raise NotSpliceable("the stream ends in the middle of a unit")
        if self._pictures != len(self._indices):
            raise NotSpliceable(
                f"the encoder made {self._pictures} pictures of {len(self._indices)} frames"
            )
        out += b"".join(self._skips(self.frame_count - 1 - self._shown))
        return out + b"".join(self._annexb(n) for n in self._held)

    # -- units ---------------------------------------------------------------------------------
    @staticmethod
    def _annexb(nal: bytes) -> bytes:
        return b"\x00\x00\x00\x01" + nal

    def _nal(self, nal: bytes) -> bytes:
        kind = nal[0] & 0x1F
        if kind == NAL_SPS:
            self._log2, self._mbs = _sps(nal)
        elif kind == NAL_PPS:
            self._deblocking = _pps(nal)
        if kind not in (NAL_SLICE, NAL_IDR):
            self._held.append(nal)
            return b""
        rbsp = bytearray(_unescape(nal))
        r = _Bits(rbsp, 8)
        first_mb = r.ue()
        out: list[bytes] = []
        if first_mb == 0:  # a new picture
            if not self._log2:
                raise NotSpliceable("a picture before the parameter sets")
            if self._pictures >= len(self._indices):
                raise NotSpliceable("more pictures than frames")
            index = self._indices[self._pictures]
            self._pictures += 1
            out.extend(self._skips(index - 1 - self._shown))
            self._shown = index
            self._frame_num = 0 if kind == NAL_IDR else self._next_frame_num()
        out.extend(self._annexb(n) for n in self._held)
        self._held = []
        r.ue()  # slice_type
        r.ue()  # pic_parameter_set_id
        _put_bits(rbsp, r.pos, self._log2, self._frame_num)
        out.append(self._annexb(_escape(bytes(rbsp))))
        return b"".join(out)

    def _next_frame_num(self) -> int:
        return (self._frame_num + 1) % (1 << self._log2)

    def _skips(self, count: int) -> Iterator[bytes]:
        if count > 0 and self._shown < 0:
            raise NotSpliceable("a repeat before the first picture")
        for _ in range(count):
            self._frame_num = self._next_frame_num()
            self.skipped += 1
            yield self._annexb(self._skip_slice())

    def _skip_slice(self) -> bytes:
        """A P slice (a reference picture) whose macroblocks are all skipped."""
        w = _Writer()
        w.u(8, 0x41)  # nal_ref_idc 2, nal_unit_type 1 (non-IDR slice)
        w.ue(0)  # first_mb_in_slice
        w.ue(5)  # slice_type: P (all slices of the picture)
        w.ue(0)  # pic_parameter_set_id
        w.u(self._log2, self._frame_num)
        w.u(1, 0)  # num_ref_idx_active_override_flag
        w.u(1, 0)  # ref_pic_list_modification_flag_l0
        w.u(1, 0)  # adaptive_ref_pic_marking_mode_flag: sliding window
        w.ue(0)  # slice_qp_delta (se 0 is ue 0)
        if self._deblocking:
            w.ue(1)  # disable_deblocking_filter_idc: off (nothing to filter anyway)
        w.ue(self._mbs)  # mb_skip_run: the whole picture
        return _escape(w.trailing())


def _put_bits(data: bytearray, pos: int, n: int, value: int) -> None:
    """Overwrite ``n`` bits at bit ``pos`` with ``value``."""
    for i in range(n):
        bit = (value >> (n - 1 - i)) & 1
        byte, shift = (pos + i) >> 3, 7 - ((pos + i) & 7)
        data[byte] = (data[byte] & ~(1 << shift) & 0xFF) | (bit << shift)
