"""The ``vibecast`` command line: import, list, show, events, stats, play, delete, save.

Every command prints one clear line and exits non-zero on error; a traceback is shown only with
``VIBECAST_DEBUG=1``.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import msgspec
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from vibecast import __version__
from vibecast.cli.common import (
    Column,
    CommandError,
    Context,
    err_console,
    handle_errors,
    out_console,
    pass_context,
    print_table,
    time_option,
)
from vibecast.humanize import format_bytes, format_duration, plural
from vibecast.model import Replay, ReplayStatus, encode_event, event_json_schema

if TYPE_CHECKING:
    from vibecast.pipeline import ImportSummary

__all__ = ["cli", "main"]

# Commands defined in other modules, imported only when run (or listed by --help): serve pulls in
# FastAPI, record the capture recorder, export the video pipeline — half a second that every
# other command, even `--version`, paid before (tests/cli/test_cli_polish.py keeps it so).
_LAZY_COMMANDS = {
    "hooks": "vibecast.cli.capture_commands:hooks_group",
    "record": "vibecast.cli.capture_commands:record_command",
    "serve": "vibecast.cli.serve_command:serve_command",
    "users": "vibecast.cli.server_commands:users_group",
    "tokens": "vibecast.cli.server_commands:tokens_group",
    "export": "vibecast.cli.export_commands:export_command",
    "worker": "vibecast.cli.export_commands:worker_command",
}


class _LazyGroup(click.Group):
    """A group whose :data:`_LAZY_COMMANDS` are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, name = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), name)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vibecast")
@click.option(
    "--user",
    "user_name",
    envvar="VIBECAST_USER",
    metavar="NAME",
    help="Server mode: whose replays to import, list, play, export or delete "
    "(default: the built-in 'local').",
)
@click.pass_context
def cli(ctx: click.Context, user_name: str | None) -> None:
    """Record Claude Code sessions and replay them like a video.

    Start with `vibecast import` (every session under ~/.claude/projects), then `vibecast list`
    and `vibecast play ID`. ID is a replay id, a unique prefix of one, or a Claude session id.
    """
    state = Context(user_name)
    ctx.obj = state
    ctx.call_on_close(state.close)


# -- import ---------------------------------------------------------------------------------


def _print_summary(summary: ImportSummary, verbose: bool) -> None:
    read = plural(summary.files - summary.files_skipped, "file")
    if summary.files_skipped:
        read += f" ({summary.files_skipped} more unchanged since the last import, skipped)"
    parts = [
        plural(summary.replays_created, "replay") + " created",
        f"{summary.replays_updated} updated",
    ]
    if summary.replays_unchanged:
        parts.append(f"{summary.replays_unchanged} unchanged")
    parts.append(plural(summary.events, "event") + " added")
    parts.append(plural(len(summary.issues), "warning"))
    err_console.print(f"Imported {read}: " + ", ".join(parts) + f" in {summary.seconds:.1f}s.")
    if summary.redactions:
        kinds = ", ".join(f"{kind} ×{n}" for kind, n in summary.redactions.most_common())
        err_console.print(f"Redacted before storage: {kinds}.")
    shown = summary.issues if verbose else summary.issues[:10]
    for issue in shown:
        err_console.print(f"[yellow]warning:[/] {escape(str(issue))}", markup=True, highlight=False)
    if len(shown) < len(summary.issues):
        err_console.print(f"… and {len(summary.issues) - len(shown)} more (use --verbose).")


