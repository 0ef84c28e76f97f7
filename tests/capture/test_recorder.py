"""The recorder on real payloads: exactly once across crashes, status, bad files, failed
commits, transcripts, and the background thread ``vibecast serve`` will run."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
from capture_harness import real_payloads

from vibecast.capture import LIVE_SOURCE, Recorder, RecorderBusy, SpoolWriter, list_spool
from vibecast.capture import recorder as recorder_module
from vibecast.capture.lock import running_recorder_pid
from vibecast.capture.segments import SegmentReader, spool_waiting
from vibecast.capture.spool import HOOK
from vibecast.capture.spool_log import WINDOW_US
from vibecast.importers.base import CapturedSession
from vibecast.model import EventType
from vibecast.pipeline import import_paths, save_session
from vibecast.redact import Redactor
from vibecast.store import open_store
from vibecast.store.base import StoreError
from vibecast.store.sqlite import SQLiteStore

T0_US = 1_767_000_000_000_000  # a fixed arrival time, 2025-12-29


def spool_payloads(env, payloads, start_us: int = T0_US, step_us: int = 1500) -> list[Path]:
    writer = SpoolWriter(env.paths.spool)
    return [
        writer.write(json.dumps(p).encode(), HOOK, start_us + i * step_us)
        for i, p in enumerate(payloads)
    ]


def stored(env) -> dict[str, list]:
    store = open_store(env.settings.database_url)
    try:
        return {r.session_id: (r, store.read_events(r.id)) for r in store.list_replays(limit=500)}
    finally:
        store.close()


def test_drain_records_every_real_payload(capture_env, shared_data: Path) -> None:
    payloads = real_payloads(shared_data)
    spool_payloads(capture_env, payloads)
    stats = Recorder(capture_env.settings).drain()
    assert stats.files == stats.committed_files == stats.events == len(payloads)
    assert stats.new_events == len(payloads)
    assert stats.rejected == 0 and stats.cpu_s > 0
    assert list_spool(capture_env.paths.spool) == []
    replays = stored(capture_env)
    per_session = Counter(p.get("session_id") or "unknown" for p in payloads)
    assert {sid: len(events) for sid, (_, events) in replays.items()} == dict(per_session)
    for replay, events in replays.values():
        assert LIVE_SOURCE in replay.metadata.sources
        assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)
        assert events[0].relative_time_ms == 0


def test_a_crash_before_deleting_reingests_without_duplicates(
    capture_env, shared_data: Path
) -> None:
    """Spool files still there after their commit (a crash between commit and delete) are read
    again on restart: the merge is a no-op, the store is exactly as before."""
    payloads = real_payloads(shared_data)[:120]
    files = spool_payloads(capture_env, payloads)
    copies = {path.name: path.read_bytes() for path in files}
    Recorder(capture_env.settings).drain()
    before = stored(capture_env)
    for name, data in copies.items():  # the same files, as if never deleted
        (capture_env.paths.spool / name).write_bytes(data)
    stats = Recorder(capture_env.settings).drain()
    assert stats.files == len(payloads) and stats.new_events == 0
    after = stored(capture_env)
    assert {k: v[1] for k, v in after.items()} == {k: v[1] for k, v in before.items()}


def test_same_payload_twice_is_two_events(capture_env) -> None:
    """Identical payloads at different times (a repeated prompt) are two moments, not one."""
    payload = {"hook_event_name": "UserPromptSubmit", "session_id": "s1", "prompt": "again"}
    spool_payloads(capture_env, [payload, payload])
    Recorder(capture_env.settings).drain()
    _, events = stored(capture_env)["s1"]
    assert [e.prompt for e in events] == ["again", "again"]
    assert events[1].timestamp - events[0].timestamp == 1  # 1500 µs apart, in ms


def test_status_recording_until_session_end_and_again_on_resume(capture_env) -> None:
    def hook(name: str, **extra: str) -> dict:
        return {"hook_event_name": name, "session_id": "s2", "cwd": "/w", **extra}

    recorder = Recorder(capture_env.settings)
    spool_payloads(capture_env, [hook("SessionStart", source="startup"), hook("Stop")])
    recorder.drain()
    assert stored(capture_env)["s2"][0].status == "recording"
    spool_payloads(capture_env, [hook("SessionEnd", reason="exit")], T0_US + 10_000)
    recorder.drain()
    assert stored(capture_env)["s2"][0].status == "complete"
    spool_payloads(capture_env, [hook("SessionStart", source="resume")], T0_US + 20_000)
    recorder.drain()
    replay, events = stored(capture_env)["s2"]
    assert replay.status == "recording" and len(events) == 4


def test_unreadable_files_are_set_aside_and_the_rest_recorded(capture_env) -> None:
    good = {"hook_event_name": "UserPromptSubmit", "session_id": "s3", "prompt": "hi"}
    spool_payloads(capture_env, [good])
    spool = capture_env.paths.spool
    (spool / f"{T0_US + 1:016d}-1.hook").write_bytes(b'{"hook_event_name": "Stop", "sess')
    (spool / f"{T0_US + 2:016d}-2.hook").write_bytes(b"[1, 2]")
    (spool / "notes.txt").write_text("not a spool file")
    stats = Recorder(capture_env.settings).drain()
    assert stats.rejected == 2 and stats.new_events == 1
    assert sorted(p.name for p in capture_env.paths.rejected.iterdir()) == [
        f"{T0_US + 1:016d}-1.hook",
        f"{T0_US + 2:016d}-2.hook",
    ]
    assert (spool / "notes.txt").exists()
    assert [e.prompt for e in stored(capture_env)["s3"][1]] == ["hi"]


def test_a_payload_naming_no_session_is_set_aside_not_made_a_replay(capture_env) -> None:
    """A stray POST or a hand test (``{"x": 1}``) became a replay "Session unknown" that stayed
    ``recording`` at the top of the list; Claude Code names the session in every payload."""
    good = {"hook_event_name": "UserPromptSubmit", "session_id": "s4", "prompt": "hi"}
    stray = [{"x": 1}, {"hook_event_name": "Stop", "session_id": ""}]
    spool_payloads(capture_env, [stray[0], good, stray[1]])
    stats = Recorder(capture_env.settings).drain()
    assert stats.rejected == 2 and stats.new_events == 1
    assert list(stored(capture_env)) == ["s4"]
    assert len(list(capture_env.paths.rejected.iterdir())) == 2


def test_abandoned_temporary_files_are_cleaned(capture_env) -> None:
    capture_env.paths.ensure()
    old = capture_env.paths.spool_tmp / f"{T0_US:016d}-9.hook"
    old.write_bytes(b'{"half": ')
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    fresh = capture_env.paths.spool_tmp / f"{T0_US + 5:016d}-10.hook"
    fresh.write_bytes(b'{"being": "written"')
    Recorder(capture_env.settings).drain()
    assert not old.exists() and fresh.exists()


class FlakyStore(SQLiteStore):
    """A real store whose first ``fail`` saves fail, like a database locked by another writer."""

    def __init__(self, path: str, fail: int) -> None:
        super().__init__(path)
        self.fail = fail

    def save_replay(self, replay, events, blobs=None, **options) -> None:
        if self.fail > 0:
            self.fail -= 1
            raise StoreError("database is locked")
        super().save_replay(replay, events, blobs, **options)


def test_a_failed_commit_keeps_the_events_and_retries(capture_env) -> None:
    payloads = [
        {"hook_event_name": "UserPromptSubmit", "session_id": "s4", "prompt": f"p{i}"}
        for i in range(3)
    ]
    spool_payloads(capture_env, payloads)
    store = FlakyStore(str(capture_env.settings.home / "flaky.db"), fail=1)
    recorder = Recorder(capture_env.settings, store=store)
    recorder.poll()
    assert recorder.flush() == 0 and recorder.stats.failed_commits == 1
    assert len(list_spool(capture_env.paths.spool)) == 3  # nothing deleted
    assert recorder.flush() == 3
    assert list_spool(capture_env.paths.spool) == []
    replay = store.find_replay_by_session("s4")
    assert replay is not None
    assert [e.prompt for e in store.read_events(replay.id)] == ["p0", "p1", "p2"]
    store.close()


def test_transcript_fills_in_what_hooks_do_not_carry(
    capture_env, shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / "claude-code/transcripts/5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl"
    transcript = tmp_path / "projects" / source.name
    transcript.parent.mkdir()
    shutil.copy(source, transcript)
    session = "5c0375b4-57a5-4f26-b12d-d022ee4e51b7"
    base = {"session_id": session, "cwd": "/path/to/Demo", "transcript_path": str(transcript)}
    started = 1_757_238_723_000_000  # 2025-09-07T09:52:03Z, when the transcript begins
    spool_payloads(
        capture_env,
        [
            {**base, "hook_event_name": "SessionStart", "source": "startup"},
            {
                **base,
                "hook_event_name": "PreToolUse",
                "tool_name": "TodoWrite",
                "tool_input": {"todos": []},
                "tool_use_id": "toolu_01NG5xcSvVWynFdbWxaW2SPc",
            },
            {**base, "hook_event_name": "SessionEnd", "reason": "exit"},
        ],
        start_us=started,
        step_us=60_000_000,
    )
    stats = Recorder(capture_env.settings).drain()
    assert stats.transcript_reads >= 1
    replay, events = stored(capture_env)[session]
    types = Counter(e.type for e in events)
    assert types[EventType.ASSISTANT_MESSAGE] == 7  # only the transcript has the assistant's text
    assert types[EventType.SESSION_START] == types[EventType.SESSION_END] == 1
    # The hook's and the transcript's report of one tool call are one event.
    todo = [e for e in events if e.tool_use_id == "toolu_01NG5xcSvVWynFdbWxaW2SPc"]
    assert [e.type for e in todo].count(EventType.PRE_TOOL_USE) == 1
    assert replay.status == "complete"
    assert str(transcript) in replay.metadata.sources and LIVE_SOURCE in replay.metadata.sources
    assert replay.metadata.git_branch == "main"


DEMO = "5c0375b4-57a5-4f26-b12d-d022ee4e51b7"  # a real transcript with 7 assistant messages


def demo_transcript(shared_data: Path, tmp_path: Path, lines: int | None = None) -> Path:
    """The real transcript, first ``lines`` only, where Claude Code would keep it."""
    source = shared_data / f"claude-code/transcripts/{DEMO}.jsonl"
    transcript = tmp_path / "projects" / source.name
    transcript.parent.mkdir(exist_ok=True)
    transcript.write_bytes(b"".join(source.read_bytes().splitlines(keepends=True)[:lines]))
    return transcript


def spool_demo(capture_env, transcript: Path, *hooks: str) -> None:
    base = {"session_id": DEMO, "cwd": "/path/to/Demo", "transcript_path": str(transcript)}
    extra = {"SessionStart": {"source": "startup"}, "SessionEnd": {"reason": "exit"}}
    payloads = [{**base, "hook_event_name": h, **extra.get(h, {"prompt": "hi"})} for h in hooks]
    spool_payloads(capture_env, payloads, start_us=1_757_238_723_000_000, step_us=60_000_000)


def assistant_messages(env) -> int:
    return Counter(e.type for e in stored(env)[DEMO][1])[EventType.ASSISTANT_MESSAGE]


def test_a_restart_after_session_end_still_reads_the_transcripts_last_lines(
    capture_env, shared_data: Path, tmp_path: Path
) -> None:
    """Claude Code may write a transcript's last lines after SessionEnd; the recorder reads it
    again at the next checkpoint. A recorder restarted before then reads it at its own."""
    transcript = demo_transcript(shared_data, tmp_path, lines=5)  # when SessionEnd fired
    spool_demo(capture_env, transcript, "SessionStart", "SessionEnd")
    Recorder(capture_env.settings).drain()  # stops before its next checkpoint
    assert stored(capture_env)[DEMO][0].status == "complete"
    assert assistant_messages(capture_env) < 7
    demo_transcript(shared_data, tmp_path)  # the rest, written after the hook

    stats = Recorder(capture_env.settings).drain()
    assert stats.transcript_reads == 1
    replay, events = stored(capture_env)[DEMO]
    assert assistant_messages(capture_env) == 7
    assert replay.status == "complete"
    assert len({e.id for e in events}) == len(events)


def test_the_transcript_read_again_is_the_sessions_not_an_imported_copy(
    capture_env, shared_data: Path, tmp_path: Path
) -> None:
    """Sources [a copy imported earlier, live capture, the transcript]: a restarted recorder
    reads the transcript named after the session, the newest, not the first file listed."""
    transcript = demo_transcript(shared_data, tmp_path, lines=5)
    copy = tmp_path / "backup" / f"old-{DEMO}.jsonl"
    copy.parent.mkdir()
    shutil.copy(transcript, copy)
    store = open_store(capture_env.settings.database_url)
    try:
        import_paths(store, capture_env.settings, [copy])
    finally:
        store.close()
    spool_demo(capture_env, transcript, "SessionStart", "SessionEnd")
    Recorder(capture_env.settings).drain()
    assert stored(capture_env)[DEMO][0].metadata.sources[0] == str(copy)
    demo_transcript(shared_data, tmp_path)
    Recorder(capture_env.settings).drain()
    assert assistant_messages(capture_env) == 7


def test_a_closed_replay_stays_closed_when_a_restart_reads_its_transcript(
    capture_env, shared_data: Path, tmp_path: Path, monkeypatch
) -> None:
    """A session killed without SessionEnd is closed after a silence; the transcript read of a
    recorder restarted soon after must not make it 'recording' again (no SessionEnd tells
    live_status it ended)."""
    transcript = demo_transcript(shared_data, tmp_path, lines=5)
    spool_demo(capture_env, transcript, "SessionStart", "UserPromptSubmit")
    monkeypatch.setattr(recorder_module, "IDLE_CLOSE_S", 0.0)
    Recorder(capture_env.settings).drain()  # silent: closed
    assert stored(capture_env)[DEMO][0].status == "complete"
    monkeypatch.setattr(recorder_module, "IDLE_CLOSE_S", 3600.0)
    demo_transcript(shared_data, tmp_path)
    Recorder(capture_env.settings).drain()  # `vibecast serve` restarted a minute later
    assert stored(capture_env)[DEMO][0].status == "complete"
    assert assistant_messages(capture_env) == 7  # and the transcript's news is in
    # ... and one closed by the sweep of replays left recording, then a restart
    spool_payloads(capture_env, [{"hook_event_name": "SessionStart", "session_id": "s9"}])
    Recorder(capture_env.settings).drain()
    assert stored(capture_env)["s9"][0].status == "recording"
    time.sleep(0.02)
    monkeypatch.setattr(recorder_module, "IDLE_CLOSE_S", 0.01)
    Recorder(capture_env.settings).drain()
    assert stored(capture_env)["s9"][0].status == "complete"
    monkeypatch.setattr(recorder_module, "IDLE_CLOSE_S", 3600.0)
    Recorder(capture_env.settings).drain()
    assert stored(capture_env)["s9"][0].status == "complete"


def test_replays_left_recording_are_not_closed_while_the_spool_is_read(
    capture_env, monkeypatch
) -> None:
    """After a long outage, the first poll reads only part of a large backlog: a session left
    recording whose later records wait unread is not closed (and reopened) meanwhile."""

    def prompt(session: str, text: str = "hi") -> dict:
        return {"hook_event_name": "UserPromptSubmit", "session_id": session, "prompt": text}

    spool_payloads(capture_env, [prompt("S")])
    Recorder(capture_env.settings).drain()
    assert stored(capture_env)["S"][0].status == "recording"
    time.sleep(0.02)
    spool_payloads(capture_env, [prompt("X", "x" * 2000) for _ in range(50)], T0_US + WINDOW_US)
    spool_payloads(capture_env, [prompt("S", "still here")], T0_US + 3 * WINDOW_US)
    monkeypatch.setattr(recorder_module, "IDLE_CLOSE_S", 0.01)
    recorder = Recorder(capture_env.settings)
    recorder._segments = SegmentReader(budget=20_000)  # stands for its 64 MiB
    recorder.poll()
    assert stored(capture_env)["S"][0].status == "recording"


def test_background_thread_records_live_and_holds_the_lock(capture_env) -> None:
    recorder = Recorder(capture_env.settings, poll_interval=0.01, flush_interval=0.05)
    recorder.start()
    try:
        assert running_recorder_pid(capture_env.paths.lock) == os.getpid()
        with pytest.raises(RecorderBusy):
            Recorder(capture_env.settings).start()
        payload = {"hook_event_name": "UserPromptSubmit", "session_id": "s5", "prompt": "live"}
        spool_payloads(capture_env, [payload], start_us=time.time_ns() // 1000)
        deadline = time.monotonic() + 10
        while list_spool(capture_env.paths.spool) or recorder.stats.commits == 0:
            assert time.monotonic() < deadline, "the recorder did not commit"
            time.sleep(0.01)
    finally:
        recorder.stop()
    assert running_recorder_pid(capture_env.paths.lock) is None
    assert [e.prompt for e in stored(capture_env)["s5"][1]] == ["live"]


def test_commit_cadence_stretches_only_for_costly_saves(capture_env) -> None:
    recorder = Recorder(capture_env.settings, flush_interval=5.0, checkpoint_interval=30.0)
    assert recorder._cadence(0.01) == 5.0  # a 10 ms save: every 5 s
    assert recorder._cadence(0.5) == 10.0  # a 0.5 s save: at most 1/20 of a core
    assert recorder._cadence(10.0) == 30.0  # never beyond the checkpoint


def test_silent_sessions_are_closed_and_forgotten_not_lost(capture_env, monkeypatch) -> None:
    """A session that never sent its SessionEnd (Claude Code killed) does not stay "recording"
    for ever, nor in the recorder's memory; if it speaks again, it records again."""
    monkeypatch.setattr(recorder_module, "IDLE_CLOSE_S", 0.0)
    payload = {"hook_event_name": "UserPromptSubmit", "session_id": "s6", "prompt": "one"}
    spool_payloads(capture_env, [payload])
    recorder = Recorder(capture_env.settings)
    recorder.drain()
    assert recorder._sessions == {}
    assert stored(capture_env)["s6"][0].status == "complete"
    spool_payloads(capture_env, [{**payload, "prompt": "two"}], T0_US + 5_000)
    monkeypatch.setattr(recorder_module, "IDLE_CLOSE_S", 3600.0)
    recorder.drain()  # it speaks again: recording again
    assert stored(capture_env)["s6"][0].status == "recording"
    monkeypatch.setattr(recorder_module, "IDLE_CLOSE_S", 0.0)
    recorder.flush(checkpoint=True)
    replay, events = stored(capture_env)["s6"]
    assert [e.prompt for e in events] == ["one", "two"] and replay.status == "complete"


