"""The recorder's running state gives, commit after commit, what one full build gives.

A live session is committed a few events at a time; :mod:`vibecast.capture.running` folds each
batch into what it remembers of the saved replay instead of merging the whole session again.
These tests play the real hook payloads (and a real transcript) in random batches, with the
state dropped at random points as a recorder restart drops it, and check that every fold equals
the full build of the same commit, and that the stored replay at the end — events, order, ids,
tool outcomes, metadata, search rows — is the one a single import of the same events stores.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from capture_harness import real_payloads

from vibecast.capture.recorder import live_status
from vibecast.capture.running import RunningState, StateToBuild, build_live
from vibecast.importers import read_source
from vibecast.importers.base import CapturedSession
from vibecast.importers.hooks import event_from_hook_payload, hook_payload_of
from vibecast.model import RecordedEvent
from vibecast.pipeline import Built, SavedReplay, build_in_full, save_session
from vibecast.redact import Redactor
from vibecast.store import open_store
from vibecast.store.base import Store
from vibecast.store.search import search_fields

SESSION = "long-session"
FIRST_MS = 1_767_000_000_000
CKA_CHAT = "cka-buddy-cc-2.1.62.chat.json"
CKA_SESSION = "7da73774-862d-4897-94a7-ef847ce65033"


class CheckedBuilder:
    """build_live, checked against the full build of the same commit every time."""

    def __init__(self) -> None:
        self.folds = 0
        self.commits = 0

    def __call__(self, session: CapturedSession, stored: SavedReplay | None, user: str) -> Built:
        full = build_in_full(session, stored, user)
        live = build_live(session, stored, user)
        self.commits += 1
        self.folds += isinstance(live.state, RunningState)  # a full build leaves a StateToBuild
        assert live.events == full.events
        assert live.replay.metadata == full.replay.metadata
        assert live.replay.title == full.replay.title
        assert live_status(live.status_view) == live_status(full.events)
        if live.search is not None:  # the store's search rows, from the state
            assert live.search(live.replay) == search_fields(full.replay, full.events)
        if live.unchanged is not None:
            assert stored is not None
            assert live.events[: live.unchanged] == stored.events[: live.unchanged]
        return live


def _one_session(count: int, shared_data: Path) -> list[RecordedEvent]:
    """``count`` real hook events of one session, the real payloads cycled (tool ids made
    distinct per cycle), arriving two a second."""
    base = real_payloads(shared_data)
    events = []
    for i in range(count):
        cycle, k = divmod(i, len(base))
        payload: dict[str, Any] = dict(base[k], session_id=SESSION)
        payload.pop("transcript_path", None)
        if payload.get("tool_use_id"):
            payload["tool_use_id"] = f"{payload['tool_use_id']}~{cycle}"
        arrival = FIRST_MS + 500 * i
        events.append(event_from_hook_payload(payload, arrival, arrival * 1000))
    return events


def _stored(store: Store, session_id: str) -> tuple[Any, list[RecordedEvent]]:
    replay = store.find_replay_by_session(session_id)
    assert replay is not None
    return replay, store.read_events(replay.id)


def _search_rows(database: Path) -> tuple[list[Any], list[Any]]:
    with sqlite3.connect(database) as conn:
        search = conn.execute("SELECT title, prompts, files FROM replay_search").fetchall()
        tools = conn.execute("SELECT tool FROM replay_tools ORDER BY tool").fetchall()
    return search, tools


def _commit_all(
    store: Store,
    batches: Sequence[tuple[str, Sequence[RecordedEvent]]],
    session_id: str,
    rng: random.Random,
    builder: CheckedBuilder,
) -> None:
    """Commit each (source, events) batch as the recorder does, the state lost now and then."""
    redactor = Redactor()
    cached: SavedReplay | None = None
    for source, events in batches:
        saved = _live_commit(store, redactor, session_id, source, events, cached, builder)
        cached = None if rng.random() < 0.05 else saved  # a restart: the state is gone


def _live_commit(
    store: Store,
    redactor: Redactor,
    session_id: str,
    source: str,
    events: Sequence[RecordedEvent],
    cached: SavedReplay | None,
    builder: CheckedBuilder,
) -> SavedReplay:
    """One commit as the recorder makes it (live status, fast, the folding builder)."""
    captured = CapturedSession(session_id=session_id, events=list(events), source=source)
    result = save_session(
        store, captured, redactor, status=live_status, cached=cached, fast=True, builder=builder
    )
    return result.saved


def _import_once(
    store: Store, batches: Sequence[tuple[str, Sequence[RecordedEvent]]], session_id: str
) -> None:
    """The same events saved with full builds, one save per source (as an import would)."""
    redactor = Redactor()
    by_source: dict[str, list[RecordedEvent]] = {}
    for source, events in batches:
        by_source.setdefault(source, []).extend(events)
    for source, events in by_source.items():
        captured = CapturedSession(session_id=session_id, events=events, source=source)
        save_session(store, captured, redactor, status=live_status)


def _assert_same_replay(tmp_path: Path, session_id: str, *, named_model: bool = True) -> None:
    """The replay the live commits stored (live.db) is the one import stored (import.db).
    ``named_model``: the session's hooks name a model (1.0.x hooks name none)."""
    with open_store(f"sqlite:///{tmp_path / 'live.db'}") as live:
        live_replay, live_events = _stored(live, session_id)
    with open_store(f"sqlite:///{tmp_path / 'import.db'}") as once:
        one_replay, one_events = _stored(once, session_id)
    assert [e.id for e in live_events] == [e.id for e in one_events]
    assert live_events == one_events
    # The model too: a stored model the stored events give is worked out again at each commit
    # (merged_info), so commits name the one one import names, not the first seen.
    assert bool(live_replay.metadata.model) == named_model
    assert live_replay.metadata == one_replay.metadata
    assert (live_replay.title, live_replay.status) == (one_replay.title, one_replay.status)
    assert _search_rows(tmp_path / "live.db") == _search_rows(tmp_path / "import.db")


