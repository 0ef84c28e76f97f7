"""Subagents: their events stay in the parent replay, nested under the Task; counted once each."""

from __future__ import annotations

from recorder_events import T0, by_id, event, post, pre, prompt, session

from vibecast.model import EventType
from vibecast.recorder import build_events, build_replay


def task(tool_use_id: str, ts: int, subagent_type: str = "general-purpose", **fields):
    fields.setdefault("tool_input", {"prompt": "look around", "subagent_type": subagent_type})
    return pre(tool_use_id, ts, tool="Task", **fields)


def test_transcript_subagents_are_nested_and_counted() -> None:
    captured = [
        prompt("u:0", T0, "build the app"),
        task("toolu_t1", T0 + 10),
        task("toolu_t2", T0 + 11),
        prompt("s1:0", T0 + 20, "look around", parent_tool_use_id="toolu_t1"),
        pre("toolu_s1", T0 + 30, parent_tool_use_id="toolu_t1"),
        prompt("s2:0", T0 + 21, "look around", parent_tool_use_id="toolu_t2"),
        post("toolu_s1", T0 + 40, parent_tool_use_id="toolu_t1"),
        post("toolu_t1", T0 + 900, tool="Task"),
        post("toolu_t2", T0 + 950, tool="Task"),
    ]
    replay, events = build_replay(session(captured), now_ms=1)
    assert len(events) == len(captured)
    assert replay.metadata.subagent_count == 2
    assert replay.metadata.prompt_count == 1  # the Task prompts are not the user's
    assert replay.metadata.session_name == "build the app"
    assert replay.metadata.tool_breakdown == {"Task": 2, "Read": 1}


def test_hook_subagents_are_nested_under_the_task_that_launched_them() -> None:
    hooks = [
        task("toolu_e1", T0, subagent_type="Explore"),
        task("toolu_p1", T0 + 5, subagent_type="Plan"),
        task("toolu_e2", T0 + 6, subagent_type="Explore"),
        event("st1", EventType.SUBAGENT_START, T0 + 20, agent_id="a1", agent_type="Explore"),
        event("st2", EventType.SUBAGENT_START, T0 + 21, agent_id="a2", agent_type="Plan"),
        event("st3", EventType.SUBAGENT_START, T0 + 22, agent_id="a3", agent_type="Explore"),
        event("sp3", EventType.SUBAGENT_STOP, T0 + 500, agent_id="a3", agent_type="Explore"),
        event("sp1", EventType.SUBAGENT_STOP, T0 + 600, agent_id="a1", agent_type="Explore"),
    ]
    events = by_id(build_events((), hooks))
    assert events["st1"].parent_tool_use_id == "toolu_e1"
    assert events["st2"].parent_tool_use_id == "toolu_p1"
    assert events["st3"].parent_tool_use_id == "toolu_e2"
    assert events["sp3"].parent_tool_use_id == "toolu_e2"
    assert events["sp1"].parent_tool_use_id == "toolu_e1"
    replay, _ = build_replay(session(hooks), now_ms=1)
    assert replay.metadata.subagent_count == 3


def test_a_known_parent_is_never_overwritten() -> None:
    captured = [
        task("toolu_a", T0),
        task("toolu_b", T0 + 1),
        prompt("s:0", T0 + 5, "x", agent_id="agent-b", parent_tool_use_id="toolu_b"),
        event("st", EventType.SUBAGENT_START, T0 + 3, agent_id="agent-b"),
    ]
    assert by_id(build_events((), captured))["st"].parent_tool_use_id == "toolu_b"


def test_a_task_that_failed_on_invalid_input_spawned_no_subagent() -> None:
    captured = [
        task("toolu_bad", T0, tool_input={"description": "no prompt"}),
        post("toolu_bad", T0 + 5, tool="Task", success=False),
        task("toolu_ok", T0 + 10),
        post("toolu_ok", T0 + 90, tool="Task", success=True),
    ]
    replay, _ = build_replay(session(captured), now_ms=1)
    assert replay.metadata.subagent_count == 1


def test_anonymous_subagent_stops_of_old_hooks_count_when_nothing_else_does() -> None:
    old_hooks = [
        event("h1", EventType.SUBAGENT_STOP, T0),
        event("h2", EventType.SUBAGENT_STOP, T0 + 100),
    ]
    replay, _ = build_replay(session(old_hooks), now_ms=1)
    assert replay.metadata.subagent_count == 2