def test_replays_left_recording_by_an_earlier_run_are_closed(capture_env, monkeypatch) -> None:
    """The recorder was stopped (or killed) while a session was live, and the session never
    spoke again: the next recorder closes its replay once it has been silent long enough, and
    leaves a replay that is still live alone."""

    def prompt(session: str) -> dict:
        return {"hook_event_name": "UserPromptSubmit", "session_id": session, "prompt": "hi"}

    spool_payloads(capture_env, [prompt("old"), prompt("live")])
    Recorder(capture_env.settings).drain()
    assert {s: r.status for s, (r, _) in stored(capture_env).items()} == {
        "old": "recording",
        "live": "recording",
    }
    time.sleep(0.01)
    spool_payloads(capture_env, [prompt("live")], T0_US + 5_000)  # "live" speaks again
    monkeypatch.setattr(recorder_module, "IDLE_CLOSE_S", 0.005)
    recorder = Recorder(capture_env.settings)
    recorder.poll()  # reads "live", then sweeps: only "old" is silent and unknown to it
    statuses = {s: r.status for s, (r, _) in stored(capture_env).items()}
    assert statuses == {"old": "complete", "live": "recording"}
    assert len(stored(capture_env)["old"][1]) == 1  # closing adds no event


def test_any_users_replay_left_recording_is_closed(capture_env, monkeypatch) -> None:
    """Server mode: a replay another user's client started (POST /api/replays/start) and never
    stopped is closed by the sweep too, under its owner."""
    store = open_store(capture_env.settings.database_url)
    try:
        bob = store.create_user("bob")
        session = CapturedSession(session_id="api-started", events=[], source="api")
        save_session(store, session, Redactor(), status="recording", user_id=bob.id)
        assert store.find_replay_by_session("api-started", bob.id).status == "recording"
        time.sleep(0.01)
        monkeypatch.setattr(recorder_module, "IDLE_CLOSE_S", 0.005)
        Recorder(capture_env.settings).poll()
        closed = store.find_replay_by_session("api-started", bob.id)
        assert closed is not None and closed.status == "complete"
        assert store.find_replay_by_session("api-started") is None  # not copied to local
    finally:
        store.close()


