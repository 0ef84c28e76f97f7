"""Importing the same data twice, or a prefix copy of it, yields the same ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from importer_source_json import CHAT_ARRAYS, HOOK_FILES, TRANSCRIPTS, VIBECRAFT

from vibecast.importers import SourceResult, read_source
from vibecast.model import encode_event

ALL = [*TRANSCRIPTS, *CHAT_ARRAYS, *HOOK_FILES, VIBECRAFT]


def encoded(result: SourceResult) -> dict[str, list[bytes]]:
    return {s.session_id: [encode_event(e) for e in s.events] for s in result.sessions}


def ids(result: SourceResult) -> dict[str, set[str]]:
    return {s.session_id: {e.id for e in s.events} for s in result.sessions}


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_reading_twice_gives_identical_events(path: Path) -> None:
    first, second = read_source(path), read_source(path)
    assert encoded(first) == encoded(second)
    assert [s.blobs for s in first.sessions] == [s.blobs for s in second.sessions]


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_ids_are_unique_within_a_session(path: Path) -> None:
    for session in read_source(path).sessions:
        assert len({e.id for e in session.events}) == len(session.events)


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.name)
def test_a_prefix_copy_of_a_transcript_gives_a_subset_of_the_ids(
    tmp_path: Path, path: Path
) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    copy = tmp_path / "checkpoint-copy.jsonl"  # another name: the session id comes from the records
    copy.write_bytes(b"".join(lines[: len(lines) * 3 // 5]))
    full, prefix = ids(read_source(path)), ids(read_source(copy))
    assert prefix and set(prefix) <= set(full)
    for session_id, some in prefix.items():
        assert some and some <= full[session_id]


@pytest.mark.parametrize("path", CHAT_ARRAYS, ids=lambda p: p.name)
def test_a_prefix_of_a_chat_array_gives_a_subset_of_the_ids(tmp_path: Path, path: Path) -> None:
    records = json.loads(path.read_text(encoding="utf-8"))
    copy = tmp_path / "copy.chat.json"
    copy.write_text(json.dumps(records[: len(records) // 2]), encoding="utf-8")
    full, prefix = ids(read_source(path)), ids(read_source(copy))
    assert prefix and all(prefix[sid] <= full[sid] for sid in prefix)


@pytest.mark.parametrize("path", HOOK_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_prefix_of_a_hook_capture_gives_a_subset_of_the_ids(tmp_path: Path, path: Path) -> None:
    payloads = json.loads(path.read_text(encoding="utf-8"))
    copy = tmp_path / path.name
    copy.write_text(json.dumps(payloads[: max(1, len(payloads) // 2)]), encoding="utf-8")
    full, prefix = ids(read_source(path)), ids(read_source(copy))
    assert prefix and all(prefix[sid] <= full[sid] for sid in prefix)