@pytest.mark.parametrize("seed", range(3))
def test_hook_commits_in_random_batches_store_what_one_import_stores(
    seed: int, shared_data: Path, tmp_path: Path
) -> None:
    rng = random.Random(seed)
    events = _one_session(700, shared_data)
    batches: list[tuple[str, Sequence[RecordedEvent]]] = []
    start = 0
    while start < len(events):
        size = rng.choice((1, 2, 3, 5, 10, 40))
        batches.append(("live", events[start : start + size]))
        start += size
    builder = CheckedBuilder()
    with open_store(f"sqlite:///{tmp_path / 'live.db'}") as store:
        _commit_all(store, batches, SESSION, rng, builder)
    with open_store(f"sqlite:///{tmp_path / 'import.db'}") as store:
        _import_once(store, batches, SESSION)
    assert builder.folds >= builder.commits // 2  # folding is what ran, not the fallback
    _assert_same_replay(tmp_path, SESSION)


@pytest.mark.parametrize("seed", range(3))
def test_hooks_and_their_transcript_interleaved(
    seed: int, shared_data: Path, tmp_path: Path
) -> None:
    """The real session whose hooks and transcript both exist: transcript events arrive at
    checkpoints between hook batches, meeting their hook twins (same ids, prompts by text),
    moving events (a transcript's earlier time wins) and landing between stored ones."""
    rng = random.Random(seed)
    transcript = tmp_path / "projects" / CKA_CHAT
    transcript.parent.mkdir()
    transcript.write_bytes((shared_data / "claude-code" / "chat-arrays" / CKA_CHAT).read_bytes())
    typed = [
        event
        for session in read_source(transcript).sessions
        if session.session_id == CKA_SESSION
        for event in session.events
    ]
    typed.sort(key=lambda e: e.timestamp)
    payloads = [p for p in real_payloads(shared_data) if p.get("session_id") == CKA_SESSION]
    assert typed and len(payloads) > 20
    # Hooks arrive spread over the transcript's span, in their causal order.
    span = max(typed[-1].timestamp - typed[0].timestamp, len(payloads))
    step = span // len(payloads)
    hooks = [
        event_from_hook_payload(p, typed[0].timestamp + 150 + i * step, 0)
        for i, p in enumerate(payloads)
    ]
    batches: list[tuple[str, Sequence[RecordedEvent]]] = []
    given = 0
    start = 0
    while start < len(hooks):
        size = rng.choice((1, 2, 4, 8))
        batch = hooks[start : start + size]
        start += size
        batches.append(("live", batch))
        if rng.random() < 0.3 or start >= len(hooks):  # a checkpoint: what the file holds now
            now = batch[-1].timestamp if start < len(hooks) else typed[-1].timestamp
            upto = given
            while upto < len(typed) and typed[upto].timestamp <= now:
                upto += 1
            if upto > given:
                batches.append(("transcript", typed[given:upto]))
                given = upto
    builder = CheckedBuilder()
    with open_store(f"sqlite:///{tmp_path / 'live.db'}") as store:
        _commit_all(store, batches, CKA_SESSION, rng, builder)
    with open_store(f"sqlite:///{tmp_path / 'import.db'}") as store:
        _import_once(store, batches, CKA_SESSION)
    assert builder.folds > 0
    with open_store(f"sqlite:///{tmp_path / 'live.db'}") as live:
        live_events = _stored(live, CKA_SESSION)[1]
    with open_store(f"sqlite:///{tmp_path / 'import.db'}") as once:
        one_events = _stored(once, CKA_SESSION)[1]
    # Order of arrival changes which copy of a prompt meets which (nearest in time), so the two
    # are compared as the same set of events; the fold itself is checked at every commit.
    assert {e.id for e in live_events} == {e.id for e in one_events}


