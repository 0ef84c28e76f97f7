"""Vibecraft's events.jsonl: a direct mapping, minus its always-true ``success``."""

from __future__ import annotations

import json
from pathlib import Path

from importer_source_json import VIBECRAFT

from vibecast.importers import read_source
from vibecast.model import EventType


def lines() -> list[dict]:
    return [json.loads(line) for line in VIBECRAFT.read_text().splitlines() if line.strip()]


def events() -> dict[str, object]:
    return {e.id: e for s in read_source(VIBECRAFT).sessions for e in s.events}


def test_format_and_sessions() -> None:
    result = read_source(VIBECRAFT)
    assert result.format == "vibecraft-events"
    assert {s.session_id for s in result.sessions} == {r["sessionId"] for r in lines()}


def test_success_is_derived_never_copied() -> None:
    source = [r for r in lines() if r["type"] == "post_tool_use"]
    assert source and all(r["success"] is True for r in source)  # the upstream bug
    for record in source:
        event = events()[f"{record['toolUseId']}:post"]
        assert event.tool_response == record["toolResponse"]
        expected = False if record["toolResponse"].get("success") is False else None
        assert event.success is expected


def test_tool_events_get_tool_ids_and_repeats_merge() -> None:
    pre = [r for r in lines() if r["type"] == "pre_tool_use"]
    mapped = [e for e in events().values() if e.type == EventType.PRE_TOOL_USE]
    assert {e.id for e in mapped} == {f"{r['toolUseId']}:pre" for r in pre}
    assert len(mapped) < len(pre)  # the same call logged five times is one moment


def test_other_events_keep_vibecrafts_ids() -> None:
    prompt = next(r for r in lines() if r["type"] == "user_prompt_submit")
    event = events()[prompt["id"]]
    assert (event.type, event.prompt, event.timestamp) == (
        EventType.USER_PROMPT_SUBMIT,
        prompt["prompt"],
        prompt["timestamp"],
    )


def test_unknown_events_with_a_hook_payload_are_mapped() -> None:
    unknown = next(r for r in lines() if r["type"] == "unknown")
    mapped = [e for e in events().values() if e.session_id == unknown["sessionId"]]
    assert len(mapped) == 1
    assert mapped[0].type == EventType.SUBAGENT_START
    assert mapped[0].agent_id == unknown["raw"]["agent_id"]
    assert mapped[0].timestamp == unknown["timestamp"]


def test_unmapped_hook_in_vibecraft_log_warns(tmp_path: Path) -> None:
    record = {
        "id": "s9-1",
        "timestamp": 1795511546407,
        "type": "unknown",
        "sessionId": "s9",
        "cwd": "/tmp",
        "raw": {"session_id": "s9", "hook_event_name": "ConfigChange", "key": "theme"},
    }
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(record) + "\n" + VIBECRAFT.read_text())
    result = read_source(path)
    session = next(s for s in result.sessions if s.session_id == "s9")
    assert session.events[0].type == EventType.UNKNOWN
    assert session.events[0].raw["hook_event_name"] == "ConfigChange"
    assert any("ConfigChange" in i.message for i in session.issues)


def test_vibecraft_times_are_exact_milliseconds() -> None:
    by_id = {r["id"]: r for r in lines()}
    mapped = list(events().values())
    assert mapped and all(e.time_estimated is None for e in mapped)
    kept = [e for e in mapped if e.id in by_id]
    assert kept and all(e.timestamp == by_id[e.id]["timestamp"] for e in kept)


def test_a_vibecraft_time_without_zone_is_marked_estimated(tmp_path: Path) -> None:
    exact = [
        {"id": f"e{n}", "type": "stop", "sessionId": "s", "timestamp": 1772250650230 + n}
        for n in range(3)
    ]
    naive = {**exact[0], "id": "naive", "timestamp": "2026-02-27T21:50:50.230"}
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (*exact, naive)) + "\n")
    mapped = {e.id: e for s in read_source(path).sessions for e in s.events}
    assert [mapped[f"e{n}"].time_estimated for n in range(3)] == [None, None, None]
    assert mapped["naive"].time_estimated is True
