"""``hooks install`` / ``uninstall`` on Claude Code settings files: other tools' hooks untouched,
idempotent, backed up, and the file byte-identical after uninstall when nothing else changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vibecast.capture import (
    CAPTURED_EVENTS,
    SettingsFileError,
    install_hooks,
    settings_status,
    uninstall_hooks,
)
from vibecast.capture.program import hook_command

COMMAND = hook_command(Path("/opt/vc/capture/bin/vibecast-hook"), Path("/opt/vc/capture"))
OTHERS = {
    "$schema": "https://json.schemastore.org/claude-code-settings.json",
    "model": "opus",
    "env": {"GREETING": "héllo ✓"},
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [{"type": "command", "command": "~/.vibecraft/hooks/vibecraft-hook.sh"}],
            }
        ],
        "Stop": [{"hooks": [{"type": "command", "command": "notify-send done", "timeout": 5}]}],
        "PostToolUse": [
            {
                "matcher": "Edit|Write",
                "hooks": [
                    {"type": "command", "command": "prettier --write", "timeout": 30},
                    {"type": "http", "url": "http://localhost:8080/hooks"},
                ],
            }
        ],
    },
    "statusLine": {"type": "command", "command": "echo hi"},
    "ratio": 1.0,
}

STYLES = {
    "two-spaces": json.dumps(OTHERS, indent=2, ensure_ascii=False),
    "four-spaces+newline": json.dumps(OTHERS, indent=4, ensure_ascii=False) + "\n",
    "tabs": json.dumps(OTHERS, indent="\t", ensure_ascii=False) + "\n",
    "ascii-escapes": json.dumps(OTHERS, indent=2) + "\n",
    "one-line": json.dumps(OTHERS, separators=(",", ":"), ensure_ascii=False),
    "hand-written": '{ "model" : "opus",\n\n   "hooks": {"Stop": [ {"hooks": [{"type": "command",'
    ' "command": "say done"}]}]}\n}\n',
}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_install_then_uninstall_leaves_the_file_identical(capture_env, style: str) -> None:
    path = capture_env.claude_settings
    path.write_text(STYLES[style], encoding="utf-8")
    original = path.read_bytes()
    before = json.loads(original)

    first = install_hooks(path, COMMAND, capture_env.paths)
    assert first.changed and first.backup is not None and first.backup.read_bytes() == original
    installed = json.loads(path.read_text(encoding="utf-8"))
    for key in before:  # nobody else's settings moved or changed
        if key != "hooks":
            assert installed[key] == before[key]
    for event, groups in before["hooks"].items():
        assert installed["hooks"][event][: len(groups)] == groups
    assert list(installed) == list(before)  # key order kept
    assert settings_status(path).events == list(CAPTURED_EVENTS)

    again = install_hooks(path, COMMAND, capture_env.paths)
    assert not again.changed and again.backup is None
    assert json.loads(path.read_text(encoding="utf-8")) == installed

    removed = uninstall_hooks(path, capture_env.paths)
    assert removed.changed
    assert path.read_bytes() == original


def test_our_groups_and_matchers(capture_env) -> None:
    path = capture_env.claude_settings
    install_hooks(path, COMMAND, capture_env.paths)
    hooks = json.loads(path.read_text())["hooks"]
    assert list(hooks) == list(CAPTURED_EVENTS)
    for event, groups in hooks.items():
        assert len(groups) == 1
        handler = {"type": "command", "command": COMMAND, "timeout": 10}
        if event in ("UserPromptSubmit", "Stop"):  # events without matchers
            assert groups[0] == {"hooks": [handler]}
        else:
            assert groups[0] == {"matcher": "*", "hooks": [handler]}


def test_uninstall_keeps_changes_made_since_install(capture_env) -> None:
    path = capture_env.claude_settings
    path.write_text(json.dumps(OTHERS, indent=2) + "\n")
    install_hooks(path, COMMAND, capture_env.paths)
    changed = json.loads(path.read_text())
    changed["model"] = "sonnet"
    changed["hooks"]["Notification"].append(
        {"matcher": "", "hooks": [{"type": "command", "command": "bell"}]}
    )
    # Another tool added its handler inside our group: it stays, ours goes.
    changed["hooks"]["SessionEnd"][0]["hooks"].append({"type": "command", "command": "bye"})
    path.write_text(json.dumps(changed, indent=2) + "\n")

    result = uninstall_hooks(path, capture_env.paths)
    assert result.changed
    after = json.loads(path.read_text())
    assert after["model"] == "sonnet"
    assert after["hooks"]["Notification"] == [
        {"matcher": "", "hooks": [{"type": "command", "command": "bell"}]}
    ]
    assert after["hooks"]["SessionEnd"] == [
        {"matcher": "*", "hooks": [{"type": "command", "command": "bye"}]}
    ]
    for event in ("PreToolUse", "Stop", "PostToolUse"):
        assert after["hooks"][event] == OTHERS["hooks"][event]
    assert settings_status(path).events == []
    assert "PermissionRequest" not in after["hooks"]  # containers only we needed are gone


def test_a_file_that_did_not_exist_is_removed_again(capture_env) -> None:
    path = capture_env.root / "project" / ".claude" / "settings.json"
    install_hooks(path, COMMAND, capture_env.paths)
    assert settings_status(path).events == list(CAPTURED_EVENTS)
    uninstall_hooks(path, capture_env.paths)
    assert not path.exists()


def test_reinstall_with_a_new_command_replaces_ours(capture_env) -> None:
    path = capture_env.claude_settings
    install_hooks(path, COMMAND, capture_env.paths)
    moved = hook_command(Path("/new/capture/bin/vibecast-hook"), Path("/new/capture"))
    assert install_hooks(path, moved, capture_env.paths).changed
    status = settings_status(path)
    assert status.commands == [moved] and status.events == list(CAPTURED_EVENTS)
    assert all(len(groups) == 1 for groups in json.loads(path.read_text())["hooks"].values())


def test_a_symlinked_settings_file_stays_a_symlink(capture_env) -> None:
    real = capture_env.root / "dotfiles" / "claude-settings.json"
    real.parent.mkdir()
    real.write_text(json.dumps(OTHERS, indent=2))
    original = real.read_bytes()
    link = capture_env.claude_settings
    link.symlink_to(real)
    install_hooks(link, COMMAND, capture_env.paths)
    assert link.is_symlink() and settings_status(real).events == list(CAPTURED_EVENTS)
    uninstall_hooks(link, capture_env.paths)
    assert link.is_symlink() and real.read_bytes() == original


@pytest.mark.parametrize(
    "content",
    ['{"hooks": {"Stop": [', "[1, 2]", '{"hooks": "all of them"}', '{"hooks": {"Stop": 3}}'],
)
def test_unexpected_files_are_not_touched(capture_env, content: str) -> None:
    path = capture_env.claude_settings
    path.write_text(content)
    with pytest.raises(SettingsFileError):
        install_hooks(path, COMMAND, capture_env.paths)
    assert path.read_text() == content
    assert not capture_env.paths.install_state.exists()


def test_uninstall_without_install_state_still_removes_ours(capture_env) -> None:
    """State lost (vibecast home deleted): uninstall still takes exactly our entries out."""
    path = capture_env.claude_settings
    path.write_text(json.dumps(OTHERS, indent=2) + "\n")
    original = path.read_bytes()
    install_hooks(path, COMMAND, capture_env.paths)
    capture_env.paths.install_state.unlink()
    assert uninstall_hooks(path, capture_env.paths).changed
    assert path.read_bytes() == original  # same style, so the same bytes