def test_a_failed_save_leaves_no_stale_state(shared_data: Path, tmp_path: Path) -> None:
    """A fold changes the state for the events it built; if their save never happened, the
    state must not be used with the events that are stored. A state still to build is built
    afresh from the events it names, whatever was folded from it and not saved."""
    events = _one_session(60, shared_data)
    redactor = Redactor()

    def commit(batch: list[RecordedEvent], cached: SavedReplay | None) -> SavedReplay:
        captured = CapturedSession(session_id=SESSION, events=batch, source="live")
        return save_session(store, captured, redactor, cached=cached, builder=build_live).saved

    with open_store(f"sqlite:///{tmp_path / 'live.db'}") as store:
        created = commit(events[:15], None)
        assert created.state is None  # a session's first commit keeps no state
        first = commit(events[15:30], created)
        assert isinstance(first.state, StateToBuild)  # built in full: its state, when needed
        more = CapturedSession(session_id=SESSION, events=events[30:40], source="live")
        unsaved = build_live(more, first, "local")  # folded, never saved
        assert isinstance(unsaved.state, RunningState)
        assert isinstance(first.state, StateToBuild)  # untouched by that fold
        builder = CheckedBuilder()
        second = save_session(
            store,
            CapturedSession(session_id=SESSION, events=events[30:45], source="live"),
            redactor,
            cached=first,
            builder=builder,
        ).saved
        assert builder.folds == 1  # a fresh state of first's events: exact, checked
        state = second.state
        assert isinstance(state, RunningState)
        build_live(
            CapturedSession(session_id=SESSION, events=events[45:50], source="live"),
            second,
            "local",
        )  # folded into ``state``, never saved
        again = CapturedSession(session_id=SESSION, events=events[45:], source="live")
        assert state.fold(again, second) is None  # not the state of ``second`` any more
        builder = CheckedBuilder()
        save_session(store, again, redactor, cached=second, builder=builder)
        assert builder.folds == 0


@pytest.mark.parametrize(
    ("chat", "session_id"),
    [
        (CKA_CHAT, CKA_SESSION),  # tool ids, subagents, prompts with transcript twins
        ("dotfiles-cc-1.0.59.chat.json", "129cee5b-0720-42ec-be20-ecc78dc7d90a"),  # id-less hooks
        (None, "b23e5d8a-855f-44c5-95f0-075485a6ffcf"),  # id-less hooks alone, FIFO pairing
    ],
)
@pytest.mark.parametrize("seed", range(2))
def test_folds_stay_exact_when_the_live_stream_misbehaves(
    chat: str | None, session_id: str, seed: int, shared_data: Path, tmp_path: Path
) -> None:
    """What a live stream really does besides growing: hooks arriving out of order across
    commits (stamped by arrival, read in other batches), payloads read again after a restart,
    the whole transcript handed over again (a restarted recorder's fill forgets what it sent),
    the session resumed after its SessionEnd, and another process importing the transcript
    between two commits. Every commit is checked against the full build, and what the store
    reads back against what was saved."""
    rng = random.Random(seed)
    typed: list[RecordedEvent] = []
    if chat:
        path = shared_data / "claude-code" / "chat-arrays" / chat
        typed = [
            e for s in read_source(path).sessions if s.session_id == session_id for e in s.events
        ]
        typed.sort(key=lambda e: e.timestamp)
    payloads = [p for p in real_payloads(shared_data) if p.get("session_id") == session_id]
    first = typed[0].timestamp if typed else FIRST_MS
    step = max((typed[-1].timestamp - first) if typed else 0, 500 * len(payloads)) // len(payloads)
    hooks = [
        event_from_hook_payload(p, first + 150 + i * step + rng.randint(-step, step), 0)
        for i, p in enumerate(payloads)
    ]
    resumed = max(e.timestamp for e in hooks) + 1000
    hooks += [  # after the end: the same payloads again, as new occurrences (seq 1)
        event_from_hook_payload(p, resumed + 300 * j, 1) for j, p in enumerate(payloads[:10])
    ]
    builder = CheckedBuilder()
    redactor = Redactor()
    with open_store(f"sqlite:///{tmp_path / 'live.db'}") as store:
        cached: SavedReplay | None = None
        given = start = 0
        while start < len(hooks):
            size = rng.choice((1, 2, 3, 5, 8))
            batch = hooks[start : start + size]
            if start and rng.random() < 0.2:
                batch += rng.sample(hooks[:start], min(3, start))  # read again
            rng.shuffle(batch)
            start += size
            commits: list[tuple[str, list[RecordedEvent]]] = [("live", batch)]
            if typed and rng.random() < 0.3:
                now = max(e.timestamp for e in batch)
                upto = given
                while upto < len(typed) and typed[upto].timestamp <= now:
                    upto += 1
                since = 0 if rng.random() < 0.2 else given  # 0: all of it again
                commits.append(("transcript", typed[since:upto]))
                given = upto
            for source, events in commits:
                cached = _live_commit(store, redactor, session_id, source, events, cached, builder)
                assert store.read_events(cached.replay.id) == cached.events
            if typed and rng.random() < 0.15:  # another process imports the transcript
                part = typed[: rng.randint(1, len(typed))]
                imported = CapturedSession(session_id=session_id, events=part, source="import")
                save_session(store, imported, redactor)
    assert builder.folds >= builder.commits // 3


def test_a_late_id_less_call_is_paired_as_a_full_build_pairs_it(shared_data: Path) -> None:
    """Hooks without a tool_use_id pair first-in-first-out: a result goes to the oldest waiting
    call with its input. A call whose hook arrived late, stamped before a call and result
    already stored, takes that result in a full build; a fold of it alone would leave it
    waiting, so the fold must give way to the full build (checked against it)."""
    folder = shared_data / "claude-code" / "hook-payloads" / "cc-1.0.5x"
    pres = [hook_payload_of(p) for p in json.loads((folder / "pre_tool_use.json").read_text())]
    posts = [hook_payload_of(p) for p in json.loads((folder / "post_tool_use.json").read_text())]
    call, result = pres[6], posts[1]  # a real Read and its result (same tool, same input)
    assert (call["tool_name"], call["tool_input"]) == (result["tool_name"], result["tool_input"])
    session = call["session_id"]

    def hook(payload: dict[str, Any], at_ms: int, seq: int = 0) -> RecordedEvent:
        return event_from_hook_payload(payload, FIRST_MS + at_ms, seq)

    commits = [
        [hook(pres[0], 0)],
        [hook(call, 10_000), hook(result, 12_000)],
        [hook(call, 5_000, seq=1)],  # the same call made again, its hook read late
    ]
    builder = CheckedBuilder()
    saved: SavedReplay | None = None
    for events in commits:
        session_events = CapturedSession(session_id=session, events=events, source="live")
        built = builder(session_events, saved, "local")
        saved = SavedReplay(built.replay, built.events, built.state)
    assert builder.folds == 0  # the state was there, and gave way to the full build
    assert saved is not None and isinstance(saved.state, StateToBuild)
    durations = {e.id: e.duration for e in saved.events if e.type == "post_tool_use"}
    assert list(durations.values()) == [7_000]  # the result went to the late, older call


