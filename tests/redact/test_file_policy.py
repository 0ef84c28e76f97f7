"""The file-content policy on real payloads: Read contents and Edit originals are not stored,
paths, sizes and line ranges are; ``keep_file_contents`` keeps everything."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from vibecast.config import RedactionSettings
from vibecast.model import RecordedEvent, encode_event
from vibecast.redact import Redactor


def _event(tool: str, response: Any, *, raw: dict[str, Any] | None = None) -> RecordedEvent:
    return RecordedEvent(
        id="e1",
        timestamp=1,
        type="post_tool_use",
        session_id="s",
        tool=tool,
        tool_response=response,
        raw=raw,
        recorded_at=1,
        relative_time_ms=0,
    )


@pytest.fixture(scope="module")
def payloads(shared_data: Path) -> list[dict[str, Any]]:
    path = shared_data / "claude-code" / "hook-payloads" / "cc-2.1.62" / "post_tool_use.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _of(payloads: list[dict[str, Any]], tool: str) -> list[dict[str, Any]]:
    found = [p for p in payloads if p.get("tool_name") == tool]
    assert found, f"no {tool} payload in the sample"
    return found


KEY = b"k" * 32


def test_read_keeps_path_sizes_and_line_range_not_the_content(payloads) -> None:
    redactor = Redactor(content_key=KEY)
    for payload in _of(payloads, "Read"):
        file = payload["tool_response"]["file"]
        out = redactor.redact_event(_event("Read", payload["tool_response"]))
        described = out.tool_response["file"]
        assert out.tool_response["type"] == "text"
        assert "content" not in described
        for key in ("filePath", "numLines", "startLine", "totalLines"):
            assert described[key] == file[key]
        data = file["content"].encode("utf-8")
        assert described["bytes"] == len(data)
        # Keyed: a plain sha256 of a short secret file could be tested against guesses.
        assert described["digest"] == "hmac-sha256:" + hmac.new(KEY, data, "sha256").hexdigest()
        assert hashlib.sha256(data).hexdigest() not in json.dumps(out.tool_response)
        stored = encode_event(out).decode()
        longest = max(file["content"].splitlines() or [""], key=len)
        if len(longest) > 20:
            assert longest not in stored and json.dumps(longest)[1:-1] not in stored
    assert redactor.omitted["read-contents"] == len(_of(payloads, "Read"))


def test_identical_reads_stay_comparable(payloads) -> None:
    by_content: dict[str, list[dict[str, Any]]] = {}
    for payload in _of(payloads, "Read"):
        by_content.setdefault(payload["tool_response"]["file"]["content"], []).append(payload)
    repeated = [group for group in by_content.values() if len(group) > 1]
    assert repeated, "the sample reads some file twice"
    redactor = Redactor(content_key=KEY)
    for group in repeated:
        described = [
            redactor.redact_event(_event("Read", p["tool_response"])).tool_response for p in group
        ]
        assert all(d["file"]["digest"] == described[0]["file"]["digest"] for d in described)


def test_the_install_keys_its_digests(tmp_path) -> None:
    """The pipeline's redactor keys digests with the data dir's secret: stable across runs,
    different between installs."""
    from vibecast.config import load_settings

    one = Redactor.for_install(load_settings(env={"VIBECAST_HOME": str(tmp_path / "a")}))
    again = Redactor.for_install(load_settings(env={"VIBECAST_HOME": str(tmp_path / "a")}))
    other = Redactor.for_install(load_settings(env={"VIBECAST_HOME": str(tmp_path / "b")}))
    assert one.content_key and one.content_key == again.content_key != other.content_key


def test_edit_drops_the_original_file_and_keeps_the_diff(payloads) -> None:
    redactor = Redactor()
    for payload in _of(payloads, "Edit"):
        response = payload["tool_response"]
        out = redactor.redact_event(_event("Edit", response)).tool_response
        assert "originalFile" not in out
        for key in ("filePath", "oldString", "newString", "structuredPatch", "replaceAll"):
            assert out[key] == response[key]
    assert redactor.omitted["original-file"] == len(_of(payloads, "Edit"))


def test_write_keeps_what_the_agent_wrote(payloads) -> None:
    redactor = Redactor()
    for payload in _of(payloads, "Write"):
        out = redactor.redact_event(_event("Write", payload["tool_response"])).tool_response
        assert out["content"] == payload["tool_response"]["content"]
        assert out["filePath"] == payload["tool_response"]["filePath"]


def test_keep_file_contents_keeps_them(payloads) -> None:
    redactor = Redactor(RedactionSettings(keep_file_contents=True))
    for payload in _of(payloads, "Read") + _of(payloads, "Edit"):
        event = _event(payload["tool_name"], payload["tool_response"])
        assert redactor.redact_event(event) is event  # nothing secret in these files
    assert not redactor.omitted


def _transcript_reads(shared_data: Path) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Records with a Read's toolUseResult, Read tool_result strings, and Read errors."""
    path = (
        shared_data / "claude-code" / "transcripts" / "fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl"
    )
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    names = {
        block["id"]: block["name"]
        for r in records
        for block in (r.get("message") or {}).get("content") or []
        if isinstance(block, dict) and block.get("type") == "tool_use"
    }
    with_result, listings, errors = [], [], []
    for r in records:
        for block in (r.get("message") or {}).get("content") or []:
            if not isinstance(block, dict) or block.get("type") != "tool_result":
                continue
            if names.get(block.get("tool_use_id")) != "Read":
                continue
            content = block.get("content")
            if isinstance(content, str):
                (errors if block.get("is_error") else listings).append(content)
            if isinstance(r.get("toolUseResult"), dict):
                with_result.append(r)
    return with_result, listings, errors