def test_drain_gives_up_on_a_store_that_keeps_failing(capture_env) -> None:
    payload = {"hook_event_name": "Stop", "session_id": "s7"}
    spool_payloads(capture_env, [payload])
    store = FlakyStore(str(capture_env.settings.home / "down.db"), fail=10**6)
    stats = Recorder(capture_env.settings, store=store).drain()
    assert stats.failed_commits >= 1 and stats.new_events == 0
    assert len(list_spool(capture_env.paths.spool)) == 1  # kept for the next run
    store.close()


def test_a_replay_stays_complete_when_old_records_are_read_again(capture_env) -> None:
    """After a crash the recorder reads again records it committed long ago (their segment was
    kept for another session's sake); that must not reopen a finished replay."""
    from vibecast.capture.spool_log import WINDOW_US, segment_name

    def hook(name: str, **extra: str) -> dict:
        return {"hook_event_name": name, "session_id": "s3", "cwd": "/w", **extra}

    spool_payloads(capture_env, [hook("SessionStart", source="startup"), hook("Stop")])
    first = capture_env.paths.spool / segment_name(T0_US)
    kept = first.read_bytes()
    spool_payloads(capture_env, [hook("SessionEnd", reason="exit")], T0_US + WINDOW_US)
    Recorder(capture_env.settings).drain()
    replay, events = stored(capture_env)["s3"]
    assert replay.status == "complete" and len(events) == 3
    first.write_bytes(kept)  # the first segment again, as a restart finds it
    stats = Recorder(capture_env.settings).drain()
    assert stats.files == 2 and stats.new_events == 0
    again, events_again = stored(capture_env)["s3"]
    assert again.status == "complete" and events_again == events