def test_a_first_hook_prompt_merged_into_its_transcript_copy(
    shared_data: Path, tmp_path: Path
) -> None:
    """A replay that starts with a hook's prompt, whose transcript copy (stamped a little later)
    arrives at a checkpoint: the twins merge into the transcript's event (keeping the earlier
    time), and the replay's first event is another one. Checked against the full build."""
    path = shared_data / "claude-code" / "chat-arrays" / CKA_CHAT
    typed = [
        e
        for s in read_source(path).sessions
        if s.session_id == CKA_SESSION
        for e in s.events
        if e.type == "user_prompt_submit"
    ]
    hooks = [
        p
        for p in real_payloads(shared_data)
        if p.get("session_id") == CKA_SESSION and p["hook_event_name"] == "UserPromptSubmit"
    ]
    prompt, record = hooks[0], typed[0]
    assert prompt["prompt"] == record.prompt
    start = record.timestamp - 40  # the hook stamped before the transcript wrote its record
    tools = [
        p
        for p in real_payloads(shared_data)
        if p.get("session_id") == CKA_SESSION and p.get("tool_use_id")
    ][:6]
    commits = [
        ("live", [event_from_hook_payload(prompt, start, 0)]),
        (
            "live",
            [event_from_hook_payload(p, start + 1000 * (i + 1), 0) for i, p in enumerate(tools)],
        ),
        ("transcript", [record]),
    ]
    builder = CheckedBuilder()
    saved: SavedReplay | None = None
    for source, events in commits:
        built = builder(
            CapturedSession(session_id=CKA_SESSION, events=events, source=source), saved, "local"
        )
        saved = SavedReplay(built.replay, built.events, built.state)
    assert saved is not None
    assert saved.events[0].id == record.id and saved.events[0].relative_time_ms == 0


def _real(folder: Path, event: str) -> list[dict[str, Any]]:
    return [hook_payload_of(p) for p in json.loads((folder / f"{event}.json").read_text())]


def _build_commits(commits: Sequence[Sequence[RecordedEvent]], session: str) -> CheckedBuilder:
    """Each commit built as the recorder builds it, checked against a full build."""
    builder = CheckedBuilder()
    saved: SavedReplay | None = None
    for events in commits:
        captured = CapturedSession(session_id=session, events=list(events), source="live")
        built = builder(captured, saved, "local")
        saved = SavedReplay(built.replay, built.events, built.state)
    return builder


def test_a_result_stamped_before_its_call_is_built_in_full(shared_data: Path) -> None:
    """A tool's result whose hook time is earlier than its call's (two hooks' clocks, or a call
    read late): the timeline plays it after its call, against the timestamps' order, which a
    fold does not do. That commit is built in full, and so are the session's later ones (its
    saved order is not the timestamps': no state is kept). Each checked against a full build."""
    folder = shared_data / "claude-code" / "hook-payloads" / "cc-2.1.62"
    pres, posts = _real(folder, "pre_tool_use"), _real(folder, "post_tool_use")
    call = pres[0]
    result = next(p for p in posts if p["tool_use_id"] == call["tool_use_id"])
    other = next(p for p in pres if p["tool_use_id"] != call["tool_use_id"])
    start = _real(folder, "session_start")[0]

    def hook(payload: dict[str, Any], at_ms: int) -> RecordedEvent:
        return event_from_hook_payload(payload, FIRST_MS + at_ms, (FIRST_MS + at_ms) * 1000)

    commits = [[hook(start, 0)], [hook(call, 10_000)], [hook(other, 11_000)]]
    folded = _build_commits(commits, call["session_id"]).folds
    assert folded == 1
    builder = _build_commits([*commits, [hook(result, 9_000)]], call["session_id"])
    assert builder.folds == folded, "the inverted pair is built in full"
    later = [*commits, [hook(result, 9_000)], [hook(other | {"tool_use_id": "x"}, 20_000)]]
    assert _build_commits(later, call["session_id"]).folds == folded
