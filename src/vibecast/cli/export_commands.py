"""``vibecast export`` (a video, rendered here, no server needed) and ``vibecast worker``
(server mode: render the exports queued through the API). Registered by :mod:`vibecast.cli.main`.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from vibecast.cli.common import (
    CommandError,
    Context,
    err_console,
    handle_errors,
    pass_context,
    time_option,
)
from vibecast.export.request import FORMATS, ExportRequest
from vibecast.export.timing import VideoTiming
from vibecast.export.video import export_video, load_replay_data
from vibecast.humanize import format_duration

__all__ = ["export_command", "worker_command"]


@click.command("export")
@click.argument("replay_id", metavar="ID")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to write (default: <id>.mp4 or .webm in the current directory).",
)
@click.option("--format", "video_format", type=click.Choice(list(FORMATS)),
              help="H.264 MP4 or VP9 WebM (default: -o's suffix, else mp4).")  # fmt: skip
@click.option("--resolution", type=click.Choice(["720p", "1080p"]), default="1080p",
              show_default=True)  # fmt: skip
@click.option("--speed", type=click.FloatRange(0.25, 16.0), default=1.0, show_default=True,
              help="Playback speed of the video, 0.25 to 16.")  # fmt: skip
@click.option("--idle-limit", type=click.FloatRange(min=0.001, max=86_400), metavar="S",
              help="Play any pause longer than S seconds as S seconds.")  # fmt: skip
@click.option("--from", "start", callback=time_option, metavar="T",
              help="Start at T (90, 90s, 1:30, 1500ms).")  # fmt: skip
@click.option("--to", "end", callback=time_option, metavar="T", help="End at T.")
@pass_context
@handle_errors
def export_command(
    state: Context,
    replay_id: str,
    output: Path | None,
    video_format: str | None,
    resolution: str,
    speed: float,
    idle_limit: float | None,
    start: int | None,
    end: int | None,
) -> None:
    """Export a replay as a video that looks exactly like the player (needs FFmpeg and Chromium)."""
    video_format = _format_for(output, video_format)
    if start is not None and end is not None and end <= start:
        raise click.UsageError(
            f"--to {format_duration(end)} must be after --from {format_duration(start)}"
        )
    replay = state.store.resolve_replay(replay_id, state.user_id)
    duration = replay.metadata.duration_ms
    if start and start >= duration:
        raise CommandError(
            f"--from {format_duration(start)} is past the end ({format_duration(duration)})"
        )
    request = ExportRequest.from_json(
        {
            "format": video_format,
            "resolution": resolution,
            "speed": speed,
            "idle_limit_ms": None if idle_limit is None else max(1, round(idle_limit * 1000)),
            "from_ms": start or 0,
            "to_ms": end,
        }
    ).fits(replay.metadata)
    target = output or Path(f"{replay.id[:8]}.{video_format}")
    if not target.parent.exists():
        raise CommandError(f"directory does not exist: {target.parent}")
    data = load_replay_data(state.store, replay.id)
    timing = VideoTiming(data.events, duration_ms=replay.metadata.duration_ms, request=request)
    progress = Progress(
        TextColumn("[bold]exporting"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )
    with progress:
        task = progress.add_task("export", total=1.0)
        result = export_video(
            data,
            request,
            target,
            progress=lambda fraction: progress.update(task, completed=fraction),
        )
    err_console.print(
        f"Wrote {target}: {format_duration(round(timing.duration_s * 1000))} of "
        f"{request.resolution} {request.format.upper()} at 30 fps in {result.seconds:.1f}s "
        f"({result.captured} of {result.frames} frames drawn).",
        highlight=False,
        markup=False,
    )


def _format_for(output: Path | None, chosen: str | None) -> str:
    """The video format: ``--format``, else the output's suffix, else mp4; a suffix that names
    the other format is refused (a WebM named .mp4 would not play)."""
    suffix = output.suffix.lower().lstrip(".") if output else ""
    if chosen is None:
        return suffix if suffix in FORMATS else "mp4"
    if suffix in FORMATS and suffix != chosen:
        raise click.UsageError(f"-o {output.name} is a .{suffix} name, but --format is {chosen}")
    return chosen


@click.command("worker")
@click.option("--concurrency", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Exports this worker renders at once (one per 2 cores).")  # fmt: skip
@click.option("--name", help="Worker name in job records (default: worker@host:pid).")
@pass_context
@handle_errors
def worker_command(state: Context, concurrency: int, name: str | None) -> None:
    """Server mode: render the video exports queued through the API (until Ctrl+C).

    Run as many as you like, on any machine that reaches the PostgreSQL database and shares the
    exports directory ($VIBECAST_EXPORTS_DIR, default $VIBECAST_HOME/exports). A job whose
    worker dies is taken over by another.
    """
    from vibecast.export.pg_queue import run_worker

    _log_to_stderr()
    run_worker(state.settings, name=name, concurrency=concurrency)


def _log_to_stderr() -> None:
    """The worker's log on stderr, a timestamped line each: vibecast's from INFO (each job's
    start and end, takeovers), everything else's (procrastinate, psycopg) from WARNING."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("vibecast").setLevel(logging.INFO)
