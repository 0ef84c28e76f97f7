"""The recorder: drains the spool into replays, exactly once, in arrival order.

It runs as a background thread (``Recorder.start()`` / ``stop()``, how ``vibecast serve`` hosts
it; ``start(retry_s=...)`` waits for another recorder holding the spool's lock to stop, then
records) or in the foreground (``Recorder.run()``, how ``vibecast record`` does). Each pass:

1. reads what was spooled since the last pass — records appended to log segments, payload
   files — in arrival order, and maps them to events (:mod:`vibecast.capture.ingest`),
   buffered per session; unreadable payloads go to ``rejected/`` with a log line, never
   blocking the rest;
2. commits a session's buffer (:func:`~vibecast.pipeline.save_session`: redact, merge,
   one transaction) every ``flush_interval`` seconds — stretched for a replay so large that
   saving it is costly, up to ``checkpoint_interval`` — at once for a session it has not written
   yet (the replay appears, status ``recording``, with the session's first event) and at
   ``SessionEnd`` (status ``complete``);
3. every ``checkpoint_interval`` seconds, and at ``SessionEnd``, also merges what the session's
   transcript adds (assistant text, thinking, full results, subagents);
4. deletes a payload file only after the commit that holds its event, and a log segment once
   every record in it is committed (:mod:`vibecast.capture.segments`). A crash before that
   means the payload is read again on restart; deterministic ids make the second merge a no-op.

A commit that fails keeps the buffer and its spool entries and is retried on the next pass.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from vibecast.capture.ingest import (
    Ingested,
    SpoolFileError,
    entry_bytes,
    ingest_payload,
)
from vibecast.capture.lock import LockHolder, RecorderLock, lock_holder
from vibecast.capture.paths import CapturePaths
from vibecast.capture.running import build_live
from vibecast.capture.segments import SegmentReader, TornBytes, write_progress
from vibecast.capture.spool import SpoolEntry, list_files, stale_temporaries
from vibecast.capture.transcripts import TranscriptFill
from vibecast.capture.vibecraft_follow import VibecraftFollower
from vibecast.config import Settings
from vibecast.errors import VibecastError
from vibecast.importers.base import CapturedSession
from vibecast.model import EventType, RecordedEvent, ReplayStatus
from vibecast.pipeline import SavedReplay, save_session
from vibecast.redact import Redactor
from vibecast.store import open_store
from vibecast.store.base import ReplayFilter, Store, StoreError

__all__ = ["LIVE_SOURCE", "Recorder", "RecorderBusy", "RecorderStats"]

log = logging.getLogger("vibecast.capture")

LIVE_SOURCE = "live capture (Claude Code hooks)"
"""How live-captured events are named in a replay's ``metadata.sources``."""

STALE_TMP_S = 600.0  # a hook's watchdog ends it in 5 s; older temporary files are abandoned
TMP_SWEEP_S = 60.0  # how often to look for them
IDLE_CLOSE_S = 3600.0
"""A session silent this long without its SessionEnd (Claude Code killed, the machine asleep) is
closed: its replay marked complete and the session dropped from memory. If it speaks again, it
records again."""
STALE_SWEEP_S = 600.0
"""How often to look for replays left recording (see Recorder._close_stale)."""
SETTLE_RESUME_S = 600.0
"""At start, live replays that ended this recently get their transcript read once more (see
Recorder._resume_settling)."""
PROGRESS_EVERY_S = 1.0  # the progress file for status is written at most this often
STALE_BATCH = 100  # silent replays closed per sweep (the next sweep takes the rest)
COMMIT_CPU_SHARE = 20  # a session's saves may use at most 1/20 of a core (see _cadence)
LIST_CPU_SHARE = 100  # listing the spool may use at most 1/100 of a core (see _loop)
MAX_POLL_WAIT_S = 1.0
MAX_FAILED_COMMITS = 5  # then a batch that breaks the recorder (not the store) is set aside