def test_an_unreadable_segment_does_not_stop_the_others(capture_env, caplog) -> None:
    """A segment that cannot be read (another user's, EIO) is logged and retried; the others
    are recorded meanwhile."""
    from vibecast.capture.spool_log import WINDOW_US, segment_name

    one = {"hook_event_name": "UserPromptSubmit", "session_id": "s4", "prompt": "first one"}
    two = {"hook_event_name": "UserPromptSubmit", "session_id": "s4", "prompt": "second one"}
    spool_payloads(capture_env, [one])
    spool_payloads(capture_env, [two], T0_US + 2 * WINDOW_US)
    (capture_env.paths.spool / segment_name(T0_US + WINDOW_US)).mkdir()  # reads fail: EISDIR
    Recorder(capture_env.settings).drain()
    _, events = stored(capture_env)["s4"]
    assert [e.prompt for e in events] == ["first one", "second one"]
    assert "cannot read seg-" in caplog.text


def test_status_counts_committed_records_of_open_segments_as_done(capture_env) -> None:
    """A log segment is deleted once every record in it is committed; while another session's
    records in it wait for their commit, status must not count the committed ones as waiting
    (the recorder publishes its progress), and a progress entry for another file of the same
    name (deleted and made again) is ignored."""
    payloads = [
        {"hook_event_name": "UserPromptSubmit", "session_id": f"s{n % 2}", "prompt": f"p{n}"}
        for n in range(6)
    ]
    spool_payloads(capture_env, payloads)  # one segment, two sessions
    paths = capture_env.paths
    assert spool_waiting(paths.spool, paths.progress)[0] == 6
    recorder = Recorder(capture_env.settings)
    recorder.poll()
    recorder._commit(recorder._sessions["s0"], checkpoint=False)  # s1 still buffered
    recorder._publish_progress(now=True)
    assert len(list_spool(paths.spool)) == 6  # the segment stays: s1's records are not done
    assert spool_waiting(paths.spool, paths.progress)[0] == 3
    progress = json.loads(paths.progress.read_text())
    for entry in progress.values():
        entry[0] += 1  # as if the segment had been deleted and made again
    paths.progress.write_text(json.dumps(progress))
    assert spool_waiting(paths.spool, paths.progress)[0] == 6
    recorder.drain()
    assert spool_waiting(paths.spool, paths.progress) == (0, None)
