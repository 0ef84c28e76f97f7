"""The live fold hands a commit back to the full build where folding it would not be exact.

:mod:`vibecast.capture.running` folds a commit's new events into the running state, and returns
None (the recorder builds in full) for the cases it does not fold exactly. Each test here drives
one of those cases through the recorder's save (``save_session`` with the folding builder and a
real store), checks that the commit was built in full — the state was there and was not used —
and that every commit, and the replay stored at the end, is what a full build and one import of
the same events give. Each test fails with its fallback taken out of ``running.py``; the last
one, the other way round, shows a case that looks like one (two starts of one subagent) folded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
import pytest
from capture_harness import real_payloads
from test_running_state import (
    CKA_CHAT,
    CKA_SESSION,
    FIRST_MS,
    CheckedBuilder,
    _assert_same_replay,
    _import_once,
    _live_commit,
    _real,
    _stored,
)

from vibecast.importers import read_source
from vibecast.importers.hooks import event_from_hook_payload
from vibecast.model import RecordedEvent
from vibecast.pipeline import SavedReplay
from vibecast.redact import Redactor
from vibecast.store import open_store

ID_LESS = "cc-1.0.5x"  # Claude Code 1.0.x hooks: no tool_use_id, calls paired first-in-first-out


def _commit_each(
    tmp_path: Path, batches: Sequence[tuple[str, Sequence[RecordedEvent]]], session_id: str
) -> list[int]:
    """Each batch committed as the recorder commits it (the saved replay kept between commits,
    each build checked against the full build), and the same events imported once; returns how
    many commits had been folded after each commit."""
    builder = CheckedBuilder()
    folded: list[int] = []
    redactor = Redactor()
    with open_store(f"sqlite:///{tmp_path / 'live.db'}") as store:
        saved: SavedReplay | None = None
        for source, events in batches:
            saved = _live_commit(store, redactor, session_id, source, events, saved, builder)
            folded.append(builder.folds)
    with open_store(f"sqlite:///{tmp_path / 'import.db'}") as store:
        _import_once(store, batches, session_id)
    return folded


def _id_less_read(shared_data: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Real id-less hooks: another call, then a Read call and its result (same input)."""
    folder = shared_data / "claude-code" / "hook-payloads" / ID_LESS
    pres, posts = _real(folder, "pre_tool_use"), _real(folder, "post_tool_use")
    call, result = pres[6], posts[1]
    assert (call["tool_name"], call["tool_input"]) == (result["tool_name"], result["tool_input"])
    assert not call.get("tool_use_id") and not result.get("tool_use_id")
    return pres[0], call, result


def _hook(payload: dict[str, Any], at_ms: int) -> RecordedEvent:
    """A hook payload as the recorder maps a spooled one (its arrival in µs as the occurrence)."""
    return event_from_hook_payload(payload, FIRST_MS + at_ms, (FIRST_MS + at_ms) * 1000)


def test_a_stored_id_less_call_that_a_later_copy_names_is_built_in_full(
    shared_data: Path, tmp_path: Path
) -> None:
    """An id-less call waiting for its result, then a copy of it (same id) that carries a
    tool_use_id: the call it belongs to changes, and the fold, which keeps the call it was in,
    gives way to the full build; the result, arriving later, is folded again. No source sends
    such a copy today (a hook or Vibecraft event with a tool_use_id is named
    ``<tool_use_id>:pre``: it would be another event); without the fallback the old call stays
    counted beside the new one and the metadata is wrong."""
    first, call, result = _id_less_read(shared_data)
    stored_call = _hook(call, 10_000)
    named = msgspec.structs.replace(stored_call, tool_use_id="toolu_01Vibecast0000000000000")
    batches = [
        ("live", [_hook(first, 0)]),
        ("live", [stored_call]),
        ("live", [_hook(first, 11_000)]),  # the same call made again, folded
        ("live", [named]),
        ("live", [_hook(result, 12_000)]),
    ]
    assert _commit_each(tmp_path, batches, call["session_id"]) == [0, 0, 1, 1, 2]
    _assert_same_replay(tmp_path, call["session_id"], named_model=False)


def test_a_stored_id_less_result_arriving_again_with_an_error_is_built_in_full(
    shared_data: Path, tmp_path: Path
) -> None:
    """The newest id-less event, a Read's result, arrives again (same id) with an error its
    first copy did not carry (a real failed Read's): the call's outcome changes, and the fold,
    which does not re-pair id-less events it has stored (their first-in-first-out queues may
    change), gives way to the full build. No source sends two different copies of one id-less
    event today (its id hashes the whole payload); without the fallback the call stays a
    success, or the re-paired result makes a second call."""
    first, call, result = _id_less_read(shared_data)
    failures = _real(
        shared_data / "claude-code" / "hook-payloads" / "cc-2.1.62", "post_tool_use_failure"
    )
    error = next(p["error"] for p in failures if p["tool_name"] == "Read")
    stored_result = _hook(result, 12_000)
    batches = [
        ("live", [_hook(first, 0)]),
        ("live", [_hook(call, 10_000)]),
        ("live", [stored_result]),
        ("live", [msgspec.structs.replace(stored_result, error=error)]),
    ]
    assert _commit_each(tmp_path, batches, call["session_id"]) == [0, 0, 1, 1]
    _assert_same_replay(tmp_path, call["session_id"], named_model=False)
    with open_store(f"sqlite:///{tmp_path / 'live.db'}") as store:
        assert _stored(store, call["session_id"])[0].metadata.error_count == 1


@pytest.mark.parametrize("fill", ["whole transcript", "from the resume on"])
def test_transcript_records_before_the_first_event_are_built_in_full(
    fill: str, shared_data: Path, tmp_path: Path
) -> None:
    """A session resumed (``claude --resume``) after a part no hook recorded: the replay starts
    at the resume's SessionStart, and the recorder's fill from the transcript brings the records
    written before it. The first event changes, and every relative time with it, so that commit
    is built in full; the next one folds again. A fill from the resume on (the control) folds."""
    path = shared_data / "claude-code" / "chat-arrays" / CKA_CHAT
    typed = sorted(
        (e for s in read_source(path).sessions if s.session_id == CKA_SESSION for e in s.events),
        key=lambda e: e.timestamp,
    )
    payloads = [p for p in real_payloads(shared_data) if p.get("session_id") == CKA_SESSION]
    by_id = {(p["hook_event_name"], p.get("tool_use_id")): p for p in payloads}
    transcript = {(e.type, e.tool_use_id): e.timestamp for e in typed if e.tool_use_id}
    read, edit, edit_again = (  # three calls after the resume, hooks and transcript both
        "toolu_01PJR6Tt86kr6Qu382RBbgSM",
        "toolu_01XsRXiHpvwskgiBrYW1eVde",
        "toolu_017S8hABGQps3EN1q1mzveud",
    )

    def hook(name: str, tool_use_id: str) -> RecordedEvent:
        """The call's hook, stamped a little after the transcript's record of it."""
        phase = "pre_tool_use" if name == "PreToolUse" else "post_tool_use"
        at = transcript[(phase, tool_use_id)] + 150
        return event_from_hook_payload(by_id[(name, tool_use_id)], at, at * 1000)

    resumed_at = transcript[("pre_tool_use", read)] - 2_000
    start = next(p for p in payloads if p["hook_event_name"] == "SessionStart")
    resume = event_from_hook_payload(start | {"source": "resume"}, resumed_at, resumed_at * 1000)
    live = [
        [resume],
        [hook("PreToolUse", read)],
        [hook("PostToolUse", read), hook("PreToolUse", edit)],
    ]
    now = live[-1][-1].timestamp
    since = typed[0].timestamp if fill == "whole transcript" else resumed_at
    filled = [e for e in typed if since <= e.timestamp <= now]
    assert any(e.timestamp < resumed_at for e in filled) == (fill == "whole transcript")
    batches: list[tuple[str, Sequence[RecordedEvent]]] = [
        *(("live", events) for events in live),
        ("transcript", filled),
        ("live", [hook("PostToolUse", edit), hook("PreToolUse", edit_again)]),
    ]
    folded = _commit_each(tmp_path, batches, CKA_SESSION)
    assert folded == ([0, 0, 1, 1, 2] if fill == "whole transcript" else [0, 0, 1, 2, 3])
    _assert_same_replay(tmp_path, CKA_SESSION)
    with open_store(f"sqlite:///{tmp_path / 'live.db'}") as store:
        events = _stored(store, CKA_SESSION)[1]
    assert (events[0].timestamp, events[0].relative_time_ms) == (since, 0)


def _subagent_session(shared_data: Path) -> tuple[dict[str, Any], dict[str, Any], RecordedEvent]:
    """A real 2.1 session's start and one of its subagents' SubagentStart hooks, and the start
    the subagent's transcript reports for the same agent (its first record: the prompt it was
    given, under the record's uuid)."""
    folder = shared_data / "claude-code" / "hook-payloads" / "cc-2.1.62"
    hook = _real(folder, "subagent_start")[0]
    starts = _real(folder, "session_start")
    session = next(p for p in starts if p["session_id"] == hook["session_id"])
    transcript_start = RecordedEvent(
        id="9e2f775c-bfba-46a1-9e09-326422e3c241:0",
        timestamp=FIRST_MS + 20_000,
        type="subagent_start",
        session_id=hook["session_id"],
        prompt="Find where the cluster's kubeconfig is read",
        agent_id=hook["agent_id"],
        agent_type=hook["agent_type"],
        recorded_at=FIRST_MS + 20_000,
        relative_time_ms=0,
    )
    return session, hook, transcript_start


@pytest.mark.parametrize("hook_first", [True, False])
def test_a_subagent_start_and_its_twin_are_built_in_full(
    shared_data: Path, tmp_path: Path, hook_first: bool
) -> None:
    """A subagent's start reported by its hook and by its transcript, in either order, in two
    commits: the second copy's commit is built in full (the full build merges the twins into
    one start; folding does not); a start with no twin is folded, and so is the commit after.
    Without the twin check the replay holds two starts of one subagent."""
    session, hook, transcript_start = _subagent_session(shared_data)
    pres = _real(shared_data / "claude-code" / "hook-payloads" / "cc-2.1.62", "pre_tool_use")
    call = dict(pres[0], session_id=hook["session_id"])  # a real call, in this session
    hook_start = _hook(hook, 20_011)
    first, second = (
        (("live", [hook_start]), ("transcript", [transcript_start]))
        if hook_first
        else (("transcript", [transcript_start]), ("live", [hook_start]))
    )
    batches = [
        ("live", [_hook(session, 0)]),
        ("live", [_hook(call, 10_000)]),
        first,  # no twin yet: folded
        second,  # its twin: built in full
        ("live", [_hook(dict(call, tool_use_id="toolu_01Later"), 30_000)]),
    ]
    assert _commit_each(tmp_path, batches, hook["session_id"]) == [0, 0, 1, 1, 2]
    with open_store(f"sqlite:///{tmp_path / 'live.db'}") as store:
        starts = [e for e in _stored(store, hook["session_id"])[1] if e.type == "subagent_start"]
    assert [(e.id, e.agent_id, e.prompt) for e in starts] == [
        (transcript_start.id, hook["agent_id"], transcript_start.prompt)
    ]
    _assert_same_replay(tmp_path, hook["session_id"], named_model=True)


def test_hook_starts_of_one_subagent_are_folded(shared_data: Path, tmp_path: Path) -> None:
    """Two SubagentStart hooks of one agent (an agent resumed) and no transcript copy: nothing
    for the full build to merge, so both commits fold, and the replay keeps both starts as one
    import does."""
    session, hook, _ = _subagent_session(shared_data)
    pres = _real(shared_data / "claude-code" / "hook-payloads" / "cc-2.1.62", "pre_tool_use")
    call = dict(pres[0], session_id=hook["session_id"])
    batches = [
        ("live", [_hook(session, 0)]),
        ("live", [_hook(call, 10_000)]),
        ("live", [_hook(hook, 20_011)]),
        ("live", [_hook(hook, 40_011)]),  # the same agent started again
    ]
    assert _commit_each(tmp_path, batches, hook["session_id"]) == [0, 0, 1, 2]
    with open_store(f"sqlite:///{tmp_path / 'live.db'}") as store:
        starts = [e for e in _stored(store, hook["session_id"])[1] if e.type == "subagent_start"]
    assert [e.agent_id for e in starts] == [hook["agent_id"]] * 2
    _assert_same_replay(tmp_path, hook["session_id"], named_model=True)