def live_status(events: Sequence[RecordedEvent]) -> str:
    """A recorded session's status, from its merged events: complete when the last of its
    SessionStart / SessionEnd is an end (a resume starts it again), else recording.

    Told from what is stored, not from the batch being committed: after a restart the recorder
    may read again events it committed long ago, and that must not reopen a finished replay.
    Only SessionStart and SessionEnd events are read: a save may pass just those."""
    for event in reversed(events):
        if event.type == EventType.SESSION_END:
            return ReplayStatus.COMPLETE
        if event.type == EventType.SESSION_START:
            return ReplayStatus.RECORDING
    return ReplayStatus.RECORDING


def _live_transcript(sources: Sequence[str], session_id: str) -> Path | None:
    """The transcript live capture read for a replay: of its sources that are files, those
    named after the session (Claude Code's ``<session id>.jsonl``) if any, the newest."""
    found: list[tuple[int, bool, Path]] = []
    for source in sources:
        if source == LIVE_SOURCE:
            continue
        path = Path(source)
        try:
            if path.is_file():
                found.append((path.stat().st_mtime_ns, path.stem == session_id, path))
        except OSError:
            continue
    named = [f for f in found if f[1]] or found
    return max(named, key=lambda f: f[0])[2] if named else None


def _arrival(entry: SpoolEntry) -> int:
    return entry.arrival_us


def _yield_to_the_agent(nice: int) -> None:
    """Lower the recorder thread's CPU priority: under a burst, the hooks Claude Code waits for
    get the CPU first and the recorder catches up after (its spool keeps everything)."""
    if nice <= 0:
        return
    try:
        if sys.platform.startswith("linux"):  # Linux priorities are per thread
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nice)
        elif threading.current_thread() is threading.main_thread():
            os.nice(nice)
    except OSError as exc:
        log.info("cannot lower the recorder's priority: %s", exc)


class RecorderBusy(VibecastError):
    """Another recorder already drains this spool."""


@dataclass
class RecorderStats:
    """What the recorder has done since it started.

    CPU times are of the recorder's thread (``time.thread_time``, which for ``vibecast record``
    is its process's ``time.process_time`` less startup): ``ingest_cpu_s`` reading the spool
    and mapping payloads to events, idle polls included; ``commit_cpu_s`` redacting, merging
    and saving them (and reading transcripts).
    """

    files: int = 0  # spool entries read (payload files and log records)
    events: int = 0  # events read from them
    committed_files: int = 0  # spool entries whose events are committed (and released)
    new_events: int = 0  # events the store gained
    commits: int = 0
    failed_commits: int = 0
    rejected: int = 0
    transcript_reads: int = 0
    ingest_cpu_s: float = 0.0
    commit_cpu_s: float = 0.0

    @property
    def cpu_s(self) -> float:
        return self.ingest_cpu_s + self.commit_cpu_s

    def as_dict(self) -> dict[str, float | int]:
        return {**self.__dict__, "cpu_s": self.cpu_s}


@dataclass
class _Session:
    """A session the recorder is following: buffered events and what it knows about it."""

    session_id: str
    events: list[RecordedEvent] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)
    files: list[SpoolEntry] = field(default_factory=list)  # where the buffered events wait
    ended: bool = False
    ended_at: float | None = None  # monotonic time of the commit that completed it
    saved: SavedReplay | None = None
    next_commit: float = 0.0  # monotonic time before which buffered events wait
    last_event: float = 0.0  # monotonic time of the last event read
    transcript: TranscriptFill | None = None
    failures: int = 0

    def add(self, ingested: Ingested, entry: SpoolEntry) -> None:
        self.last_event = time.monotonic()
        self.events.extend(ingested.events)
        self.blobs.update(ingested.blobs)
        self.files.append(entry)
        if ingested.hook_event == "SessionEnd":
            self.ended = True
        elif ingested.hook_event is not None:
            self.ended = False  # resumed after an end: recording again
            self.ended_at = None
        if ingested.transcript_path and (
            self.transcript is None or str(self.transcript.path) != ingested.transcript_path
        ):
            self.transcript = TranscriptFill(Path(ingested.transcript_path), self.session_id)