@cli.command("import")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Re-read files even if unchanged since last import.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("-v", "--verbose", is_flag=True, help="Show every warning.")
@pass_context
@handle_errors
def import_command(
    state: Context, paths: tuple[Path, ...], force: bool, as_json: bool, verbose: bool
) -> None:
    """Import sessions: transcripts, hook captures, Vibecraft logs or saved replay files.

    With no PATH, imports every Claude Code session under ~/.claude/projects (or
    $CLAUDE_CONFIG_DIR/projects) and Vibecraft's ~/.vibecraft/data/events.jsonl. Importing again
    updates replays instead of duplicating them.
    """
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from vibecast.pipeline import import_paths

    missing = [p for p in paths if not p.exists()]
    if missing:
        raise CommandError(f"no such file or directory: {missing[0]}")
    progress = Progress(
        TextColumn("[bold]importing"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[name]}"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )
    counts = {"files": 0, "done": 0}
    with progress:
        task = progress.add_task("import", total=None, name="")

        def on_files(files: list[Path]) -> None:
            counts["files"] = len(files)
            total = 0
            for file in files:
                with contextlib.suppress(OSError):
                    total += file.stat().st_size
            progress.update(task, total=total)

        def advance(path: Path, size: int) -> None:
            counts["done"] += 1
            progress.update(task, advance=size, name=path.name[:40])

        try:
            summary = import_paths(
                state.store,
                state.settings,
                list(paths),
                force=force,
                user_id=state.user_id,
                progress=advance,
                on_files=on_files,
            )
        except KeyboardInterrupt:
            # Each file is saved whole or not at all, and an unchanged one is skipped next time.
            progress.stop()
            err_console.print(
                f"Interrupted after {counts['done']} of {plural(counts['files'], 'file')}: "
                "what they held is saved. Run the same command again to import the rest."
            )
            raise SystemExit(130) from None
    if as_json:
        out = {
            "files": summary.files,
            "files_skipped": summary.files_skipped,
            "bytes_read": summary.bytes_read,
            "replays_created": summary.replays_created,
            "replays_updated": summary.replays_updated,
            "replays_unchanged": summary.replays_unchanged,
            "events": summary.events,
            "warnings": [str(issue) for issue in summary.issues],
            "redactions": dict(summary.redactions),
            "replay_ids": summary.replay_ids,
            "seconds": round(summary.seconds, 3),
        }
        click.echo(json.dumps(out, indent=2))
    if summary.files == 0 and not paths:
        err_console.print(
            f"No sessions found under {state.settings.claude_projects_dir} "
            "(set CLAUDE_CONFIG_DIR, or pass files or directories to import)."
        )
    _print_summary(summary, verbose)
    if paths and summary.issues and not summary.outcomes and not summary.files_skipped:
        # Files named on the command line that gave nothing but warnings: a script must see it.
        named = str(paths[0]) if len(paths) == 1 else f"the {len(paths)} paths given"
        raise CommandError(f"nothing could be imported from {named} (see the warnings above)")


# -- browsing --------------------------------------------------------------------------------


def _replay_json(replay: Replay) -> dict[str, Any]:
    return msgspec.to_builtins(replay)


_RECORDING_MARK = "● REC "
"""Before the title of a replay live capture is still recording (status ``recording``), as a
camera shows it."""

_LIST_COLUMNS = [
    Column("ID"),
    Column("DATE", drop=4),
    Column("DURATION", "right", drop=3),
    Column("EVENTS", "right", drop=2),
    Column("FILES", "right", drop=1),
    Column("TITLE", flexible=True),
]


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON array of replays on stdout.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--offset", default=0, type=click.IntRange(0))
@pass_context
@handle_errors
def list_command(state: Context, as_json: bool, limit: int, offset: int) -> None:
    """List replays, newest first."""
    replays = state.store.list_replays(state.user_id, limit=limit, offset=offset)
    if as_json:
        click.echo(json.dumps([_replay_json(r) for r in replays], indent=2))
        return
    if not replays:
        err_console.print(
            f"No replays past the first {offset}: try a smaller --offset."
            if offset
            else "No replays yet. Run `vibecast import` to import your Claude Code sessions."
        )
        return
    rows: list[list[str | Text]] = []
    for replay in replays:
        meta = replay.metadata
        title = Text(replay.title or meta.session_name or "(untitled)")
        if replay.status == ReplayStatus.RECORDING:
            title = Text.assemble((_RECORDING_MARK, "bold red"), title)
        rows.append(
            [
                replay.id[:8],
                meta.recorded_date[:16].replace("T", " "),
                format_duration(meta.duration_ms),
                str(meta.event_count),
                str(len(meta.files_touched)),
                title,
            ]
        )
    print_table(_LIST_COLUMNS, rows)


_STATUS_LINES = {
    ReplayStatus.RECORDING: "recording (live capture is still recording this session)",
    ReplayStatus.COMPLETE: "complete",
}


@cli.command("show")
@click.argument("replay_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="The replay and its metadata as JSON.")
@pass_context
@handle_errors
def show_command(state: Context, replay_id: str, as_json: bool) -> None:
    """Show a replay's metadata."""
    replay = state.store.resolve_replay(replay_id, state.user_id)
    if as_json:
        click.echo(json.dumps(_replay_json(replay), indent=2))
        return
    meta = replay.metadata
    rows = [
        ("Title", replay.title or meta.session_name),
        ("Replay", replay.id),
        ("Session", replay.session_id),
        ("Recorded", meta.recorded_date),
        ("Status", _STATUS_LINES.get(replay.status, replay.status)),
        ("Duration", format_duration(meta.duration_ms)),
        ("Events", str(meta.event_count)),
        ("Prompts", str(meta.prompt_count)),
        ("Errors", str(meta.error_count)),
        ("Subagents", str(meta.subagent_count)),
        ("Model", meta.model or "-"),
        ("Directory", meta.cwd or "-"),
        ("Git branch", meta.git_branch or "-"),
        ("Claude Code", meta.claude_version or "-"),
    ]
    if meta.token_usage:
        rows.append(("Tokens", ", ".join(f"{k} {v:,}" for k, v in meta.token_usage.items())))
    if meta.tool_breakdown:
        tools = sorted(meta.tool_breakdown.items(), key=lambda kv: (-kv[1], kv[0]))
        rows.append(("Tools", ", ".join(f"{name} ×{n}" for name, n in tools)))
    rows.append(("Files", f"{len(meta.files_touched)}"))
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(key, Text(value))  # text, not markup: a title may hold [brackets]
    out_console.print(table)
    for path in meta.files_touched[:20]:
        out_console.print(f"  {path}", highlight=False, markup=False)
    if len(meta.files_touched) > 20:
        out_console.print(f"  … and {len(meta.files_touched) - 20} more")


@cli.command("events")
@click.argument("replay_id", metavar="ID")
@click.option("--from", "from_ms", callback=time_option, metavar="T",
              help="Start at T from the replay's start (90, 90s, 1:30, 1500ms).")  # fmt: skip
@click.option("--to", "to_ms", callback=time_option, metavar="T", help="End at T (included).")
@pass_context
@handle_errors
def events_command(state: Context, replay_id: str, from_ms: int | None, to_ms: int | None) -> None:
    """Print a replay's RecordedEvents as JSON lines (see docs/event-schema.json)."""
    if from_ms is not None and to_ms is not None and from_ms > to_ms:
        raise click.UsageError(
            f"--from {format_duration(from_ms)} is after --to {format_duration(to_ms)}"
        )
    replay = state.store.resolve_replay(replay_id, state.user_id)
    out = sys.stdout.buffer
    for event in state.store.read_events(replay.id, from_ms, to_ms):
        out.write(encode_event(event) + b"\n")
    out.flush()


@cli.command("stats")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
@pass_context
@handle_errors
def stats_command(state: Context, as_json: bool) -> None:
    """Totals: replays, events, bytes stored and bytes imported."""
    stats = state.store.stats()
    if as_json:
        click.echo(json.dumps(msgspec.to_builtins(stats), indent=2))
        return
    ratio = (
        f" ({stats.stored_bytes / stats.raw_bytes_imported:.1%} of imported)"
        if stats.raw_bytes_imported
        else ""
    )
    out_console.print(
        f"{stats.replays} replays, {stats.events} events, "
        f"{format_bytes(stats.stored_bytes)} stored{ratio}, "
        f"{format_bytes(stats.raw_bytes_imported)} imported",
        highlight=False,
    )
    out_console.print(f"Database: {state.settings.database_url}", highlight=False, markup=False)


# -- playing, deleting, saving -----------------------------------------------------------------


@cli.command("play")
@click.argument("replay_id", metavar="ID")
@click.option(
    "--speed",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.25, 16.0),
    help="Playback speed, 0.25 to 16.",
)
@click.option(
    "--from",
    "start",
    callback=time_option,
    metavar="T",
    help="Start at T (90, 90s, 1:30, 1500ms).",
)
@click.option(
    "--idle-limit",
    type=click.FloatRange(min=0.1),
    metavar="S",
    help="Play any pause longer than S seconds as S seconds.",
)
@click.option("--instant", is_flag=True, help="Print every event at once, without timing.")
@pass_context
@handle_errors
def play_command(
    state: Context,
    replay_id: str,
    speed: float,
    start: int | None,
    idle_limit: float | None,
    instant: bool,
) -> None:
    """Play a replay in the terminal (space pause, ←/→ 10 s, ,/. step, +/- speed, q quit)."""
    from vibecast.player.terminal import play_in_terminal

    store = state.store
    replay = store.resolve_replay(replay_id, state.user_id)
    duration = replay.metadata.duration_ms
    start = start or 0
    if start > duration:
        raise CommandError(
            f"--from {format_duration(start)} is past the end ({format_duration(duration)})"
        )

    def load(from_ms: int, to_ms: int) -> list:
        return store.read_events(replay.id, from_ms, to_ms)

    play_in_terminal(
        load,
        title=replay.title or replay.metadata.session_name,
        duration_ms=duration,
        speed=0 if instant else speed,
        start_ms=start,
        idle_limit_ms=None if idle_limit is None else round(idle_limit * 1000),
        console=out_console,
    )


@cli.command("delete")
@click.argument("replay_id", metavar="ID")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_context
@handle_errors
def delete_command(state: Context, replay_id: str, yes: bool) -> None:
    """Delete a replay and everything stored for it."""
    from vibecast.export.outputs import delete_replay_and_files, exports_dir

    replay = state.store.resolve_replay(replay_id, state.user_id)
    title = replay.title or replay.metadata.session_name
    if not yes and sys.stdin.isatty():
        click.confirm(f"Delete replay {replay.id[:8]} “{title}”?", abort=True)
    delete_replay_and_files(state.store, exports_dir(state.settings), replay.id)
    err_console.print(f"Deleted replay {replay.id[:8]} “{title}”.", highlight=False, markup=False)


@cli.command("save")
@click.argument("replay_id", metavar="ID")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to write (default: <id>.vibecast in the current directory).",
)
@pass_context
@handle_errors
def save_command(state: Context, replay_id: str, output: Path | None) -> None:
    """Save a replay to a portable file that `vibecast import FILE` reads on any machine."""
    from vibecast.replayfile import attachment_blobs, write_replay_file

    store = state.store
    replay = store.resolve_replay(replay_id, state.user_id)
    events = store.read_events(replay.id)
    blobs = attachment_blobs(events, store.get_blob)
    target = output or Path(f"{replay.id[:8]}.vibecast")
    if target.parent and not target.parent.exists():
        raise CommandError(f"directory does not exist: {target.parent}")
    size = write_replay_file(target, replay, events, blobs)
    err_console.print(
        f"Saved {len(events)} events to {target} ({format_bytes(size)}).",
        highlight=False,
        markup=False,
    )


@cli.command("schema")
@handle_errors
def schema_command() -> None:
    """Print the JSON Schema of a RecordedEvent (the same as docs/event-schema.json)."""
    click.echo(json.dumps(event_json_schema(), indent=2))


def main() -> None:
    cli(prog_name="vibecast")
