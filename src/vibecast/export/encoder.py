"""FFmpeg encoding of the frames that changed, fed through a pipe, into a 30 fps video.

Frames arrive as raw yuv420p images with their frame index (:mod:`~vibecast.export.mkv`).

- **MP4 (H.264)**: x264 encodes only the frames that changed (one FFmpeg, timestamps passed
  through); :mod:`~vibecast.export.h264` writes every repeat as a frame of skipped macroblocks
  (an exact copy, almost free) so the stream has every frame at 30 fps; a second FFmpeg only
  puts that stream in an MP4 (``+faststart``, so browsers and slide tools play it before it is
  all loaded), without re-encoding. x264 costs about as much for a repeat as for a change, and
  most frames are repeats: at 1080p this cut FFmpeg's CPU about 3x.
- **WebM (VP9)**: one FFmpeg whose ``fps`` filter repeats each frame until the next.

Writing happens on a thread with a bounded queue, so the browser draws the next frames while
FFmpeg encodes these: the two run on both cores at once.

Presets were picked by measurement on the 2-core machine (``benchmarks/export_speed.py``): x264
``ultrafast`` encodes a 1080p frame about 3x faster than ``veryfast`` at a similar look for
this flat, text-heavy picture; libvpx-vp9 ``realtime`` with ``cpu-used 8`` and row threading.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import shutil
import subprocess
import threading
from pathlib import Path
from typing import IO

from vibecast.export.h264 import NotSpliceable, SkipFiller
from vibecast.export.mkv import MatroskaWriter
from vibecast.export.request import FPS, ExportError

__all__ = ["FFMPEG_ENV", "FrameEncoder", "codec_args", "concat_segments", "find_ffmpeg"]

FFMPEG_ENV = "VIBECAST_FFMPEG"
_QUEUE_ITEMS = 48
"""Pieces waiting for FFmpeg's pipe (two per frame; a raw 1080p frame is 3 MB): enough to ride
out a burst of changes while FFmpeg catches up."""
_STDERR_TAIL = 4000


def find_ffmpeg() -> str:
    """The ffmpeg to run (``$VIBECAST_FFMPEG`` or the one on PATH), or a clear error."""
    configured = os.environ.get(FFMPEG_ENV)
    found = configured or shutil.which("ffmpeg")
    if not found or not Path(found).exists():
        raise ExportError(
            "video export needs FFmpeg: install it (apt-get install ffmpeg, brew install ffmpeg) "
            f"or set {FFMPEG_ENV} to its path"
        )
    return found


_X264 = [
    "-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage", "-crf", "23",
    "-pix_fmt", "yuv420p",
]  # fmt: skip
KEYFRAME_SECONDS = 8
"""A keyframe (where players can start decoding when seeking) at least this often, in video
time: x264's default of 250 frames at 30 fps."""
_SPARSE_X264 = [
    "-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage", "-pix_fmt", "yuv420p",
    # a constant quantizer: x264 then skips the look-ahead analysis CRF needs (1.7x less CPU);
    # 18 measured 51 dB PSNR against the page's pictures (CRF 23: 55 dB, a file 1.5x larger)
    "-qp", "18",
    # one thread: 10 % less CPU, and the browser keeps the other core busy
    "-threads", "1",
    # keyframes by video time: x264 counts only the frames that changed
    "-force_key_frames", f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})",
    # frame_num fields wide enough for every frame between two keyframes (repeats included)
    "-g", "600",
]  # fmt: skip


def codec_args(video_format: str) -> list[str]:
    """Encoder options of one output format, every frame encoded (``fps`` filter before)."""
    if video_format == "mp4":
        return [*_X264, "-movflags", "+faststart", "-f", "mp4"]
    if video_format == "webm":
        return [
            "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1",
            "-crf", "36", "-b:v", "0", "-pix_fmt", "yuv420p", "-f", "webm",
        ]  # fmt: skip
    raise ExportError(f"format: unknown video format {video_format!r}")


_PIPE_BYTES = 1 << 20
"""Kernel buffer asked for FFmpeg's stdin (Linux allows 1 MiB unprivileged; default 64 KiB): a
3 MB 1080p frame then crosses in 3 wake-ups instead of 48 — measured 500 raw 1080p frames into
FFmpeg: 1.9 -> 1.2 s of CPU (writer + reader), the wall time 2.3 -> 0.9 s."""
_F_SETPIPE_SZ: int | None = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only


def _widen_pipe(fd: int) -> None:
    """Ask for a larger pipe buffer; keep the default where the system refuses or has none."""
    if _F_SETPIPE_SZ is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, _F_SETPIPE_SZ, _PIPE_BYTES)