class Recorder:
    """Drains the capture spool into the store. One per spool (a lock file enforces it)."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        flush_interval: float = 5.0,
        checkpoint_interval: float = 30.0,
        poll_interval: float = 0.1,
        max_buffered_events: int = 5000,
        follow_vibecraft: Path | None = None,
        fill_from_transcripts: bool = True,
        nice: int = 10,
        user_id: str = "local",
        owner: str = "vibecast record",
    ) -> None:
        self.settings = settings
        self.paths = CapturePaths.from_settings(settings)
        self.flush_interval = flush_interval
        self.checkpoint_interval = checkpoint_interval
        self.poll_interval = poll_interval
        self.max_buffered_events = max_buffered_events
        self.fill_from_transcripts = fill_from_transcripts
        self.nice = nice
        self.user_id = user_id
        self.stats = RecorderStats()
        self.redactor = Redactor.for_install(settings)
        self._store = store
        self._owns_store = store is None
        self._lock = RecorderLock(self.paths.lock, owner)  # ``owner``: who holds it, for status
        self._sessions: dict[str, _Session] = {}
        self._read: set[str] = set()  # payload files buffered but not committed yet
        self._segments = SegmentReader()
        self._follower = (
            VibecraftFollower(follow_vibecraft, self.paths) if follow_vibecraft else None
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_checkpoint = time.monotonic()
        self._next_tmp_sweep = 0.0
        self._next_stale_sweep = 0.0
        self._progress_due = False
        self._progress_at = 0.0
        self._last_list_cpu_s = 0.0

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings.database_url)
        return self._store

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _busy(self, holder: LockHolder | None) -> str:
        if holder is None:
            return f"another recorder is running (lock {self.paths.lock})"
        note = f", {holder.note}" if holder.note else ""
        return f"another recorder is running (pid {holder.pid}{note})"

    def _acquire(self, *, may_wait: bool = False) -> bool:
        """Take the spool's lock. If another recorder holds it: False when ``may_wait``, else
        :class:`RecorderBusy` saying who."""
        self.paths.ensure()
        if self._lock.acquire():
            return True
        if may_wait:
            return False
        raise RecorderBusy(self._busy(lock_holder(self.paths.lock)))

    def start(self, *, retry_s: float | None = None) -> None:
        """Run in a background thread until :meth:`stop`. Raises :class:`RecorderBusy` if
        another recorder holds the lock, unless ``retry_s``: then the thread tries the lock
        every ``retry_s`` seconds and records once that recorder has stopped."""
        if self.running:
            return
        target: Callable[[], None] = self._loop
        if not self._acquire(may_wait=retry_s is not None):
            target = partial(self._loop_when_free, retry_s)
        self._stop.clear()
        self._thread = threading.Thread(target=target, name="vibecast-recorder", daemon=True)
        self._thread.start()

    def _loop_when_free(self, retry_s: float) -> None:
        """Wait for the recorder holding the lock to stop (``vibecast serve`` started while
        ``vibecast record`` ran), then record. One ``flock`` try every ``retry_s`` seconds;
        meanwhile the standby lock tells ``hooks status`` who is waiting."""
        holder = lock_holder(self.paths.lock)
        # Another worker of the same ``vibecast serve`` records: nothing for anyone to do.
        sibling = holder is not None and bool(self._lock.note) and holder.note == self._lock.note
        (log.info if sibling else log.warning)(
            "live capture: %s; this one records once it stops (trying every %g s)",
            self._busy(holder),
            retry_s,
        )
        standby = RecorderLock(
            self.paths.standby, f"{self._lock.note or 'a recorder'} records once it stops"
        )
        try:
            if not sibling:
                standby.acquire()  # False: someone else waits already, and says so
            while not self._lock.held:
                if self._stop.wait(retry_s):
                    return
                try:
                    self._lock.acquire()
                except OSError as exc:  # the capture directory gone or unreadable: keep trying
                    log.warning("live capture: cannot take %s: %s", self.paths.lock, exc)
        finally:
            standby.release()
        log.warning("live capture: the other recorder stopped; recording now")
        self._loop()

    def stop(self, timeout: float | None = 60.0) -> None:
        """Commit what is buffered and stop the background thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run(self) -> None:
        """Run in this thread until :meth:`request_stop` (or a signal handler calling it)."""
        self._acquire()
        self._stop.clear()
        self._loop()

    def request_stop(self) -> None:
        self._stop.set()

    def drain(self) -> RecorderStats:
        """Ingest and commit everything spooled now, then return (``vibecast record --once``)."""
        self._acquire()
        try:
            while True:
                read = self.poll()
                before = self._buffered()
                self.flush(checkpoint=True)
                left = self._buffered()
                if not read and not left:
                    break
                if not read and left >= before:  # commits fail: do not spin
                    log.error("%d events could not be committed; they stay in the spool", left)
                    break
            self._publish_progress(now=True)
        finally:
            self._release()
        return self.stats

    def _loop(self) -> None:
        _yield_to_the_agent(self.nice)
        try:
            while not self._stop.is_set():
                try:
                    self.poll()
                    self._flush_if_due()
                    self._publish_progress()
                except Exception:  # a bug must not end capture: log it, keep going
                    log.exception("recorder pass failed")
                # Wait even after a busy pass: each pass lists the whole spool, files read but
                # not committed yet included (up to 5 s of a burst), so passes should batch many
                # files, not chase each one; the bigger the spool, the longer the wait.
                listing = self._last_list_cpu_s * LIST_CPU_SHARE
                self._stop.wait(max(self.poll_interval, min(MAX_POLL_WAIT_S, listing)))
            self.poll()
            self.flush(checkpoint=True)
            self._publish_progress(now=True)
        finally:
            self._release()

    def _release(self) -> None:
        self._lock.release()
        if self._owns_store and self._store is not None:
            self._store.close()
            self._store = None

    # -- reading the spool -------------------------------------------------------------------
    def poll(self) -> int:
        """Read what was spooled since the last pass into the session buffers; returns how
        many entries were read (torn stretches set aside count too: they are progress)."""
        started, committing = time.thread_time(), self.stats.commit_cpu_s
        try:
            if self._follower is not None:
                self._follower.poll()
            read = 0
            listed = time.thread_time()
            entries, segments = list_files(self.paths.spool, skip=self._read)
            self._last_list_cpu_s = time.thread_time() - listed
            if segments:
                records, torn = self._segments.read(segments)
                for stretch in torn:
                    self._reject_torn(stretch)
                read += len(torn)  # progress, for drain(): torn bytes are consumed too
                if records:
                    entries = sorted(entries + records, key=_arrival) if entries else records
                self._segments.delete_finished()
            buffered = self._buffered()
            for entry in entries:
                if buffered >= self.max_buffered_events:
                    self.flush()  # bound memory when catching up on a large spool
                    buffered = self._buffered()
                events = self._read_entry(entry)
                if events:
                    read += 1
                    buffered += events
            if time.monotonic() >= self._next_tmp_sweep:
                self._next_tmp_sweep = time.monotonic() + TMP_SWEEP_S
                for path in stale_temporaries(self.paths.spool_tmp, STALE_TMP_S):
                    log.warning("dropping %s: a hook never finished writing it", path.name)
                    path.unlink(missing_ok=True)
            if time.monotonic() >= self._next_stale_sweep and not self._segments.behind:
                if self._next_stale_sweep == 0.0:  # this run's first pass
                    self._resume_settling()
                self._next_stale_sweep = time.monotonic() + STALE_SWEEP_S
                self._close_stale()
            return read
        finally:
            spent = time.thread_time() - started
            self.stats.ingest_cpu_s += spent - (self.stats.commit_cpu_s - committing)

    def _read_entry(self, entry: SpoolEntry) -> int:
        """Buffer one spool entry's events; how many (0: not read, or set aside)."""
        try:
            ingested = ingest_payload(entry, entry_bytes(entry))
        except FileNotFoundError:
            return 0
        except SpoolFileError as exc:
            self._reject(entry, str(exc))
            return 0
        except OSError as exc:
            log.warning("cannot read %s (will retry): %s", entry.name, exc)
            return 0
        session = self._sessions.get(ingested.session_id)
        if session is None:
            session = self._sessions[ingested.session_id] = _Session(ingested.session_id)
        session.add(ingested, entry)
        if entry.payload is None:
            self._read.add(entry.name)
        self.stats.files += 1
        self.stats.events += len(ingested.events)
        return len(ingested.events)

    def _reject(self, entry: SpoolEntry, reason: str) -> None:
        """Set a payload aside in ``rejected/``, kept for inspection but redacted first: it
        stays there indefinitely, and secrets never reach the disk for longer than the spool
        holds them. Its text is scanned as a whole (it may not even be JSON)."""
        self.stats.rejected += 1
        log.warning("rejected %s: %s", entry.name, reason)
        try:
            self._keep_redacted(entry.name, entry_bytes(entry))
        except FileNotFoundError:
            pass  # the file is gone already
        except OSError as exc:
            log.warning("cannot move %s to %s: %s", entry.name, self.paths.rejected, exc)
            if entry.payload is None:
                return  # a file stays, and is tried again at the next pass
        self._release_entry(entry)  # a record is read once: it is not kept (nor retried)

    def _reject_torn(self, torn: TornBytes) -> None:
        """A stretch of a log segment that is no whole record: a writer killed mid-append."""
        self.stats.rejected += 1
        log.warning(
            "rejected %d bytes of %s at %d: not a whole record (a writer killed mid-append?)",
            len(torn.data),
            os.path.basename(torn.segment),
            torn.offset,
        )
        try:
            self._keep_redacted(torn.name, torn.data)
        except OSError as exc:
            log.warning("cannot keep %s in %s: %s", torn.name, self.paths.rejected, exc)

    def _keep_redacted(self, name: str, data: bytes) -> None:
        target = self.paths.rejected / name
        text = data.decode("utf-8", "surrogateescape")
        redacted = self.redactor.redact_text(text).encode("utf-8", "surrogateescape")
        staged = target.with_name(name + ".tmp")
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(redacted)
        os.replace(staged, target)

    def _release_entry(self, entry: SpoolEntry) -> None:
        """The entry's events are committed or set aside: its payload can go (a file at once,
        a segment once all its records are released)."""
        if entry.payload is not None:
            self._segments.committed(entry)
            return
        try:
            os.unlink(entry.file)
        except FileNotFoundError:
            pass
        except OSError as exc:  # read again later: a no-op merge, never a duplicate
            log.warning("cannot delete %s: %s", entry.file, exc)
        self._read.discard(entry.name)

    def _buffered(self) -> int:
        return sum(len(session.events) for session in self._sessions.values())

    # -- committing --------------------------------------------------------------------------
    def _flush_if_due(self) -> int:
        """Commit the sessions that are due; at a checkpoint, every session."""
        now = time.monotonic()
        checkpoint = now - self._last_checkpoint >= self.checkpoint_interval
        if checkpoint:
            self._last_checkpoint = now
        gained = 0
        for session in list(self._sessions.values()):
            due = session.events and (
                session.saved is None or session.ended or now >= session.next_commit
            )
            if checkpoint or due:
                gained += self._commit(session, checkpoint=checkpoint)
        return gained

    def flush(self, *, checkpoint: bool = False) -> int:
        """Commit every session's buffer now (and, at a checkpoint, transcript news); returns
        how many events the store gained."""
        gained = 0
        for session in list(self._sessions.values()):
            gained += self._commit(session, checkpoint=checkpoint)
        if checkpoint:
            self._last_checkpoint = time.monotonic()
        return gained

    def _cadence(self, commit_cpu_s: float) -> float:
        """Seconds until a session's next commit: ``flush_interval``, stretched for a replay so
        large that saving it costs more than 1/:data:`COMMIT_CPU_SHARE` of that time (every
        save rewrites the whole replay), never beyond ``checkpoint_interval``."""
        stretched = min(self.checkpoint_interval, commit_cpu_s * COMMIT_CPU_SHARE)
        return max(self.flush_interval, stretched)

    def _commit(self, session: _Session, *, checkpoint: bool) -> int:
        """Commit the session's buffered hook events, then (at a checkpoint or its end) what
        its transcript adds. Two commits, each under its own source in the metadata."""
        started = time.thread_time()
        try:
            return self._commit_timed(session, checkpoint=checkpoint, started=started)
        finally:
            self.stats.commit_cpu_s += time.thread_time() - started

    def _commit_timed(self, session: _Session, *, checkpoint: bool, started: float) -> int:
        gained = 0
        if session.events:
            hooks = CapturedSession(
                session_id=session.session_id,
                events=list(session.events),
                source=LIVE_SOURCE,
                blobs=dict(session.blobs),
            )
            committed = self._save(session, hooks)
            if committed is None:
                return 0
            gained += committed
            self._done_with(session.files)
            session.events.clear()
            session.blobs.clear()
            session.files.clear()
            spent = time.thread_time() - started
            session.next_commit = time.monotonic() + self._cadence(spent)
        fill = session.transcript if self.fill_from_transcripts else None
        if fill is not None and (checkpoint or session.ended) and fill.changed():
            self.stats.transcript_reads += 1
            extra = fill.read_new()
            for issue in fill.issues[:3]:
                log.info("transcript %s: %s", fill.path, issue)
            if extra is not None:
                # A transcript holds no SessionStart or SessionEnd: the status is the hooks' to
                # set (a save of transcript news keeps it, even for a replay closed for silence).
                committed = self._save(session, extra, status=None)
                if committed is None:
                    return gained
                gained += committed
            fill.confirm()
        if session.ended and session.ended_at is None:
            session.ended_at = time.monotonic()
        self._forget_if_done(session)
        return gained

    def _save(
        self,
        session: _Session,
        captured: CapturedSession,
        status: str | Callable[[Sequence[RecordedEvent]], str] | None = live_status,
    ) -> int | None:
        """One commit; the number of new events, or None if it failed (nothing lost).
        ``status``: as :func:`save_session` takes it (None keeps the stored one)."""
        try:
            result = save_session(
                self.store,
                captured,
                self.redactor,
                status=status,
                cached=session.saved,
                user_id=self.user_id,
                fast=True,
                builder=build_live,
            )
        except Exception as exc:
            self._failed(session, exc)
            return None
        session.saved = result.saved
        session.failures = 0
        self.stats.commits += 1
        self.stats.new_events += result.new_events
        log.info(
            "session %s: %s from %s, %d new events (%s)",
            session.session_id,
            result.outcome,
            captured.source,
            result.new_events,
            result.saved.replay.status,
        )
        return result.new_events

    def _close(self, session: _Session) -> None:
        """Mark a silent session's replay complete (its last transcript news was read by the
        checkpoint that found it silent). A failure leaves it to :meth:`_close_stale`."""
        closing = CapturedSession(session_id=session.session_id, events=[], source=LIVE_SOURCE)
        if self._save(session, closing, status=ReplayStatus.COMPLETE) is not None:
            log.info("session %s: silent for %.0f s, closed", session.session_id, IDLE_CLOSE_S)

    def _close_stale(self) -> None:
        """Replays left recording whose session has been silent for :data:`IDLE_CLOSE_S` — by
        an earlier run of a recorder (stopped or killed before their sessions ended), or by an
        API client that started one and never stopped it — any user's: marked complete, so no
        replay says it is live forever. If the session speaks again it records again."""
        cutoff = int(time.time() * 1000) - int(IDLE_CLOSE_S * 1000)
        try:
            silent = ReplayFilter(status=ReplayStatus.RECORDING, updated_before_ms=cutoff)
            live = self.store.list_replays(None, limit=STALE_BATCH, filters=silent)
        except Exception:  # the next sweep tries again; capture goes on meanwhile
            log.exception("looking for replays left recording failed")
            return
        for replay in live:
            if replay.user_id == self.user_id and replay.session_id in self._sessions:
                continue
            closing = CapturedSession(session_id=replay.session_id, events=[], source=LIVE_SOURCE)
            try:
                save_session(
                    self.store,
                    closing,
                    self.redactor,
                    status=ReplayStatus.COMPLETE,
                    user_id=replay.user_id,
                )
            except Exception:  # this one is tried again at the next sweep; the others go on
                log.exception("closing replay %s, left recording, failed", replay.id)
                continue
            log.info("replay %s: left recording by an earlier run, closed", replay.id)

    def _resume_settling(self) -> None:
        """Follow again the live sessions that ended shortly before this run started.

        After a SessionEnd the recorder reads the transcript once more at the next checkpoint
        (Claude Code may write its last lines after the hook). An earlier run stopped before
        that read would lose them: each live replay saved complete within
        :data:`SETTLE_RESUME_S` is followed as an ended session again, its transcript (named in
        the replay's sources) read at this run's first checkpoint, then forgotten. Reading a
        transcript again merges nothing twice."""
        if not self.fill_from_transcripts:
            return
        since = int(time.time() * 1000) - int(SETTLE_RESUME_S * 1000)
        try:
            ended = self.store.list_replays(
                self.user_id,
                limit=STALE_BATCH,
                filters=ReplayFilter(status=ReplayStatus.COMPLETE, updated_since_ms=since),
            )
        except Exception:  # the transcript's last lines may be missed; capture goes on
            log.exception("looking for sessions that ended before this run failed")
            return
        now = time.monotonic()
        for replay in ended:
            sources = replay.metadata.sources
            if LIVE_SOURCE not in sources or replay.session_id in self._sessions:
                continue
            transcript = _live_transcript(sources, replay.session_id)
            if transcript is None:
                continue
            self._sessions[replay.session_id] = _Session(
                replay.session_id,
                ended=True,
                ended_at=now,
                last_event=now,
                transcript=TranscriptFill(transcript, replay.session_id),
            )
            log.info(
                "session %s: ended before this run, its transcript read again", replay.session_id
            )

    def _done_with(self, entries: list[SpoolEntry]) -> None:
        """The events of ``entries`` are committed: their payloads can go."""
        for entry in entries:
            self._release_entry(entry)
            self.stats.committed_files += 1
        self._segments.delete_finished()
        self._progress_due = True
        self._publish_progress()

    def _publish_progress(self, *, now: bool = False) -> None:
        """Tell status (``vibecast hooks status``) which records of the open segments are
        committed, at most once a second (and ``now``, when the recorder stops)."""
        if not self._progress_due:
            return
        if not now and time.monotonic() - self._progress_at < PROGRESS_EVERY_S:
            return
        try:
            write_progress(self.paths.progress, self._segments.progress())
        except OSError as exc:  # status then counts those records as waiting: nothing is lost
            log.warning("cannot write %s: %s", self.paths.progress, exc)
        self._progress_due = False
        self._progress_at = time.monotonic()

    def _failed(self, session: _Session, exc: Exception) -> None:
        session.failures += 1
        self.stats.failed_commits += 1
        log.warning("session %s: commit failed (%d): %s", session.session_id, session.failures, exc)
        if isinstance(exc, StoreError) or session.failures < MAX_FAILED_COMMITS:
            return  # the store may come back (locked, disk full): keep everything, retry
        log.error(
            "session %s: setting %d spool files aside in %s after %d failed commits",
            session.session_id,
            len(session.files),
            self.paths.rejected,
            session.failures,
        )
        for entry in session.files:
            self._reject(entry, f"commit failed {session.failures} times: {exc}")
        session.events.clear()
        session.blobs.clear()
        session.files.clear()
        session.failures = 0

    def _forget_if_done(self, session: _Session) -> None:
        """Drop an ended session once its transcript has had a checkpoint to settle, and close
        one silent for :data:`IDLE_CLOSE_S` (Claude Code killed before its SessionEnd): if it
        speaks again, it is picked up where its replay left off."""
        if session.events:
            return
        now = time.monotonic()
        if now - session.last_event >= IDLE_CLOSE_S:
            if not session.ended:
                self._close(session)
            self._sessions.pop(session.session_id, None)
            return
        if not session.ended or session.ended_at is None:
            return
        settled = now - session.ended_at >= self.checkpoint_interval
        if settled or session.transcript is None or not self.fill_from_transcripts:
            self._sessions.pop(session.session_id, None)
