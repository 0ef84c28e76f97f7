"""The real Claude Code, recorded: the agent users run (from npm, the version in
``tests/claude-code.version``) runs the hooks ``vibecast hooks install`` wrote, against a scripted
model on 127.0.0.1 (``tests/claude_code.py``), and vibecast records what it did.

The emulated end-to-end tests play the shared data's payloads through the settings as Claude
Code would; these check that Claude Code itself does: that it accepts the installed settings,
that what its hooks send and its transcripts hold (new record types included) make a clean
replay, and that a secret the agent writes never reaches vibecast's files.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from claude_code import ScriptedModel, ToolUse, find_claude, run_claude
from required import unavailable
from served import run_vibecast, serving

PROMPT = "Build the greeting"
SUBAGENT_PROMPT = "List the files in this folder"


@pytest.fixture(scope="module")
def claude() -> Path:
    found = find_claude()
    if found is None:
        unavailable(
            "Claude Code is not installed for the tests: run scripts/install-claude-code",
            "CI must run the real agent",
        )
    return found


@pytest.fixture
def agent_env(capture_env) -> dict[str, str]:
    """The capture env with a HOME of its own (Claude Code keeps its state in ~/.claude.json)."""
    home = capture_env.root / "home"
    (home / "project").mkdir(parents=True)
    return {**capture_env.env, "HOME": str(home)}


def _script(project: Path, token: str) -> dict[str, list[Any]]:
    """A session that uses the tools replays show most, fails once, writes a secret to a file,
    and starts a subagent (which Claude Code 2.1 runs in the background)."""
    return {
        PROMPT: [
            [ToolUse("Bash", {"command": "echo hello", "description": "Greet"})],
            [ToolUse("Bash", {"command": "exit 3", "description": "Fail on purpose"})],
            [
                ToolUse(
                    "Write",
                    {
                        "file_path": str(project / "config.env"),
                        "content": f"GITHUB_TOKEN={token}\n",
                    },
                )
            ],
            [
                ToolUse(
                    "Agent",
                    {
                        "description": "Look around",
                        "prompt": SUBAGENT_PROMPT,
                        "subagent_type": "general-purpose",
                    },
                )
            ],
            "All done.",
        ],
        SUBAGENT_PROMPT: [
            [ToolUse("Bash", {"command": "ls", "description": "List files"})],
            "There is one file: config.env.",
        ],
    }


def _run_session(claude: Path, env: dict[str, str], token: str) -> ScriptedModel:
    project = Path(env["HOME"]) / "project"
    model = ScriptedModel(_script(project, token))
    with model.serving() as url:
        result = run_claude(claude, PROMPT, cwd=project, env=env, model_url=url)
    assert result.returncode == 0, result.stderr
    assert "All done." in result.stdout
    assert (PROMPT, 4) in model.requests and (SUBAGENT_PROMPT, 1) in model.requests, (
        "the agent did not follow its script"
    )
    return model


def _complete_replay(url: str) -> dict[str, Any]:
    """The one replay, once recorded to the end (the transcript read after SessionEnd)."""
    deadline = time.monotonic() + 60
    while True:
        replays = httpx.get(f"{url}/api/replays", timeout=5).json()["replays"]
        if replays and replays[0]["status"] == "complete":
            events = httpx.get(f"{url}/api/replays/{replays[0]['id']}/events", timeout=5)
            found = events.json()["events"]
            if any(e.get("agentId") and e["type"] == "assistant_message" for e in found):
                return {"replay": replays[0], "events": found}
        assert time.monotonic() < deadline, f"no complete replay: {replays}"
        time.sleep(0.25)


def _files_holding(root: Path, secret: str) -> list[Path]:
    needle = secret.encode()
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_a_claude_code_session_is_recorded_live_and_whole(
    claude: Path, capture_env, agent_env: dict[str, str], tmp_path: Path
) -> None:
    installed = run_vibecast(agent_env, "hooks", "install")
    assert installed.returncode == 0, installed.stderr
    token = "ghp_" + secrets.token_hex(18)
    with serving(agent_env) as served:
        _run_session(claude, agent_env, token)
        recorded = _complete_replay(served.url)
    events = recorded["events"]
    types = [e["type"] for e in events]

    assert types[0] == "session_start" and types[-1] == "session_end"
    assert "unknown" not in types, [e.get("raw") for e in events if e["type"] == "unknown"]
    prompts = [e["prompt"] for e in events if e["type"] == "user_prompt_submit"]
    assert prompts == [PROMPT], "the hook's and the transcript's prompt are one event"
    # Tool calls: each call's pre and its result, paired, with the hooks' timing.
    calls: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        if event.get("toolUseId"):
            calls.setdefault(event["toolUseId"], []).append(event)
    assert [[e["type"] for e in c] for c in calls.values()].count(
        ["pre_tool_use", "post_tool_use"]
    ) == 4
    failed = [c for c in calls.values() if c[-1]["type"] == "post_tool_use_failure"]
    assert len(failed) == 1 and failed[0][0]["toolInput"]["command"] == "exit 3"
    assert all(e["success"] is False for e in failed[0])
    assert all(isinstance(e.get("duration"), int) for c in calls.values() for e in c)
    # The subagent: one start (hook and transcript merged), its own call and words, its stop.
    starts = [e for e in events if e["type"] == "subagent_start"]
    assert len(starts) == 1 and starts[0]["prompt"] == SUBAGENT_PROMPT
    agent = starts[0]["agentId"]
    inside = [e["type"] for e in events if e.get("agentId") == agent]
    assert inside.count("pre_tool_use") == 1 and "assistant_message" in inside
    assert "subagent_stop" in inside
    notices = [e for e in events if e["type"] == "notification"]
    assert [n["message"] for n in notices] == ['Agent "Look around" finished']
    said = [e["text"] for e in events if e["type"] == "assistant_message"]
    assert "All done." in said and "There is one file: config.env." in said
    # The secret the agent wrote: redacted in the replay, in no file of vibecast's.
    write = next(e for e in events if e.get("tool") == "Write" and e["type"] == "pre_tool_use")
    assert write["toolInput"]["content"].startswith("GITHUB_TOKEN=[REDACTED:")
    assert token not in json.dumps(events)
    assert _files_holding(Path(agent_env["VIBECAST_HOME"]), token) == []

    # As complete as an import of the transcript: every event the import makes is there.
    transcripts = sorted((capture_env.root / "claude" / "projects").glob("*/*.jsonl"))
    assert len(transcripts) == 1
    imported_env = {**agent_env, "VIBECAST_HOME": str(tmp_path / "imported")}
    assert run_vibecast(imported_env, "import", str(transcripts[0])).returncode == 0
    listed = json.loads(run_vibecast(imported_env, "list", "--json").stdout)
    shown = run_vibecast(imported_env, "events", listed[0]["id"])
    imported = [json.loads(line) for line in shown.stdout.splitlines()]
    live_ids = {e["id"] for e in events}
    assert [e["id"] for e in imported if e["id"] not in live_ids] == []
    imported_ids = {e["id"] for e in imported}
    hooks_only = sorted({e["type"] for e in events if e["id"] not in imported_ids})
    assert hooks_only == ["session_end", "session_start", "stop", "subagent_stop"]


def test_with_no_recorder_running_the_session_waits_and_uninstall_restores_settings(
    claude: Path, capture_env, agent_env: dict[str, str]
) -> None:
    """Claude Code runs the hooks while no recorder is up: its events wait in the spool and
    make the same replay once one starts; uninstalling leaves the settings as they were."""
    settings = capture_env.claude_settings
    other = {"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "true"}]}]}}
    settings.write_text(json.dumps(other, indent=4) + "\n")
    before = settings.read_bytes()
    assert run_vibecast(agent_env, "hooks", "install").returncode == 0

    _run_session(claude, agent_env, "ghp_" + secrets.token_hex(18))
    status = run_vibecast(agent_env, "hooks", "status").stdout
    assert "Recorder: not running" in status and "events waiting" in status, status
    recorded = run_vibecast(agent_env, "record", "--once")
    assert recorded.returncode == 0, recorded.stderr
    listed = json.loads(run_vibecast(agent_env, "list", "--json").stdout)
    assert [(r["title"], r["status"]) for r in listed] == [(PROMPT, "complete")]
    assert "Spool: 0 events waiting" in run_vibecast(agent_env, "hooks", "status").stdout

    assert run_vibecast(agent_env, "hooks", "uninstall").returncode == 0
    assert settings.read_bytes() == before