class _Process:
    """An FFmpeg process whose stderr is kept (its tail) for error messages."""

    def __init__(self, command: list[str], *, stdout: int | None) -> None:
        self.stderr = b""
        try:
            self.popen = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=stdout, stderr=subprocess.PIPE
            )
        except OSError as exc:
            raise ExportError(f"cannot start FFmpeg: {exc}") from exc
        if self.popen.stdin is not None:
            _widen_pipe(self.popen.stdin.fileno())
        self._thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._thread.start()

    def _read_stderr(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            self.stderr = (self.stderr + line)[-_STDERR_TAIL:]

    def wait(self) -> int:
        code = self.popen.wait()
        self._thread.join(timeout=5)
        return code

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.popen.kill()
        self.popen.wait()


class FrameEncoder:
    """Encode ``frame_count`` frames of ``width``x``height`` into ``output``.

    Call :meth:`frame` with each frame that differs from the one before (index 0 first, strictly
    increasing), then :meth:`finish`. :meth:`abort` (or leaving a ``with`` block by an exception)
    kills FFmpeg and removes the partial file: there is never half a video under ``output``.
    """

    def __init__(
        self, output: Path, *, video_format: str, width: int, height: int, frame_count: int
    ) -> None:
        self.output = output
        self.frame_count = frame_count
        self._mkv = MatroskaWriter(width, height)
        self._partial = output.with_name(output.name + ".part")
        self._last_index = -1
        self._last_image: bytes | bytearray | None = None
        self._queue: queue.Queue[bytes | bytearray | None] = queue.Queue(maxsize=_QUEUE_ITEMS)
        self._free: list[bytearray] = []  # frame buffers FFmpeg has been given: reused
        self._frame_bytes = width * height * 3 // 2
        self._write_error: BaseException | None = None
        self._processes: list[_Process] = []
        self._filler: SkipFiller | None = None
        self._pump: threading.Thread | None = None
        ffmpeg = find_ffmpeg()
        head = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
        feed = ["-f", "matroska", "-i", "pipe:0"]
        if video_format == "mp4":
            # the frames that changed, at their own times, to x264 -> raw H.264 on stdout
            self._filler = SkipFiller(frame_count)
            self._processes.append(_Process([
                *head, *feed, "-vsync", "passthrough", "-r", str(FPS),
                *_SPARSE_X264, "-f", "h264", "pipe:1",
            ], stdout=subprocess.PIPE))  # fmt: skip
            # every frame (repeats written as skipped frames) -> MP4, no re-encoding
            self._processes.append(_Process([
                *head, "-f", "h264", "-framerate", str(FPS), "-i", "pipe:0", "-c", "copy",
                "-video_track_timescale", str(FPS), "-movflags", "+faststart", "-f", "mp4",
                str(self._partial),
            ], stdout=subprocess.DEVNULL))  # fmt: skip
            self._pump = threading.Thread(target=self._pump_loop, name="h264-fill", daemon=True)
        else:
            self._processes.append(_Process([
                *head, *feed, "-vf", f"format=yuv420p,fps={FPS}",
                "-frames:v", str(frame_count), "-r", str(FPS),
                *codec_args(video_format), str(self._partial),
            ], stdout=subprocess.DEVNULL))  # fmt: skip
        self._process = self._processes[0].popen
        if self._pump is not None:
            self._pump.start()
        self._writer = threading.Thread(target=self._write_loop, name="ffmpeg-writer", daemon=True)
        self._writer.start()
        self._put(self._mkv.header())

    # -- feeding -------------------------------------------------------------------------------
    def frame(self, index: int, yuv: bytes | memoryview) -> None:
        """Frame ``index`` (and every frame after it until the next call) shows ``yuv``.

        ``yuv``: the frame's Y, U and V planes (yuv420p, width*height*3/2 bytes; any buffer, e.g.
        a numpy array: it is copied, so the caller may change it as soon as this returns).
        """
        if index <= self._last_index or index >= self.frame_count:
            raise ValueError(f"frame {index} out of order (last {self._last_index})")
        self._last_index = index
        view = memoryview(yuv).cast("B")
        if len(view) != self._frame_bytes:
            raise ValueError(f"a frame has {self._frame_bytes} bytes, not {len(view)}")
        # a buffer FFmpeg has already read, or a new one (a fresh 3 MB allocation per frame cost
        # 1.2 ms of page faults at 1080p, the copy into a used one 0.3 ms)
        image = self._free.pop() if self._free else bytearray(self._frame_bytes)
        image[:] = view
        self._last_image = image
        if self._filler is not None:
            self._filler.picture(index)
        for piece in self._mkv.frame(image, round(index * 1000 / FPS)):
            self._put(piece)

    def finish(self) -> Path:
        """Close the stream, wait for FFmpeg, move the finished file into place."""
        if self._last_image is None:
            raise ExportError("no frame was rendered")
        if self._filler is None:
            # The last image again at the end time, so FFmpeg knows how long the last frame
            # lasts (``-frames:v`` stops before it).
            for piece in self._mkv.frame(self._last_image, round(self.frame_count * 1000 / FPS)):
                self._put(piece)
        self._put(None)
        self._writer.join()
        codes = [self._processes[0].wait()]
        if self._pump is not None:
            self._pump.join()
            codes.append(self._processes[1].wait())
        if self._write_error is not None or any(codes):
            self._discard()
            detail = b" / ".join(p.stderr.strip() for p in self._processes if p.stderr.strip())
            message = detail.decode("utf-8", "replace")[-_STDERR_TAIL:]
            raise ExportError(
                f"FFmpeg failed (exit {max(codes, key=abs)}): "
                f"{message or self._write_error or 'no message'}"
            )
        os.replace(self._partial, self.output)
        return self.output

    def abort(self) -> None:
        """Stop FFmpeg and remove what it wrote."""
        for process in self._processes:
            with contextlib.suppress(OSError):
                process.popen.kill()
        if self._write_error is None:
            self._write_error = ExportError("export stopped")
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        for process in self._processes:
            process.kill()
        self._writer.join(timeout=5)
        if self._pump is not None:
            self._pump.join(timeout=5)
        self._discard()

    def __enter__(self) -> FrameEncoder:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is not None:
            self.abort()

    # -- plumbing ------------------------------------------------------------------------------
    def _put(self, data: bytes | None) -> None:
        while True:
            if self._write_error is not None and data is not None:
                detail = self._processes[0].stderr.decode("utf-8", "replace").strip()
                raise ExportError(f"FFmpeg stopped: {detail[-_STDERR_TAIL:] or self._write_error}")
            try:
                self._queue.put(data, timeout=0.5)
                return
            except queue.Full:
                exited = any(p.popen.poll() is not None for p in self._processes)
                if exited and self._write_error is None:
                    self._write_error = BrokenPipeError("FFmpeg exited early")

    def _write_loop(self) -> None:
        stdin: IO[bytes] = self._process.stdin  # type: ignore[assignment]
        try:
            while (data := self._queue.get()) is not None:
                if self._write_error is None:
                    stdin.write(data)
                if type(data) is bytearray and data is not self._last_image:
                    self._free.append(data)
        except OSError as exc:
            self._write_error = exc
            while self._queue.get() is not None:  # drain so producers never block
                pass
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def _pump_loop(self) -> None:
        """x264's stream of changed frames -> every frame -> the MP4 muxer."""
        assert self._filler is not None
        source: IO[bytes] = self._process.stdout  # type: ignore[assignment]
        sink: IO[bytes] = self._processes[1].popen.stdin  # type: ignore[assignment]
        try:
            while chunk := source.read1(1 << 20):  # type: ignore[attr-defined]
                sink.write(self._filler.feed(chunk))
            if self._write_error is None and self._process.wait() == 0:
                sink.write(self._filler.finish())
        except (OSError, NotSpliceable) as exc:
            if self._write_error is None:
                self._write_error = exc
            with contextlib.suppress(OSError):
                self._process.kill()
        finally:
            with contextlib.suppress(OSError):
                sink.close()

    def _discard(self) -> None:
        with contextlib.suppress(OSError):
            self._partial.unlink()


def concat_segments(parts: list[Path], output: Path, video_format: str) -> Path:
    """Join videos encoded with the same settings into ``output`` without re-encoding."""
    listing = output.with_name(output.name + ".txt")
    partial = output.with_name(output.name + ".part")
    listing.write_text("".join(f"file '{p.resolve()}'\n" for p in parts), encoding="utf-8")
    extra = ["-movflags", "+faststart"] if video_format == "mp4" else []
    try:
        done = subprocess.run(
            [
                find_ffmpeg(),
                "-hide_banner",
                "-loglevel",
                "error",
                "-nostdin",
                "-y",
                "-f",
                "concat",
                "-safe",
                "0",
                "-i",
                str(listing),
                "-c",
                "copy",
                *extra,
                "-f",
                video_format,
                str(partial),
            ],
            capture_output=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()[-_STDERR_TAIL:]
            raise ExportError(f"FFmpeg could not join the video's parts: {detail}")
        os.replace(partial, output)
    finally:
        listing.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return output
