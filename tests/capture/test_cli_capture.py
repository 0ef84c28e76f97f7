"""The capture commands as a user runs them: install, status, uninstall, record --once."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from vibecast.capture import CAPTURED_EVENTS, SpoolWriter
from vibecast.capture.spool import HOOK
from vibecast.cli.main import cli


def invoke(env, *args: str):
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result


def test_install_status_record_uninstall_for_a_project(capture_env, tmp_path: Path) -> None:
    env = capture_env.env
    project = tmp_path / "repo"
    project.mkdir()
    out = invoke(env, "hooks", "install", "--project", str(project), "--hook-form", "script")
    assert "shell script" in out.output and "not running" in out.output
    assert (project / ".claude" / "settings.json").is_file()
    assert not capture_env.claude_settings.exists()  # the user's settings are not touched

    SpoolWriter(capture_env.paths.spool).write(
        b'{"hook_event_name": "Stop", "session_id": "c1"}', HOOK
    )
    report = json.loads(invoke(env, "hooks", "status", "--project", str(project), "--json").output)
    user, proj = report["settings"]
    assert user["events"] == [] and proj["events"] == list(CAPTURED_EVENTS)
    assert proj["programs_present"] == [True]
    assert report["recorder"] == {"running": False, "pid": None}
    assert report["spool"]["events"] == 1 and report["hook_errors"]["count"] == 0

    text = invoke(env, "hooks", "status", "--project", str(project)).output
    assert "capture hooks on 13/13 events" in text and "Spool: 1 events waiting" in text
    assert "not redacted until recorded" in text  # and nothing is recording them

    recorded = invoke(env, "record", "--once")
    assert "Recorded 1 captured events" in recorded.output
    report = json.loads(invoke(env, "hooks", "status", "--json").output)
    assert report["spool"]["events"] == 0
    assert "not redacted" not in invoke(env, "hooks", "status").output

    out = invoke(env, "hooks", "uninstall", "--project", str(project))
    assert "back as it was" in out.output
    assert not (project / ".claude" / "settings.json").exists()


def test_errors_are_one_line(capture_env) -> None:
    capture_env.claude_settings.write_text("{ not json")
    result = CliRunner().invoke(cli, ["hooks", "install"], env=capture_env.env)
    assert result.exit_code == 1
    assert "not valid JSON" in result.output and "Traceback" not in result.output


def test_record_as_a_user(capture_env) -> None:
    """Server mode: `vibecast --user NAME record` files the captured sessions under NAME."""
    env = capture_env.env
    invoke(env, "users", "add", "carol")
    SpoolWriter(capture_env.paths.spool).write(
        b'{"hook_event_name": "UserPromptSubmit", "session_id": "c2", "prompt": "hi"}', HOOK
    )
    invoke(env, "--user", "carol", "record", "--once")
    carols = json.loads(invoke(env, "--user", "carol", "list", "--json").output)
    assert [r["session_id"] for r in carols] == ["c2"]
    assert json.loads(invoke(env, "list", "--json").output) == []


def test_record_on_a_store_it_cannot_open_is_one_line_and_exit_1(capture_env) -> None:
    """It logged a traceback per pass, then "Recorded 0 captured events" and exit 0."""
    env = {**capture_env.env, "VIBECAST_DATABASE_URL": "postgresql://127.0.0.1:1/nowhere"}
    result = CliRunner().invoke(cli, ["record", "--once"], env=env)
    assert result.exit_code == 1, result.output
    assert "cannot connect to PostgreSQL" in result.output
    assert "Traceback" not in result.output and "Recorded" not in result.output
