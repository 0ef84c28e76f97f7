"""A prompt typed in a live session is one event, not two: the UserPromptSubmit hook (stamped on
arrival) and the transcript's record of it (filled in by the recorder) are twins.

Played on the real pairs of the shared data — hook payloads and the chat array of one session —
with each hook arriving shortly after the transcript recorded its prompt, as it does live.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from capture_harness import real_payloads

from vibecast.capture import Recorder, SpoolWriter
from vibecast.capture.spool import HOOK
from vibecast.importers import read_source
from vibecast.model import EventType
from vibecast.store import open_store

PAIRS = {
    "cka-buddy": ("cka-buddy-cc-2.1.62.chat.json", "7da73774-862d-4897-94a7-ef847ce65033"),
    "dotfiles": ("dotfiles-cc-1.0.59.chat.json", "129cee5b-0720-42ec-be20-ecc78dc7d90a"),
}
HOOK_DELAY_MS = 150  # the hook stamps its arrival a little after the transcript's record


@pytest.mark.parametrize("name", PAIRS)
def test_live_prompts_meet_their_transcript_copy(
    name: str, capture_env, shared_data: Path, tmp_path: Path
) -> None:
    chat, session_id = PAIRS[name]
    transcript = tmp_path / "projects" / chat
    transcript.parent.mkdir()
    shutil.copy(shared_data / "claude-code" / "chat-arrays" / chat, transcript)
    typed = [
        e
        for s in read_source(transcript).sessions
        if s.session_id == session_id
        for e in s.events
        if e.type == EventType.USER_PROMPT_SUBMIT
    ]
    hooks = [
        p
        for p in real_payloads(shared_data)
        if p.get("session_id") == session_id and p["hook_event_name"] == "UserPromptSubmit"
    ]
    assert len(hooks) == len(typed) >= 2
    writer = SpoolWriter(capture_env.paths.spool)
    for payload, record in zip(hooks, typed, strict=True):
        assert payload["prompt"] == record.prompt  # the real pair: the same text, both sides
        arrival_us = (record.timestamp + HOOK_DELAY_MS) * 1000
        body = {**payload, "transcript_path": str(transcript)}
        writer.write(json.dumps(body).encode(), HOOK, arrival_us)

    recorder = Recorder(capture_env.settings)
    recorder.poll()
    recorder.flush()  # the hooks alone: the prompts are recorded at once
    with open_store(capture_env.settings.database_url) as store:
        replay = store.find_replay_by_session(session_id)
        assert replay is not None
        early = store.read_events(replay.id)
    assert [e.prompt for e in early] == [p["prompt"] for p in hooks]

    recorder.drain()  # the checkpoint reads the transcript
    with open_store(capture_env.settings.database_url) as store:
        events = store.read_events(replay.id)
    prompts = [e for e in events if e.type == EventType.USER_PROMPT_SUBMIT]
    assert [(e.id, e.prompt, e.timestamp) for e in prompts] == [
        (e.id, e.prompt, e.timestamp) for e in typed
    ]
    assert not [e for e in events if e.id.startswith("hook-")]
    assert len({e.id for e in events}) == len(events)


def test_the_same_words_typed_twice_stay_two_prompts(capture_env, tmp_path: Path) -> None:
    """Twins pair by nearest time: a prompt repeated minutes later is its own event."""
    transcript = tmp_path / "s.jsonl"
    t0 = 1_767_000_000_000
    records = [
        {
            "type": "user",
            "uuid": f"u{i}",
            "sessionId": "twice",
            "timestamp": _iso(t0 + i * 300_000),
            "message": {"role": "user", "content": "continue"},
        }
        for i in range(2)
    ]
    transcript.write_text("".join(json.dumps(r) + "\n" for r in records))
    writer = SpoolWriter(capture_env.paths.spool)
    for i in range(2):
        payload = {
            "hook_event_name": "UserPromptSubmit",
            "session_id": "twice",
            "prompt": "continue",
            "transcript_path": str(transcript),
        }
        writer.write(json.dumps(payload).encode(), HOOK, (t0 + i * 300_000 + 40) * 1000)
    Recorder(capture_env.settings).drain()
    with open_store(capture_env.settings.database_url) as store:
        replay = store.find_replay_by_session("twice")
        assert replay is not None
        events = store.read_events(replay.id)
    prompts = [e for e in events if e.type == EventType.USER_PROMPT_SUBMIT]
    assert [(e.id, e.timestamp) for e in prompts] == [("u0:0", t0), ("u1:0", t0 + 300_000)]


def _iso(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )
