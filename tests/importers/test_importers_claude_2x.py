"""Claude Code 2.x layouts the shared data lacks: subagents/, agent-*.jsonl siblings, agent
progress, tool-results/, images, compaction, API errors (see ``fixtures/build_fixtures.py``)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections import Counter
from pathlib import Path

import msgspec
import pytest
from importer_source_json import FIXTURES, blocks, load_records

from vibecast.importers import read_source
from vibecast.importers.base import CapturedSession
from vibecast.importers.tool_results import MAX_INLINE_BYTES
from vibecast.model import EventType, RecordedEvent

PROJECT = FIXTURES / "claude-2x/projects/-home-dev-webapp"
S21 = "5b1e7c2a-9d3f-4e61-8a2b-0c4d6e8f1a21"
S20 = "7c2d9e4b-1a3f-4b5c-9d6e-2f8a0b1c3d20"
AGENT = "a3f9e2b1c4d5e6f70"


def session(path: Path) -> CapturedSession:
    result = read_source(path)
    assert len(result.sessions) == 1
    return result.sessions[0]


@pytest.fixture(scope="module")
def s21() -> CapturedSession:
    return session(PROJECT / f"{S21}.jsonl")


@pytest.fixture(scope="module")
def s20() -> CapturedSession:
    return session(PROJECT / f"{S20}.jsonl")


def by_id(captured: CapturedSession) -> dict[str, RecordedEvent]:
    return {e.id: e for e in captured.events}


def test_subagent_file_events_nest_under_their_task(s21: CapturedSession) -> None:
    agent_records = load_records(PROJECT / S21 / "subagents" / f"agent-{AGENT}.jsonl")
    nested = [e for e in s21.events if e.agent_id == AGENT]
    assert {e.parent_tool_use_id for e in nested} == {"toolu_01Task"}
    assert {e.agent_type for e in nested} == {"Explore"}  # from the .meta.json sidecar
    assert {e.session_id for e in nested} == {S21}
    uses = [b["id"] for r in agent_records for b in blocks(r) if b.get("type") == "tool_use"]
    assert [e.tool_use_id for e in nested if e.type == EventType.PRE_TOOL_USE] == uses
    start = next(e for e in nested if e.type == EventType.SUBAGENT_START)
    assert start.prompt == agent_records[0]["message"]["content"]


def test_progress_copies_of_a_filed_agent_are_not_doubled(s21: CapturedSession) -> None:
    assert sum(e.text == "Searching." for e in s21.events) == 1


def test_compaction_and_warmup_agents_stay_out(s21: CapturedSession) -> None:
    assert {e.agent_id for e in s21.events} == {None, AGENT}
    assert not [e for e in s21.events if (e.text or "").startswith(("Summary:", "Ready."))]


def test_persisted_tool_output_is_inlined(s21: CapturedSession) -> None:
    post = by_id(s21)["toolu_01Big:post"]
    saved = (PROJECT / S21 / "tool-results" / "toolu_01Big.txt").read_text()
    assert post.tool_response["stdout"] == saved
    assert "<persisted-output>" not in msgspec.json.encode(post).decode()


def test_images_are_blobs_never_inline_base64(s21: CapturedSession) -> None:
    records = load_records(PROJECT / f"{S21}.jsonl")
    encoded = next(
        b["source"]["data"] for r in records for b in blocks(r) if b.get("type") == "image"
    )
    png = base64.b64decode(encoded)
    digest = hashlib.sha256(png).hexdigest()
    assert s21.blobs == {digest: png}
    prompt = next(e for e in s21.events if e.type == EventType.USER_PROMPT_SUBMIT)
    assert [(a.kind, a.media_type, a.blob, a.size) for a in prompt.attachments] == [
        ("image", "image/png", digest, len(png))
    ]
    read = by_id(s21)["toolu_01Img:post"]
    assert {a.blob for a in read.attachments} == {digest}
    for event in s21.events:
        assert encoded not in msgspec.json.encode(event).decode()


def test_tool_errors(s21: CapturedSession) -> None:
    edit = by_id(s21)["toolu_01Edit:post"]
    assert edit.type == EventType.POST_TOOL_USE_FAILURE and edit.success is False
    assert edit.error == "String to replace not found in file.\nString: margin: 0"


def test_compact_boundaries_keep_trigger_and_tokens(s21: CapturedSession) -> None:
    boundaries = [e for e in s21.events if e.type == EventType.COMPACT_BOUNDARY]
    assert [(e.raw["subtype"], e.raw["trigger"], e.raw["preTokens"]) for e in boundaries] == [
        ("microcompact_boundary", "auto", 92000),
        ("compact_boundary", "auto", 155000),
    ]
    assert boundaries[0].raw["tokensSaved"] == 31000
    summaries = [e.text for e in s21.events if e.type == EventType.SUMMARY]
    assert summaries[0].startswith("This session is being continued")
    assert "Login button alignment fix" in summaries


def test_api_errors(s21: CapturedSession) -> None:
    errors = [e for e in s21.events if e.type == EventType.API_ERROR]
    assert [e.error for e in errors] == ["Overloaded", "API Error: 529 Overloaded"]
    assert errors[0].raw == {"retryInMs": 2000, "retryAttempt": 1, "maxRetries": 10}


def test_prompts_commands_and_outputs(s21: CapturedSession) -> None:
    prompts = [e.prompt for e in s21.events if e.type == EventType.USER_PROMPT_SUBMIT]
    assert prompts == [
        "The login button is misaligned, see screenshot. Find where it is styled.",
        "/model sonnet",
        "thanks, ship it",
    ]
    system = [e.text for e in s21.events if e.type == EventType.SYSTEM]
    assert system == ["Set model to sonnet"]


def test_thinking_including_redacted(s21: CapturedSession) -> None:
    thinking = [e for e in s21.events if e.type == EventType.ASSISTANT_THINKING]
    assert [e.thinking for e in thinking] == ["Find the login styles first.", None]
    assert thinking[1].raw == {"redacted": True}


def test_session_facts_and_title(s21: CapturedSession) -> None:
    info = s21.info
    assert info.title == "Fix login button alignment"  # custom-title beats the summary
    assert (info.model, info.cwd, info.git_branch, info.claude_version) == (
        "claude-sonnet-4-6",
        "/home/dev/webapp",
        "feature/login",
        "2.1.39",
    )


def test_unknown_record_type_warns_once(s21: CapturedSession) -> None:
    unknown = [e for e in s21.events if e.type == EventType.UNKNOWN]
    assert [e.raw["type"] for e in unknown] == ["future-record-kind"]
    assert sum("future-record-kind" in i.message for i in s21.issues) == 1


def test_usage_once_per_api_message(s21: CapturedSession) -> None:
    records = load_records(PROJECT / f"{S21}.jsonl") + load_records(
        PROJECT / S21 / "subagents" / f"agent-{AGENT}.jsonl"
    )
    messages = {
        r["message"]["id"]
        for r in records
        if r.get("type") == "assistant" and not r.get("isApiErrorMessage")
    }
    carriers = Counter(e.usage["output_tokens"] for e in s21.events if e.usage)
    assert sum(carriers.values()) == len(messages)


def test_flat_agent_file_is_linked_by_the_agent_id_in_the_result(s20: CapturedSession) -> None:
    flat = [e for e in s20.events if e.agent_id == "7f3c2a1"]
    assert flat and {(e.parent_tool_use_id, e.agent_type) for e in flat} == {
        ("toolu_05Flat", "general-purpose")
    }


def test_agent_seen_only_in_progress_records(s20: CapturedSession) -> None:
    progress = [e for e in s20.events if e.agent_id == "b81d4c2"]
    assert [e.id for e in progress] == ["toolu_06Read:pre", "toolu_06Read:post"]
    assert {(e.parent_tool_use_id, e.agent_type) for e in progress} == {("toolu_05Prog", "Plan")}
    assert by_id(s20)["toolu_06Read:post"].tool == "Read"


def test_importing_a_subagent_file_imports_its_session(s20: CapturedSession) -> None:
    result = read_source(PROJECT / "agent-7f3c2a1.jsonl")
    assert [s.session_id for s in result.sessions] == [S20]
    assert [e.id for e in result.sessions[0].events] == [e.id for e in s20.events]


def test_an_orphan_agent_file_imports_on_its_own() -> None:
    captured = session(PROJECT / "agent-c0ffee1.jsonl")
    assert captured.session_id == "0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f60"
    assert {e.agent_id for e in captured.events} == {"c0ffee1"}
    assert captured.info.cwd == "/home/dev/webapp"


def copy_project(tmp_path: Path) -> Path:
    target = tmp_path / "-home-dev-webapp"
    shutil.copytree(PROJECT, target)
    return target


def test_a_large_saved_output_is_bounded(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    (project / S21 / "tool-results" / "toolu_01Big.txt").write_bytes(
        b"y" * (MAX_INLINE_BYTES + 4096)
    )
    post = by_id(session(project / f"{S21}.jsonl"))["toolu_01Big:post"]
    stdout = post.tool_response["stdout"]
    assert stdout.startswith("y" * 1000) and len(stdout) < MAX_INLINE_BYTES + 200
    assert stdout.endswith(f"truncated to {MAX_INLINE_BYTES} of {MAX_INLINE_BYTES + 4096} bytes]")


def test_a_saved_output_path_cannot_escape_the_session_folder(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    (tmp_path / "secret.txt").write_text("do not inline me")
    path = project / f"{S21}.jsonl"
    text = path.read_text().replace(
        "tool-results/toolu_01Big.txt", "tool-results/../../../secret.txt"
    )
    path.write_text(text)
    captured = session(path)
    stdout = by_id(captured)["toolu_01Big:post"].tool_response["stdout"]
    assert "<persisted-output>" in stdout and "do not inline me" not in stdout
    assert any("not here" in i.message for i in captured.issues)


def test_a_missing_saved_output_keeps_the_preview(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    shutil.rmtree(project / S21 / "tool-results")
    captured = session(project / f"{S21}.jsonl")
    assert "Preview (first 2KB)" in by_id(captured)["toolu_01Big:post"].tool_response["stdout"]


def test_a_broken_subagent_file_costs_its_bad_lines(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    agent = project / S21 / "subagents" / f"agent-{AGENT}.jsonl"
    lines = agent.read_bytes().splitlines()
    agent.write_bytes(b"\n".join([*lines[:2], b"\x00\x01 not json", *lines[2:]]))
    captured = session(project / f"{S21}.jsonl")
    assert len([e for e in captured.events if e.agent_id == AGENT]) == 5
    assert any(i.source == str(agent) and i.line == 3 for i in captured.issues)


def test_fixture_records_look_like_claude_code_2x() -> None:
    """Guard the fixtures themselves: one content block per assistant record, usage repeated."""
    records = load_records(PROJECT / f"{S21}.jsonl")
    assistant = [r for r in records if r.get("type") == "assistant"]
    assert all(len(r["message"]["content"]) == 1 for r in assistant)
    by_message = Counter(r["message"]["id"] for r in assistant)
    assert by_message["msg_01A"] == 3
    assert (
        json.loads((PROJECT / S21 / "subagents" / f"agent-{AGENT}.meta.json").read_text())[
            "agentType"
        ]
        == "Explore"
    )
