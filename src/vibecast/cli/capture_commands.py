"""``vibecast hooks install|uninstall|status`` and ``vibecast record``: live capture commands.

Registered on the main group by :mod:`vibecast.cli.main`. Errors are one line and exit 1, like
every other command.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from pathlib import Path
from types import FrameType
from typing import Any

import click

from vibecast.capture import (
    CapturePaths,
    build_hook_program,
    install_hooks,
    settings_path,
    settings_status,
    uninstall_hooks,
)
from vibecast.capture.lock import lock_holder, running_recorder_pid
from vibecast.capture.program import installed_program
from vibecast.capture.segments import spool_waiting
from vibecast.cli.common import Context, handle_errors, pass_context
from vibecast.config import Settings, load_settings

__all__ = ["hooks_group", "record_command"]


def _home_relative(path: Path) -> str:
    home = str(Path.home())
    text = str(path)
    return "~" + text[len(home) :] if text.startswith(home + os.sep) else text


_project_option = click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    help="Use DIR/.claude/settings.json instead of the user's settings.",
    metavar="DIR",
)


@click.group("hooks")
def hooks_group() -> None:
    """Install, remove or inspect the capture hooks in Claude Code's settings."""


@hooks_group.command("install")
@_project_option
@click.option(
    "--hook-form",
    type=click.Choice(["auto", "c", "script"]),
    default="auto",
    show_default=True,
    help="The hook program: compiled C (fastest), a shell script, or C when a compiler works.",
)
@handle_errors
def install_command(project: Path | None, hook_form: str) -> None:
    """Record every Claude Code session from now on.

    Builds the hook program, then adds it to settings.json for every hook event (after a
    timestamped backup; other tools' hooks are left alone; running it twice changes nothing).
    """
    settings = load_settings()
    paths = CapturePaths.from_settings(settings)
    program = build_hook_program(paths, hook_form)
    form = "compiled C" if program.form == "c" else "shell script"
    click.echo(f"Hook program: {_home_relative(program.path)} ({form})")
    if program.form == "script" and hook_form == "auto":
        click.echo(
            "  No working C compiler: the script form costs the agent a few ms per event; "
            "install cc and run this again for the fast form."
        )
    target = settings_path(settings, project)
    result = install_hooks(target, program.command, paths)
    line = f"{_home_relative(target)}: {result.message}"
    if result.backup is not None:
        line += f" (backup: {_home_relative(result.backup)})"
    click.echo(line)
    if running_recorder_pid(paths.lock) is None:
        click.echo(
            "The recorder is not running: events wait in the spool, not yet redacted (readable "
            "by you alone), until `vibecast record` (or `vibecast serve`) starts."
        )


@hooks_group.command("uninstall")
@_project_option
@handle_errors
def uninstall_command(project: Path | None) -> None:
    """Remove vibecast's hooks (the file is restored byte for byte if nothing else changed)."""
    settings = load_settings()
    paths = CapturePaths.from_settings(settings)
    target = settings_path(settings, project)
    result = uninstall_hooks(target, paths)
    line = f"{_home_relative(target)}: {result.message}"
    if result.backup is not None:
        line += f" (backup: {_home_relative(result.backup)})"
    click.echo(line)
    waiting, _ = spool_waiting(paths.spool, paths.progress)
    if waiting:
        click.echo(f"{waiting} captured events still wait in the spool for `vibecast record`.")


def _hook_errors(paths: CapturePaths) -> tuple[int, str | None]:
    try:
        lines = paths.hook_log.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return 0, None
    return len(lines), (lines[-1] if lines else None)


def _status(settings: Settings, project: Path | None) -> dict[str, Any]:
    paths = CapturePaths.from_settings(settings)
    files = [settings_path(settings, None)]
    if project is not None:
        files.append(settings_path(settings, project))
    waiting, oldest_us = spool_waiting(paths.spool, paths.progress)
    errors, last_error = _hook_errors(paths)
    try:
        rejected = sum(1 for item in paths.rejected.iterdir() if item.is_file())
    except FileNotFoundError:
        rejected = 0
    report: dict[str, Any] = {"settings": [], "recorder": {}, "spool": {}, "hook_errors": {}}
    for path in files:
        status = settings_status(path)
        programs = [installed_program(command) for command in status.commands]
        report["settings"].append(
            {
                "path": str(path),
                "exists": status.exists,
                "events": status.events,
                "missing": status.missing,
                "commands": status.commands,
                "programs_present": [bool(p and os.access(p, os.X_OK)) for p in programs],
                "error": status.error,
            }
        )
    pid = running_recorder_pid(paths.lock)
    report["recorder"] = {"running": pid is not None, "pid": pid}
    # A `vibecast serve` that does not record: waiting for the recorder above to stop, or in
    # server mode without --user NAME. Says why in its own words.
    standby = lock_holder(paths.standby)
    report["standby"] = None if standby is None else {"pid": standby.pid, "note": standby.note}
    report["spool"] = {
        "path": str(paths.spool),
        "events": waiting,
        "oldest_ms": oldest_us // 1000 if oldest_us is not None else None,
        "rejected": rejected,
    }
    report["hook_errors"] = {"path": str(paths.hook_log), "count": errors, "last": last_error}
    return report


