"""The command line as a QA walk-through met it: startup time, tables piped and on a terminal,
token commands, import warnings, and a replay still recording."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from vibecast.capture import CapturePaths, SpoolWriter
from vibecast.capture.spool import HOOK
from vibecast.config import load_settings
from vibecast.store import open_store
from vibecast.store.base import ApiToken

Runner = Callable[..., Any]
DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")


@pytest.fixture
def replays(vibecast: Runner) -> list[dict]:
    assert vibecast("import").code == 0
    return vibecast("list", "--json").json()


def _imported_modules(vibecast: Runner, *args: str) -> set[str]:
    result = vibecast(*args, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert result.code == 0, result.err
    return {line.rsplit("|", 1)[-1].strip() for line in result.err.splitlines() if "|" in line}


def test_commands_that_need_no_server_do_not_import_it(vibecast: Runner, replays) -> None:
    """FastAPI and the web app cost half a second: only `serve` loads them."""
    heavy = {"fastapi", "uvicorn", "vibecast.server.app"}
    for args in (
        ["--version"],
        ["--help"],  # lists serve, record and export without loading them
        ["list"],
        ["show", replays[0]["id"][:8]],
        ["users", "list"],
    ):
        modules = _imported_modules(vibecast, *args)
        assert "click" in modules  # the import profile is read
        assert not heavy & modules, args
    help_modules = _imported_modules(vibecast, "--help")
    assert "vibecast.capture.recorder" not in help_modules  # nor the recorder's pipeline
    assert "vibecast.pipeline" not in help_modules


def test_list_piped_is_one_whole_line_per_replay(vibecast: Runner, replays) -> None:
    """Piped (a script, grep), nothing is cut or wrapped, whatever COLUMNS says."""
    out = vibecast("list", env={"COLUMNS": "40"}).out
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "DATE", "DURATION", "EVENTS", "FILES", "TITLE"]
    assert len(lines) == len(replays) + 1
    for line, replay in zip(lines[1:], replays, strict=True):
        assert line.startswith(replay["id"][:8] + " ")
        assert line.endswith("  " + replay["title"])
        assert "…" not in line.replace(replay["title"], "")


@pytest.mark.parametrize("columns", [40, 60, 80])
def test_list_on_a_terminal_cuts_titles_never_ids(vibecast: Runner, replays, columns) -> None:
    out = vibecast("list", terminal=columns).out
    lines = out.splitlines()
    assert len(lines) == len(replays) + 1, out  # nothing wrapped
    assert lines[0].startswith("ID ") and lines[0].endswith("TITLE")
    for line, replay in zip(lines[1:], replays, strict=True):
        assert cell_len(line) <= columns, line
        assert line.startswith(replay["id"][:8] + "  ")
        shown = line.split("  ")[-1]
        assert shown == replay["title"] or (
            shown.endswith("…") and replay["title"].startswith(shown[:-1].rstrip())
        )
    cut = [line for line in lines if line.endswith("…")]
    assert cut if columns < 80 else True
    if columns >= 60:
        assert all(DATE.search(line) for line in lines[1:])  # dates stay, whole


def test_a_replay_still_recording_is_marked(vibecast: Runner, tmp_path: Path, replays) -> None:
    spool = CapturePaths.from_settings(load_settings({"VIBECAST_HOME": str(tmp_path / "home")}))
    prompt = "fix the [live] bug in [bold]main[/bold]"  # text, not markup
    payload = {"hook_event_name": "UserPromptSubmit", "session_id": "live-1", "prompt": prompt}
    SpoolWriter(spool.spool).write(json.dumps(payload).encode(), HOOK)
    assert vibecast("record", "--once").code == 0

    live = vibecast("list", "--json").json()[0]
    assert live["status"] == "recording" and live["title"] == prompt
    lines = vibecast("list").out.splitlines()
    assert lines[1].startswith(live["id"][:8]) and lines[1].endswith(f"  ● REC {prompt}")
    assert not any("● REC" in line for line in lines[2:])  # the imported ones are complete
    on_terminal = vibecast("list", terminal=60).out.splitlines()
    assert "● REC fix the [live]" in on_terminal[1]

    shown = vibecast("show", "live-1").out
    assert re.search(r"^Status +recording \(live capture", shown, re.M)
    assert re.search(rf"^Title +{re.escape(prompt)} *$", shown, re.M)
    assert re.search(r"^Status +complete *$", vibecast("show", replays[0]["id"]).out, re.M)


def test_users_list_shows_no_date_for_the_built_in_user(vibecast: Runner) -> None:
    assert vibecast("users", "add", "alice").code == 0
    out = vibecast("users", "list").out
    local = next(line for line in out.splitlines() if line.startswith("local "))
    assert local.split() == ["local", "local", "—"] and "1970" not in out
    alice = next(line for line in out.splitlines() if " alice " in line)
    assert DATE.search(alice)


def _token(vibecast: Runner, user: str, name: str = "") -> str:
    created = vibecast("tokens", "create", user, "--name", name)
    assert created.code == 0, created.err
    return re.search(r"Token (\S+) for", created.err).group(1)


def test_tokens_list_keeps_dates_whole_at_80_columns(vibecast: Runner) -> None:
    assert vibecast("users", "add", "alice").code == 0
    token_id = _token(vibecast, "alice", "laptop of alice, the long-named token for work")
    for result in (vibecast("tokens", "list", terminal=80), vibecast("tokens", "list")):
        lines = result.out.splitlines()
        assert len(lines) == 2, result.out
        assert lines[1].startswith(token_id[:8] + "  alice  laptop")
        assert DATE.search(lines[1]) and lines[1].endswith("active")
    assert cell_len(lines[1]) > 80  # piped, the name is whole


def test_tokens_revoke_takes_a_prefix_and_says_when_already_revoked(vibecast: Runner) -> None:
    assert vibecast("users", "add", "alice").code == 0
    token_id = _token(vibecast, "alice")
    revoked = vibecast("tokens", "revoke", token_id[:8])
    assert revoked.code == 0 and f"Revoked token {token_id}." in revoked.err
    again = vibecast("tokens", "revoke", token_id)
    assert again.code == 0, again.err  # what a script asked for holds
    assert f"Token {token_id} was already revoked." in again.err and "Revoked" not in again.err
    assert [t["revoked"] for t in vibecast("tokens", "list", "--json").json()] == [True]

    unknown = vibecast("tokens", "revoke", "zz")
    assert unknown.code == 1 and "no token matches 'zz'" in unknown.err


def test_tokens_revoke_refuses_an_ambiguous_prefix(vibecast: Runner, tmp_path: Path) -> None:
    assert vibecast("users", "add", "alice").code == 0
    settings = load_settings({"VIBECAST_HOME": str(tmp_path / "home")})
    with open_store(settings.database_url) as store:
        alice = store.get_user("alice")
        for n, token_id in enumerate(["abc12345-1", "abc12345-2"]):
            record = ApiToken(
                id=token_id, user_id=alice.id, name="", token_hash=f"{n:064x}", created_at=1
            )
            store.add_token(record)
    result = vibecast("tokens", "revoke", "abc1")
    assert result.code == 1
    assert "'abc1' matches several tokens: abc12345-1, abc12345-2" in result.err
    assert vibecast("tokens", "revoke", "abc12345-2").code == 0


def test_import_counts_every_record_that_is_not_an_object(
    vibecast: Runner, tmp_path: Path, shared_data: Path
) -> None:
    transcript = next((shared_data / "claude-code" / "transcripts").glob("1af7fc5e*.jsonl"))
    head = transcript.read_bytes().splitlines()[:3]
    four = tmp_path / "four.jsonl"
    four.write_bytes(b"\n".join([*head, b"null", b'"str"', b"42", b"[1]"]) + b"\n")
    one = tmp_path / "one.jsonl"
    one.write_bytes(b"\n".join([*head, b"null"]) + b"\n")
    result = vibecast("import", str(four), str(one))
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {four}: skipped 4 records that are not JSON objects (lines 4, 5, 6, 7)",
        f"warning: {one}: skipped 1 record that is not a JSON object (line 4)",
    ]