def test_read_result_text_becomes_a_short_note(shared_data: Path) -> None:
    _, listings, _ = _transcript_reads(shared_data)
    assert listings
    redactor = Redactor()
    for text in listings:
        out = redactor.redact_event(_event("Read", text)).tool_response
        lines, size = len(text.splitlines()), len(text.encode("utf-8"))
        assert out == f"[file contents not stored: {lines} lines, {size} bytes]"
        blocks = redactor.redact_event(_event("Read", [{"type": "text", "text": text}]))
        assert blocks.tool_response == [{"type": "text", "text": out}]


def test_read_errors_are_kept(shared_data: Path) -> None:
    _, _, errors = _transcript_reads(shared_data)
    redactor = Redactor()
    for text in ["<tool_use_error>File does not exist.</tool_use_error>", *errors]:
        assert redactor.redact_event(_event("Read", text)).tool_response == text


def test_raw_records_lose_file_contents_too(shared_data: Path) -> None:
    """A transcript record kept whole in ``raw``: its toolUseResult and tool_result block."""
    with_result, _, _ = _transcript_reads(shared_data)
    redactor = Redactor()
    for record in with_result:
        out = redactor.redact_event(_event("Read", None, raw=record)).raw
        assert "content" not in out["toolUseResult"]["file"]
        assert (
            out["toolUseResult"]["file"]["filePath"] == record["toolUseResult"]["file"]["filePath"]
        )
        for block in out["message"]["content"]:
            if block.get("type") == "tool_result" and isinstance(block.get("content"), str):
                assert block["content"].startswith("[file contents not stored:")


def test_multiedit_original_contents_are_dropped(shared_data: Path) -> None:
    found = []
    for path in sorted((shared_data / "claude-code").rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            result = record.get("toolUseResult") if isinstance(record, dict) else None
            if isinstance(result, dict) and "originalFileContents" in result:
                found.append(result)
    assert found
    redactor = Redactor()
    for result in found:
        out = redactor.redact_event(_event("MultiEdit", result)).tool_response
        assert "originalFileContents" not in out
        assert out["edits"] == result["edits"]
        assert out["structuredPatch"] == result["structuredPatch"]
