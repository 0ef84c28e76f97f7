"""What Claude Code 2.1 (2.1.331, the version tests/claude-code.version pins) writes and sends
that earlier versions did not, in the shapes it used in a real run
(``tests/capture/test_claude_code.py`` runs the agent itself; these need no agent):

- request bookkeeping records in transcripts (``api-request-shape`` holds the whole system prompt
  and tool list), which are not session activity;
- a finished background agent's ``<task-notification>``, reported three times: a queue-operation,
  the user record handing it to the model, and a UserPromptSubmit hook;
- a subagent's start, reported by its SubagentStart hook and by its transcript's first record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vibecast.importers import read_source
from vibecast.importers.hooks import event_from_hook_payload
from vibecast.model import EventType, RecordedEvent
from vibecast.recorder.build import build_events

SESSION = "db449722-591b-4651-84ea-b6bfad0025b6"
AGENT = "a2f2ae9a1bb678230"
NOTICE = (
    f"<task-notification>\n<task-id>{AGENT}</task-id>\n<tool-use-id>toolu_07</tool-use-id>\n"
    "<output-file>/tmp/claude-0/tasks/a2f2ae9a1bb678230.output</output-file>\n"
    '<status>completed</status>\n<summary>Agent "Look around" finished</summary>\n'
    "</task-notification>"
)


def _at(second: int) -> str:
    return f"2026-11-24T23:27:{second:02d}.000Z"


def _bookkeeping(second: int) -> list[dict[str, Any]]:
    base = {"sessionId": SESSION, "timestamp": _at(second)}
    return [
        {"type": "atis-latch", "atis": "", **base},
        {"type": "api-request-shape", "shapeHash": "e941", "shape": {"system": ["..."]}, **base},
        {"type": "api-request-blob", "hash": "a2bd", "message": {"role": "user"}, **base},
        {"type": "api-request", "id": "f0b0", "params": {"model": "claude-opus-5-5"}, **base},
        {"type": "tools-used", "tools": ["Bash"], **base},
        {"type": "cost-state", "totalCostUSD": 0.00028, **base},
    ]


def _user(uuid: str, second: int, content: Any) -> dict[str, Any]:
    return {
        "type": "user",
        "uuid": uuid,
        "parentUuid": None,
        "isSidechain": False,
        "sessionId": SESSION,
        "cwd": "/home/dev/project",
        "timestamp": _at(second),
        "message": {"role": "user", "content": content},
    }


def _transcript(tmp_path: Path) -> Path:
    records = [
        _user("u-1", 10, "Build the greeting"),
        *_bookkeeping(10),
        {
            "type": "queue-operation",
            "operation": "enqueue",
            "sessionId": SESSION,
            "timestamp": _at(20),
            "content": NOTICE,
        },
        {
            "type": "queue-operation",
            "operation": "dequeue",
            "sessionId": SESSION,
            "timestamp": _at(20),
        },
        _user("u-2", 21, NOTICE),
    ]
    path = tmp_path / f"{SESSION}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_request_bookkeeping_is_not_kept_and_not_warned_about(tmp_path: Path) -> None:
    result = read_source(_transcript(tmp_path))
    events = result.sessions[0].events
    assert EventType.UNKNOWN not in {e.type for e in events}
    assert not any("unknown" in issue.message for issue in result.sessions[0].issues)


def test_a_task_notification_is_one_event_from_the_transcript_and_the_hook(
    tmp_path: Path,
) -> None:
    events = read_source(_transcript(tmp_path)).sessions[0].events
    notices = [e for e in events if e.type == EventType.NOTIFICATION]
    assert [(n.message, n.raw) for n in notices] == [
        ('Agent "Look around" finished', {"toolUseId": "toolu_07", "status": "completed"})
    ]
    assert [e.prompt for e in events if e.type == EventType.USER_PROMPT_SUBMIT] == [
        "Build the greeting"
    ]
    hook = event_from_hook_payload(
        {
            "session_id": SESSION,
            "hook_event_name": "UserPromptSubmit",
            "prompt": NOTICE,
            "cwd": "/home/dev/project",
        },
        1_795_562_830_867,
        1_795_562_830_867_430,
    )
    assert hook.type == EventType.NOTIFICATION and hook.prompt is None, "nobody typed it"
    assert (hook.id, hook.message, hook.raw) == (notices[0].id, notices[0].message, notices[0].raw)
    merged = build_events(events, [hook])
    assert [e.type for e in merged].count(EventType.NOTIFICATION) == 1


def test_a_subagent_start_from_its_hook_merges_into_its_transcript_start() -> None:
    session_start = event_from_hook_payload(
        {"session_id": SESSION, "hook_event_name": "SessionStart", "source": "startup"}, 1000, 0
    )
    start = RecordedEvent(
        id="9e2f775c-bfba-46a1-9e09-326422e3c241:0",
        timestamp=2000,
        type=EventType.SUBAGENT_START,
        session_id=SESSION,
        prompt="List the files in this folder",
        agent_id=AGENT,
        agent_type="general-purpose",
        parent_tool_use_id="toolu_07",
        recorded_at=2000,
        relative_time_ms=0,
    )
    hook = event_from_hook_payload(
        {
            "session_id": SESSION,
            "hook_event_name": "SubagentStart",
            "agent_id": AGENT,
            "agent_type": "general-purpose",
        },
        2011,
        2_011_824,
    )
    other_agent = event_from_hook_payload(
        {"session_id": SESSION, "hook_event_name": "SubagentStart", "agent_id": "b9"},
        2500,
        2_500_000,
    )
    merged = build_events([session_start, start], [hook, other_agent])
    starts = [e for e in merged if e.type == EventType.SUBAGENT_START]
    assert [(e.id, e.agent_id, e.prompt) for e in starts] == [
        (start.id, AGENT, "List the files in this folder"),
        (other_agent.id, "b9", None),  # no transcript start to merge into: kept
    ]
