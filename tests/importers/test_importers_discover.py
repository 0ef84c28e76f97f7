"""Finding sources, and telling formats apart (with room for one more)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from importer_source_json import FIXTURES, SHARED, VIBECRAFT

from vibecast.config import load_settings
from vibecast.importers import (
    FORMATS,
    SourceFormat,
    SourceProbe,
    SourceResult,
    discover,
    read_source,
    register_format,
    source_files,
)
from vibecast.importers.base import ImportIssue

PROJECTS = FIXTURES / "claude-2x/projects"
S21 = "5b1e7c2a-9d3f-4e61-8a2b-0c4d6e8f1a21"


@pytest.fixture
def claude_home(tmp_path: Path) -> Path:
    home = tmp_path / "claude"
    shutil.copytree(PROJECTS, home / "projects")
    return home


def names(paths: list[Path]) -> list[str]:
    return sorted(p.name for p in paths)


def test_no_paths_means_claude_projects_and_vibecraft(tmp_path: Path, claude_home: Path) -> None:
    events = tmp_path / "vibecraft" / "events.jsonl"
    events.parent.mkdir()
    shutil.copy(VIBECRAFT, events)
    settings = load_settings(
        {
            "VIBECAST_HOME": str(tmp_path / "vc"),
            "CLAUDE_CONFIG_DIR": str(claude_home),
            "VIBECRAFT_EVENTS_FILE": str(events),
        }
    )
    found = discover([], settings)
    assert names(found) == sorted(
        [
            f"{S21}.jsonl",
            "7c2d9e4b-1a3f-4b5c-9d6e-2f8a0b1c3d20.jsonl",
            "agent-c0ffee1.jsonl",  # its session file is gone: the only way in
            "events.jsonl",
        ]
    )


def test_no_paths_and_nothing_there(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "VIBECAST_HOME": str(tmp_path / "vc"),
            "CLAUDE_CONFIG_DIR": str(tmp_path / "none"),
            "VIBECRAFT_EVENTS_FILE": str(tmp_path / "none.jsonl"),
        }
    )
    assert discover([], settings) == []


def test_directories_recurse_and_files_are_kept_as_given(claude_home: Path) -> None:
    settings = load_settings({"CLAUDE_CONFIG_DIR": str(claude_home)})
    agent = (
        claude_home / "projects/-home-dev-webapp" / S21 / "subagents/agent-a3f9e2b1c4d5e6f70.jsonl"
    )
    found = discover([claude_home, agent, agent], settings)
    assert agent in found and found.count(agent) == 1
    assert not [p for p in found if p.name.endswith(".meta.json") or "tool-results" in p.parts]
    assert not [p for p in found if p.name.startswith("agent-acompact")]


def test_the_shared_data_folder(shared_data: Path) -> None:
    settings = load_settings({})
    found = discover([shared_data / "claude-code", shared_data / "vibecraft"], settings)
    assert len(found) == 4 + 2 + 19 + 1


def test_every_discovered_shared_file_reads_into_sessions(shared_data: Path) -> None:
    for path in discover(
        [shared_data / "claude-code", shared_data / "vibecraft"], load_settings({})
    ):
        result = read_source(path)
        assert result.sessions, path


def test_source_files_lists_what_a_session_reads() -> None:
    session = PROJECTS / "-home-dev-webapp" / f"{S21}.jsonl"
    assert names(source_files(session)) == sorted(
        [
            f"{S21}.jsonl",
            "agent-a3f9e2b1c4d5e6f70.jsonl",
            "agent-a3f9e2b1c4d5e6f70.meta.json",
            "agent-a99f00d.jsonl",
            "toolu_01Big.txt",
        ]
    )


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("claude-code/transcripts/fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl", "claude-transcript"),
        ("claude-code/chat-arrays/dotfiles-cc-1.0.59.chat.json", "claude-chat-array"),
        ("claude-code/hook-payloads/cc-1.0.5x/pre_tool_use.json", "claude-hook-payloads"),
        ("vibecraft/events.jsonl", "vibecraft-events"),
        ("codex/vibecodingtracker-codex.jsonl", "unknown"),
        ("gemini/vibecodingtracker-gemini.jsonl", "unknown"),
    ],
)
def test_formats_are_detected_from_content(tmp_path: Path, relative: str, expected: str) -> None:
    disguised = tmp_path / "no-hint-in-this-name.data"
    shutil.copy(SHARED / relative, disguised)
    assert read_source(disguised).format == expected


def test_hook_payloads_as_json_lines(tmp_path: Path) -> None:
    source = SHARED / "claude-code/hook-payloads/cc-2.1.62/session_start.json"
    path = tmp_path / "spool.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in json.loads(source.read_text())) + "\n")
    assert read_source(path).format == "claude-hook-payloads"
    assert len(read_source(path).sessions) == len(read_source(source).sessions)


@pytest.fixture
def restore_formats():
    saved = list(FORMATS)
    yield
    FORMATS[:] = saved


def test_a_new_format_plugs_in_first(tmp_path: Path, restore_formats: None) -> None:
    def sniff(probe: SourceProbe) -> bool:
        return probe.head.startswith(b"VCAST1")

    def read(probe: SourceProbe) -> SourceResult:
        return SourceResult(
            format="vibecast-replay", issues=[ImportIssue(str(probe.path), None, "ok")]
        )

    register_format(SourceFormat("vibecast-replay", sniff, read))
    path = tmp_path / "replay.vcast"
    path.write_bytes(b"VCAST1\x00\x01")
    assert read_source(path).format == "vibecast-replay"
    assert read_source(VIBECRAFT).format == "vibecraft-events"
    register_format(SourceFormat("vibecast-replay", sniff, read))
    assert [f.name for f in FORMATS].count("vibecast-replay") == 1


def test_a_failing_reader_costs_one_file(tmp_path: Path, restore_formats: None) -> None:
    def read(probe: SourceProbe) -> SourceResult:
        raise RuntimeError("bug")

    register_format(SourceFormat("broken", lambda probe: True, read))
    result = read_source(VIBECRAFT)
    assert result.sessions == [] and "broken reader failed" in result.issues[-1].message
