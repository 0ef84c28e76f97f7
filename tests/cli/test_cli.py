"""The CLI contract, end to end: the real command on the real shared transcripts."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from served import run_vibecast
from vibecast.model import event_json_schema

Runner = Callable[..., Any]


def assert_one_line_error(result, *needles: str) -> None:
    assert result.code != 0
    assert "Traceback" not in result.err + result.out
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, result.err
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def imported(vibecast: Runner, claude_dir: Path) -> dict:
    result = vibecast("import", "--json")
    assert result.code == 0, result.err
    return result.json()


def test_import_default_location_and_reimport_is_idempotent(
    vibecast: Runner, imported: dict, claude_dir: Path
) -> None:
    transcripts = list((claude_dir / "projects").rglob("*.jsonl"))
    assert imported["files"] == len(transcripts)
    assert imported["replays_created"] >= len(transcripts)
    assert imported["events"] > 500
    listed = vibecast("list", "--json").json()
    assert len(listed) == imported["replays_created"]

    again = vibecast("import", "--json").json()
    assert again["files_skipped"] == len(transcripts)
    assert again["replays_created"] == again["replays_updated"] == 0

    forced = vibecast("import", "--force", "--json").json()
    assert forced["replays_created"] == forced["replays_updated"] == 0
    assert forced["replays_unchanged"] == imported["replays_created"]
    assert len(vibecast("list", "--json").json()) == len(listed)


def test_import_summary_is_printed(vibecast: Runner) -> None:
    result = vibecast("import")
    assert result.code == 0
    assert "replays created" in result.err and "events" in result.err


def test_list_show_stats(vibecast: Runner, imported: dict) -> None:
    replays = vibecast("list", "--json").json()
    for replay in replays:
        meta = replay["metadata"]
        assert replay["title"]
        assert meta["event_count"] > 0
        assert meta["recorded_date"].startswith("20")
    table = vibecast("list")
    assert table.code == 0
    past = vibecast("list", "--offset", str(len(replays)))
    assert past.code == 0 and past.out == ""
    assert "No replays past the first" in past.err and "vibecast import" not in past.err
    for replay in replays:
        assert replay["id"][:8] in table.out

    biggest = max(replays, key=lambda r: r["metadata"]["event_count"])
    by_prefix = vibecast("show", biggest["id"][:6], "--json").json()
    by_session = vibecast("show", biggest["session_id"], "--json").json()
    assert by_prefix == by_session
    assert by_prefix["metadata"]["tool_breakdown"]
    human = vibecast("show", biggest["id"][:6])
    assert human.code == 0 and biggest["session_id"] in human.out

    stats = vibecast("stats", "--json").json()
    assert stats["replays"] == len(replays)
    assert stats["events"] == sum(r["metadata"]["event_count"] for r in replays)
    assert 0 < stats["stored_bytes"] < stats["raw_bytes_imported"]


def test_events_window_is_valid_json_lines(vibecast: Runner, imported: dict) -> None:
    replays = vibecast("list", "--json").json()
    biggest = max(replays, key=lambda r: r["metadata"]["event_count"])
    all_lines = vibecast("events", biggest["id"]).out.splitlines()
    assert len(all_lines) == biggest["metadata"]["event_count"]
    validator = jsonschema.Draft202012Validator(event_json_schema())
    events = [json.loads(line) for line in all_lines]
    for event in events:
        validator.validate(event)
    times = [e["relative_time_ms"] for e in events]
    assert times == sorted(times)

    middle = times[len(times) // 2]
    window = vibecast(
        "events", biggest["id"], "--from", f"{middle}ms", "--to", f"{middle + 10_000}ms"
    )
    got = [json.loads(line) for line in window.out.splitlines()]
    expected = [e for e in events if middle <= e["relative_time_ms"] <= middle + 10_000]
    assert got == expected and got
    # piped into `head`, which closes the pipe early: not an error
    piped = vibecast("events", biggest["id"], pipe_to="head -1")
    assert piped.code == 0 and piped.err == ""
    assert json.loads(piped.out)["id"] == events[0]["id"]
    # the terminal player too (rich's own broken-pipe handling exited 1)
    played = vibecast("play", biggest["id"], "--instant", pipe_to="head -3")
    assert played.code == 0 and played.err == "" and len(played.out.splitlines()) == 3


def test_save_and_import_on_another_machine(
    vibecast: Runner, imported: dict, tmp_path: Path
) -> None:
    replays = vibecast("list", "--json").json()
    replay = max(replays, key=lambda r: r["metadata"]["event_count"])
    file = tmp_path / "shared.vibecast"
    saved = vibecast("save", replay["id"][:8], "-o", str(file))
    assert saved.code == 0, saved.err
    assert file.stat().st_size > 0

    other = tmp_path / "other-home"
    result = vibecast("import", str(file), "--json", home=other)
    assert result.code == 0, result.err
    assert result.json()["replays_created"] == 1, result.out
    original = vibecast("events", replay["id"]).out
    copied = vibecast("events", replay["session_id"], home=other).out
    assert copied == original
    shown = vibecast("show", replay["session_id"], "--json", home=other).json()
    assert shown["metadata"] == replay["metadata"] | {"sources": shown["metadata"]["sources"]}
    assert shown["title"] == replay["title"]
    # Importing the same file again changes nothing.
    again = vibecast("import", str(file), "--force", "--json", home=other).json()
    assert again["replays_unchanged"] == 1


def test_delete(vibecast: Runner, imported: dict) -> None:
    replays = vibecast("list", "--json").json()
    victim = replays[0]
    assert vibecast("delete", victim["id"], "-y").code == 0
    remaining = vibecast("list", "--json").json()
    assert victim["id"] not in {r["id"] for r in remaining}
    assert len(remaining) == len(replays) - 1
    assert_one_line_error(vibecast("show", victim["id"]), "error:")
    # importing again brings it back: its file is not "unchanged since the last import" when
    # what that import made is gone
    assert vibecast("import").code == 0
    again = vibecast("list", "--json").json()
    assert sorted(r["id"] for r in again) == sorted(r["id"] for r in replays)


def test_errors_are_one_line(vibecast: Runner, imported: dict, tmp_path: Path) -> None:
    assert_one_line_error(vibecast("show", "nope-not-a-replay"), "error:", "nope-not-a-replay")
    assert_one_line_error(vibecast("events", "zzzz"), "error:")
    assert_one_line_error(vibecast("import", str(tmp_path / "missing.jsonl")), "error:", "missing")
    garbage = tmp_path / "garbage.vibecast"
    garbage.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 64)
    result = vibecast("import", str(garbage))
    assert "Traceback" not in result.err
    assert "replay file is truncated or damaged" in result.err, result.err
    # A warning longer than the terminal stays one line (no hard wrap when stderr is piped).
    unknown = tmp_path / ("an-unrecognised-" + "x" * 200 + ".jsonl")
    unknown.write_text("not a transcript\n")
    unread = vibecast("import", str(unknown))
    warned = unread.err.splitlines()
    assert any(str(unknown) in line and "not a recognised format" in line for line in warned)
    # a file named on the command line that gave nothing but warnings fails the command
    assert unread.code == 1 and warned[-1] == (
        f"error: nothing could be imported from {unknown} (see the warnings above)"
    )
    # ...while a good file beside it is imported, and the command succeeds
    assert vibecast("import", "--force", str(unknown), str(garbage.parent)).code == 0
    backwards = vibecast("events", "zzzz", "--from", "1:30", "--to", "10s")
    assert backwards.code == 2 and "--from 1:30 is after --to 0:10" in backwards.err
    # export says it in the options' own terms, before any work
    backwards = vibecast("export", "zzzz", "--from", "30s", "--to", "10s")
    assert backwards.code == 2 and "--to 0:10 must be after --from 0:30" in backwards.err
    replay = vibecast("list", "--json").json()[0]
    late = vibecast("export", replay["id"], "--from", "99:00")
    assert late.code == 1 and "--from 1:39:00 is past the end (" in late.err
    mismatch = vibecast("export", replay["id"], "-o", str(tmp_path / "x.webm"), "--format", "mp4")
    assert mismatch.code == 2 and "x.webm is a .webm name, but --format is mp4" in mismatch.err
    assert not (tmp_path / "x.webm").exists()


def test_every_command_has_help(vibecast: Runner) -> None:
    for command in [
        "import",
        "list",
        "show",
        "events",
        "stats",
        "play",
        "delete",
        "save",
        "schema",
    ]:
        result = vibecast(command, "--help")
        assert result.code == 0 and "Usage:" in result.out, command


def test_empty_machine(vibecast: Runner, tmp_path: Path) -> None:
    result = vibecast("list", home=tmp_path / "empty")
    assert result.code == 0
    assert "vibecast import" in result.err
    stats = vibecast("stats", "--json", home=tmp_path / "empty").json()
    assert stats["replays"] == 0


def test_play_prints_the_session_when_piped(vibecast: Runner, imported: dict) -> None:
    replays = vibecast("list", "--json").json()
    shortest = min(replays, key=lambda r: r["metadata"]["duration_ms"])
    assert shortest["metadata"]["duration_ms"] < 60_000, "expects the 33 s /init session"
    result = vibecast("play", shortest["id"][:8], "--speed", "16")
    assert result.code == 0, result.err
    assert "/init" in result.out
    for tool in shortest["metadata"]["tool_breakdown"]:
        assert tool in result.out
    late = vibecast("play", shortest["id"][:8], "--speed", "16", "--from", "0:25")
    assert late.code == 0 and "/init" not in late.out.split("\n", 1)[1]
    assert_one_line_error(vibecast("play", shortest["id"][:8], "--from", "9:99:99"), "past the end")
    bad = vibecast("play", shortest["id"][:8], "--speed", "100")
    assert bad.code == 2 and "Traceback" not in bad.err


def test_an_error_message_prints_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    # Brackets are text, not markup: "[export]" or "[REDACTED:…]" must not vanish.
    from vibecast.cli.common import CommandError

    CommandError("needs numpy: pip install 'vibecast[export]' ([REDACTED:aws])").show()
    assert "pip install 'vibecast[export]' ([REDACTED:aws])" in capsys.readouterr().err


def test_user_option_imports_and_finds_a_users_replays(vibecast: Runner) -> None:
    """Server mode's users: `--user NAME` imports into and reads from that user's replays."""
    assert vibecast("users", "add", "alice").code == 0
    imported = vibecast("--user", "alice", "import", "--json")
    assert imported.code == 0, imported.err
    mine = vibecast("--user", "alice", "list", "--json").json()
    assert len(mine) == imported.json()["replays_created"] > 0
    assert vibecast("list", "--json").json() == []  # not the built-in local user's
    shown = vibecast("--user", "alice", "show", mine[0]["id"][:8], "--json")
    assert shown.code == 0 and shown.json()["id"] == mine[0]["id"]
    assert vibecast("show", mine[0]["id"][:8]).code == 1
    assert_one_line_error(vibecast("--user", "nobody", "list"), "no user 'nobody'")


def test_a_file_one_user_imported_is_imported_for_another(
    vibecast: Runner, claude_dir: Path
) -> None:
    """`import FILE` skips FILE when its own user imported it unchanged, never because another
    user did: each gets their replay, and the first one's is left as it was."""
    file = str(min((claude_dir / "projects").rglob("*.jsonl")))
    assert vibecast("users", "add", "alice").code == 0
    first = vibecast("import", file, "--json")
    assert first.code == 0 and first.json()["replays_created"] == 1, first.err
    [local] = vibecast("list", "--json").json()

    theirs = vibecast("--user", "alice", "import", file, "--json")
    assert theirs.code == 0, theirs.err
    assert (theirs.json()["files_skipped"], theirs.json()["replays_created"]) == (0, 1)
    [alices] = vibecast("--user", "alice", "list", "--json").json()
    assert alices["session_id"] == local["session_id"] and alices["id"] != local["id"]
    assert vibecast("list", "--json").json() == [local]

    for user in (["--user", "alice"], []):
        again = vibecast(*user, "import", file, "--json").json()
        assert (again["files_skipped"], again["replay_ids"]) == (1, []), user
    assert vibecast("--user", "alice", "list", "--json").json() == [alices]