def _print_status(report: dict[str, Any]) -> None:
    for entry in report["settings"]:
        where = _home_relative(Path(entry["path"]))
        if entry["error"]:
            click.echo(f"{where}: {entry['error']}")
            continue
        total = len(entry["events"]) + len(entry["missing"])
        if not entry["events"]:
            click.echo(f"{where}: capture hooks not installed")
            continue
        click.echo(f"{where}: capture hooks on {len(entry['events'])}/{total} events")
        if entry["missing"]:
            click.echo(f"  missing: {', '.join(entry['missing'])} (run `vibecast hooks install`)")
        for command, present in zip(entry["commands"], entry["programs_present"], strict=True):
            note = "" if present else "  [program missing: run `vibecast hooks install`]"
            click.echo(f"  command: {command}{note}")
    recorder = report["recorder"]
    click.echo(
        f"Recorder: running (pid {recorder['pid']})"
        if recorder["running"]
        else "Recorder: not running"
    )
    if report["standby"] is not None:
        click.echo(f"  {report['standby']['note']}")
    spool = report["spool"]
    line = f"Spool: {spool['events']} events waiting"
    if spool["oldest_ms"] is not None:
        age = max(0.0, time.time() - spool["oldest_ms"] / 1000)
        line += f" (oldest {age:.0f} s ago)"
    if spool["rejected"]:
        line += f"; {spool['rejected']} rejected (see capture/rejected)"
    click.echo(line)
    if spool["events"] and not recorder["running"]:
        click.echo(
            "  They are not redacted until recorded: start `vibecast record` (or `vibecast serve`)."
        )
    errors = report["hook_errors"]
    if errors["count"]:
        click.echo(f"Hook errors: {errors['count']} (last: {errors['last']})")
    else:
        click.echo("Hook errors: none")


@hooks_group.command("status")
@_project_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@handle_errors
def status_command(project: Path | None, as_json: bool) -> None:
    """What is installed, whether the recorder runs, how many events wait in the spool."""
    report = _status(load_settings(), project)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        _print_status(report)


def _configure_logging(paths: CapturePaths, verbose: bool) -> None:
    """Warnings (everything with -v) on stderr, everything in capture/recorder.log."""
    logger = logging.getLogger("vibecast.capture")
    logger.setLevel(logging.INFO)
    for handler in [h for h in logger.handlers if getattr(h, "vibecast_record", False)]:
        logger.removeHandler(handler)
        handler.close()
    console = logging.StreamHandler()
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    paths.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    logfile = logging.FileHandler(paths.recorder_log, encoding="utf-8")
    logfile.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for handler in (console, logfile):
        handler.vibecast_record = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


@click.command("record")
@click.option(
    "--follow-vibecraft",
    "follow",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[FILE]",
    help="Also record what Vibecraft appends to its event log (default "
    "~/.vibecraft/data/events.jsonl).",
)
@click.option("--once", is_flag=True, help="Record what is spooled now, then exit.")
@click.option(
    "--no-transcripts", is_flag=True, help="Do not fill recordings in from session transcripts."
)
@click.option(
    "--flush-interval",
    type=click.FloatRange(0.05, 3600),
    default=5.0,
    show_default=True,
    help="Seconds between commits of buffered events.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log every commit and warning to stderr.")
@pass_context
@handle_errors
def record_command(
    state: Context,
    follow: str | None,
    once: bool,
    no_transcripts: bool,
    flush_interval: float,
    verbose: bool,
) -> None:
    """Run the recorder: captured hook events become replays as they happen.

    Runs until interrupted (Ctrl-C or SIGTERM), committing every 5 s; `vibecast serve` runs the
    same recorder in the background. Events captured while no recorder runs wait in the spool
    and are recorded, in order, when one starts.
    """
    settings = state.settings
    paths = CapturePaths.from_settings(settings)
    _configure_logging(paths, verbose)
    vibecraft = None
    if follow is not None:
        vibecraft = Path(follow).expanduser() if follow else settings.vibecraft_events_file
    from vibecast.capture.recorder import Recorder

    recorder = Recorder(
        settings,
        flush_interval=flush_interval,
        follow_vibecraft=vibecraft,
        fill_from_transcripts=not no_transcripts,
        user_id=state.user_id,
        # Opened here: a store that cannot be opened (no server, no role) is one line and exit
        # 1 before any work, not a traceback per pass and "Recorded 0 captured events".
        store=state.store,
    )
    if once:
        stats = recorder.drain()
    else:

        def _stop(_signum: int, _frame: FrameType | None) -> None:
            recorder.request_stop()

        previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        click.echo(f"Recording (spool {_home_relative(paths.spool)}); Ctrl-C to stop.", err=True)
        try:
            recorder.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        stats = recorder.stats
    click.echo(
        f"Recorded {stats.committed_files} captured events ({stats.new_events} new in the "
        f"store, {stats.commits} commits, {stats.rejected} rejected).",
        err=True,
    )
