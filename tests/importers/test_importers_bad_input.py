"""Broken files cost the broken part only: issues, never exceptions, and the good records stay."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from importer_source_json import SHARED

from vibecast.importers import read_source
from vibecast.importers.timestamps import parse_timestamp
from vibecast.model import EventType, encode_event

SMALL = SHARED / "claude-code/transcripts/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl"
SESSION = "1af7fc5e-8455-4414-9ccd-011d40f70b2a"


def all_issues(result) -> list[str]:
    return [i.message for i in result.issues] + [
        i.message for s in result.sessions for i in s.issues
    ]


def event_ids(result) -> set[str]:
    return {e.id for s in result.sessions for e in s.events}


@pytest.fixture
def lines() -> list[bytes]:
    return SMALL.read_bytes().splitlines()


@pytest.fixture
def baseline() -> set[str]:
    return event_ids(read_source(SMALL))


def write(tmp_path: Path, data: bytes, name: str = f"{SESSION}.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_malformed_line_in_the_middle_costs_that_line(tmp_path, lines, baseline) -> None:
    broken = [*lines[:10], b'{"type": "assistant", "message": {', *lines[10:]]
    result = read_source(write(tmp_path, b"\n".join(broken) + b"\n"))
    assert event_ids(result) == baseline
    assert [i.line for i in result.issues] == [11]
    assert "malformed" in result.issues[0].message


def test_a_truncated_last_line_is_reported_and_skipped(tmp_path, lines, baseline) -> None:
    cut = lines[-1][: len(lines[-1]) // 2]
    result = read_source(write(tmp_path, b"\n".join([*lines[:-1], cut])))
    assert any("truncated last record" in m for m in all_issues(result))
    last_uuid = json.loads(lines[-1])["uuid"]  # the final assistant text: one event
    assert baseline - event_ids(result) == {f"{last_uuid}:0"}


def test_binary_garbage_between_records(tmp_path, lines, baseline) -> None:
    garbage = bytes(range(256)) * 4
    result = read_source(write(tmp_path, b"\n".join([*lines[:5], garbage, *lines[5:]])))
    assert event_ids(result) == baseline
    assert len(result.issues) >= 1


def test_a_file_of_binary_garbage_is_not_a_format(tmp_path) -> None:
    result = read_source(write(tmp_path, bytes(range(256)) * 4000, "noise.jsonl"))
    assert result.sessions == [] and result.format == "unknown"
    assert len(result.issues) == 1 and "not a recognised format" in result.issues[0].message


def test_invalid_utf8_inside_a_string_is_repaired(tmp_path, lines) -> None:
    record = json.loads(lines[0])
    record["message"]["content"] = "PLACEHOLDER"
    raw = json.dumps(record).encode().replace(b"PLACEHOLDER", b"caf\xe9 au lait")
    result = read_source(write(tmp_path, b"\n".join([raw, *lines[1:]])))
    prompts = [
        e.prompt
        for s in result.sessions
        for e in s.events
        if e.type == EventType.USER_PROMPT_SUBMIT
    ]
    assert "caf\ufffd au lait" in prompts
    assert any("invalid UTF-8" in m for m in all_issues(result))


def test_a_10_mb_tool_output_line(tmp_path, lines) -> None:
    big = "x" * (10 * 1024 * 1024)
    use = {
        "type": "assistant",
        "uuid": "u-big-1",
        "sessionId": SESSION,
        "timestamp": "2025-09-01T10:00:00.000Z",
        "message": {
            "id": "m-big",
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "toolu_big", "name": "Bash", "input": {"command": "yes"}}
            ],
        },
    }
    result_record = {
        "type": "user",
        "uuid": "u-big-2",
        "sessionId": SESSION,
        "timestamp": "2025-09-01T10:00:01.000Z",
        "message": {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_big", "content": big}],
        },
    }
    data = b"\n".join(
        [*lines, json.dumps(use).encode(), json.dumps(result_record).encode(), lines[0]]
    )
    result = read_source(write(tmp_path, data))
    post = next(e for s in result.sessions for e in s.events if e.id == "toolu_big:post")
    assert post.tool == "Bash" and len(post.tool_response) == len(big)


def test_unknown_record_type_is_kept_with_one_warning(tmp_path, lines, baseline) -> None:
    odd = [
        json.dumps({"type": "hologram", "sessionId": SESSION, "uuid": f"h{i}", "beam": i}).encode()
        for i in range(3)
    ]
    result = read_source(write(tmp_path, b"\n".join([*lines, *odd])))
    unknown = [e for s in result.sessions for e in s.events if e.type == EventType.UNKNOWN]
    assert [e.raw["beam"] for e in unknown] == [0, 1, 2]
    assert sum("hologram" in m for m in all_issues(result)) == 1
    assert baseline <= event_ids(result)


def test_records_that_are_not_objects(tmp_path, lines, baseline) -> None:
    """Each is counted, `null` too, and where it was is said."""
    extra = [b"null", b"42", b'"text"', b"[1, 2]"]
    result = read_source(write(tmp_path, b"\n".join([*lines, *extra])))
    assert event_ids(result) == baseline
    first = len(lines) + 1
    numbers = ", ".join(str(n) for n in range(first, first + 4))
    assert f"skipped 4 records that are not JSON objects (lines {numbers})" in all_issues(result)


def test_a_chat_array_element_that_is_not_an_object(tmp_path, lines, baseline) -> None:
    elements = [json.loads(line) for line in lines]
    array = json.dumps([*elements[:2], None, *elements[2:]]).encode()
    result = read_source(write(tmp_path, array, f"{SESSION}.json"))
    assert event_ids(result) == baseline
    assert "skipped 1 record that is not a JSON object (element 3)" in all_issues(result)


@pytest.mark.parametrize("content", [b"", b"   \n\n  \t\n"])
def test_empty_files(tmp_path, content) -> None:
    result = read_source(write(tmp_path, content))
    assert result.sessions == [] and result.format == "empty"
    assert [i.message for i in result.issues] == ["empty file"]


def test_missing_file_and_directory(tmp_path) -> None:
    for path in (tmp_path / "nope.jsonl", tmp_path):
        result = read_source(path)
        assert result.sessions == [] and result.issues and "cannot read" in result.issues[0].message


def test_a_chat_array_cut_short_keeps_its_complete_elements(tmp_path, shared_data) -> None:
    source = shared_data / "claude-code/chat-arrays/cka-buddy-cc-2.1.62.chat.json"
    data = source.read_bytes()
    cut = write(tmp_path, data[: len(data) * 2 // 3], "cut.chat.json")
    full, part = read_source(source), read_source(cut)
    assert part.format == "claude-chat-array"
    assert 0 < len(event_ids(part)) < len(event_ids(full))
    assert any("truncated last element" in m for m in all_issues(part))


def test_a_bad_element_in_a_hook_array(tmp_path, shared_data) -> None:
    source = shared_data / "claude-code/hook-payloads/cc-2.1.62/session_start.json"
    payloads = json.loads(source.read_text())
    parts = [json.dumps(p) for p in payloads]
    parts.insert(3, '{"hook_event_name": "SessionStart", oops}')
    result = read_source(write(tmp_path, ("[" + ",\n".join(parts) + "]").encode(), "start.json"))
    assert result.format == "claude-hook-payloads"
    assert sum(len(s.events) for s in result.sessions) == len(payloads)
    assert any(i.line == 4 for i in result.issues)


def test_many_bad_lines_are_capped(tmp_path, lines) -> None:
    data = b"\n".join([*lines, *(b"{broken" for _ in range(500))])
    result = read_source(write(tmp_path, data))
    assert len(result.issues) <= 51
    assert result.issues[-1].message.endswith("more issues not shown")


def test_records_without_a_time_take_the_sessions_time(tmp_path, lines) -> None:
    odd = json.dumps({"type": "hologram", "sessionId": SESSION, "uuid": "h0"}).encode()
    result = read_source(write(tmp_path, b"\n".join([odd, *lines])))
    first = json.loads(lines[0])["timestamp"]
    unknown = next(e for e in result.sessions[0].events if e.type == EventType.UNKNOWN)
    assert unknown.timestamp == parse_timestamp(first)


def test_an_unknown_record_never_keeps_inline_base64(tmp_path, lines) -> None:
    png = bytes(range(200))
    encoded = base64.b64encode(png).decode()
    image = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": encoded},
    }
    odd = json.dumps({"type": "hologram", "sessionId": SESSION, "uuid": "h9", "frames": [image]})
    result = read_source(write(tmp_path, b"\n".join([*lines, odd.encode()])))
    session = result.sessions[0]
    unknown = next(e for e in session.events if e.type == EventType.UNKNOWN)
    assert encoded not in encode_event(unknown).decode()
    assert session.blobs[unknown.attachments[0].blob] == png