def test_ctrl_c_during_an_import_says_what_was_kept(tmp_path: Path, shared_data: Path) -> None:
    """SIGINT mid-import printed only "Aborted!": now it says how far it got, that the files
    read are saved, and how to go on (the same command skips them)."""
    source = shared_data / "claude-code/transcripts/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl"
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(400):  # far more than are read before the interrupt
        shutil.copy(source, folder / f"copy-{n:03d}.jsonl")
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIBECAST_")}
    env["VIBECAST_HOME"] = str(home)
    proc = subprocess.Popen(
        [sys.executable, "-m", "vibecast", "import", str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    database = home / "vibecast.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until a first file is recorded as imported
        if database.exists():
            with (
                contextlib.closing(sqlite3.connect(database, timeout=5)) as db,
                contextlib.suppress(sqlite3.OperationalError),
            ):
                if db.execute("SELECT count(*) FROM import_sources").fetchone()[0]:
                    break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    match = re.search(r"Interrupted after (\d+) of 400 files: what they held is saved", err)
    assert match and 0 < int(match.group(1)) < 400, err
    assert "Traceback" not in err and "Aborted!" not in err
    resumed = run_vibecast(env, "import", str(folder))
    assert resumed.returncode == 0, resumed.stderr
    skipped = re.search(r"\((\d+) more unchanged since the last import", resumed.stderr)
    # the files read before the interrupt (one more if it came between saving a file and
    # counting it) are not read again
    assert skipped and int(match.group(1)) <= int(skipped.group(1)) <= int(match.group(1)) + 1
