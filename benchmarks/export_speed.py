"""Video export speed: render wall time / video duration at 1080p30 and 720p30, per transcript.

Target (issue 6): median <= 0.1 (10x faster than realtime) on the 2-core machine, H.264 MP4,
speed 1, no idle limit (the video lasts as long as the replay). Each shared transcript is imported
through the real pipeline and exported by the real exporter (Chromium drawing the player's export
page, FFmpeg encoding); to keep a run bounded, each export covers the first ``--seconds`` of the
replay (default 30 s; ``--seconds 0`` exports whole replays).

Peak memory is the largest footprint seen of this process plus every process it started (the
Playwright driver, Chromium and its helpers, FFmpeg), from /proc: PSS (each shared page
divided among the processes sharing it: the real footprint; reading it costs ~35 ms of CPU, so
it is read every 3 s and at each new peak of the RSS) and RSS summed per process every 0.25 s
(shared pages counted once per process: it overstates). CPU per video
second (this process and its finished descendants) is printed too: on a busy machine the wall
time says more about the neighbours than about the exporter.

    python benchmarks/export_speed.py [--seconds 30] [--resolutions 1080p,720p] [--only NAME]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import threading
from pathlib import Path

from _common import TRANSCRIPTS, temp_store, verdict
from vibecast.export.request import ExportRequest
from vibecast.export.video import export_video, load_replay_data
from vibecast.pipeline import import_paths

TARGET = 0.1


def _tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    return pids


def _tree_rss(pids: list[int]) -> int:
    """Resident bytes of ``pids`` summed per process (/proc/PID/statm: cheap)."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return total


def _tree_pss(pids: list[int]) -> int:
    """Proportional bytes of ``pids`` (/proc/PID/smaps_rollup: ~35 ms of CPU for Chromium's
    tree, so sampled rarely)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError):
            continue
    return total


class PeakMemory:
    """The largest memory of this process tree seen: RSS summed per process every 0.25 s (it
    counts the pages Chromium's processes share once per process, so it overstates), and PSS
    (each shared page divided among its sharers: the real footprint) every 3 s and when the RSS
    reaches a new peak (at most once a second), as reading it costs ~35 ms of CPU."""

    RSS_EVERY_S = 0.25
    PSS_EVERY = 12  # RSS samples

    def __init__(self) -> None:
        self.peak_rss = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        since_pss = self.PSS_EVERY
        while not self._stop.wait(self.RSS_EVERY_S):
            pids = _tree_pids(os.getpid())
            rss = _tree_rss(pids)
            rising = rss > self.peak_rss * 1.02  # a new peak: PSS now, at most once a second
            self.peak_rss = max(self.peak_rss, rss)
            since_pss += 1
            if since_pss >= self.PSS_EVERY or (rising and since_pss >= 4):
                self.peak_pss = max(self.peak_pss, _tree_pss(pids))
                since_pss = 0

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> float:
    """User + system CPU of this process and of its finished descendants (Chromium, FFmpeg...)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--resolutions", default="1080p,720p")
    parser.add_argument(
        "--only", default="", help="only transcripts whose file name contains this (for profiling)"
    )
    args = parser.parse_args()
    resolutions = args.resolutions.split(",")
    ratios: dict[str, list[float]] = {r: [] for r in resolutions}
    cpus: dict[str, list[float]] = {r: [] for r in resolutions}
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores)")
    with (
        temp_store() as (store, settings),
        tempfile.TemporaryDirectory() as out,
        PeakMemory() as mem,
    ):
        for path in [p for p in TRANSCRIPTS if args.only in p.name]:
            summary = import_paths(store, settings, [path], force=True)
            for replay_id in summary.replay_ids:
                data = load_replay_data(store, replay_id)
                duration = data.replay.metadata.duration_ms
                to_ms = duration if args.seconds <= 0 else min(duration, round(args.seconds * 1000))
                for resolution in resolutions:
                    request = ExportRequest(resolution=resolution, to_ms=max(1, to_ms))
                    cpu_before = cpu_seconds()
                    result = export_video(data, request, Path(out) / f"{replay_id}.mp4")
                    cpu = (cpu_seconds() - cpu_before) / result.duration_s
                    ratio = result.seconds / result.duration_s
                    ratios[resolution].append(ratio)
                    cpus[resolution].append(cpu)
                    print(
                        f"{path.name[:36]:36} {resolution:>5}: {result.duration_s:6.1f} s of video "
                        f"in {result.seconds:6.1f} s -> {ratio:5.2f} "
                        f"(CPU {cpu:4.2f} s per video s; "
                        f"{result.captured}/{result.frames} frames differ)",
                        flush=True,
                    )
    for resolution, values in ratios.items():
        median = statistics.median(values)
        print(
            f"median wall/video at {resolution}30: {median:.2f} (target <= {TARGET}) "
            f"{verdict(median <= TARGET)}; median CPU per video second "
            f"{statistics.median(cpus[resolution]):.2f} s (2 cores: wall >= CPU / 2)"
        )
    print(
        f"peak memory (this process + Chromium + FFmpeg): {mem.peak_pss / 2**20:.0f} MiB "
        f"proportional (PSS), {mem.peak_rss / 2**20:.0f} MiB resident summed per process (RSS)"
    )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
