"""The import pipeline: source files -> importers -> redact -> recorder -> store.

This is the one place the stages meet. Each session is saved in its own transaction, so a failure
in one replay never leaves half of it written and never loses the others.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from vibecast.config import Settings
from vibecast.importers import discover, read_source, source_files
from vibecast.importers.base import CapturedSession, ImportIssue
from vibecast.model import RecordedEvent, Replay
from vibecast.recorder import build_replay
from vibecast.redact import Redactor
from vibecast.store.base import NEW_REPLAY, ImportSource, ReplayChanged, Store
from vibecast.store.search import SearchFields

__all__ = [
    "Builder",
    "Built",
    "ImportSummary",
    "SaveResult",
    "SavedReplay",
    "build_in_full",
    "import_paths",
    "save_session",
]

ProgressCallback = Callable[[Path, int], None]
"""Called after each file with its path and its size in bytes."""


_OUTCOME_RANK = {"unchanged": 0, "updated": 1, "created": 2}


@dataclass
class ImportSummary:
    """What one import did. Replays are counted once each, however many files fed them: a
    replay created by a transcript and then extended by its hook captures is one created."""

    files: int = 0
    files_skipped: int = 0  # unchanged since the last import
    bytes_read: int = 0
    events: int = 0  # events added to the store
    issues: list[ImportIssue] = field(default_factory=list)
    redactions: Counter[str] = field(default_factory=Counter)
    outcomes: dict[str, str] = field(default_factory=dict)  # replay id -> strongest outcome
    seconds: float = 0.0

    def record(self, replay_id: str, outcome: str) -> None:
        """Note one save; "created" outranks "updated", which outranks "unchanged"."""
        known = self.outcomes.get(replay_id)
        if known is None or _OUTCOME_RANK[outcome] > _OUTCOME_RANK[known]:
            self.outcomes[replay_id] = outcome

    @property
    def replay_ids(self) -> list[str]:
        """Every replay this import touched, in the order first seen."""
        return list(self.outcomes)

    @property
    def replays_created(self) -> int:
        return sum(1 for o in self.outcomes.values() if o == "created")

    @property
    def replays_updated(self) -> int:
        return sum(1 for o in self.outcomes.values() if o == "updated")

    @property
    def replays_unchanged(self) -> int:
        return sum(1 for o in self.outcomes.values() if o == "unchanged")


@dataclass(frozen=True)
class _SourceState:
    """What a source looks like on disk: the file and everything reading it touches."""

    size: int
    mtime_ns: int
    files: tuple[Path, ...]

    def remembered(
        self, user_id: str, path: Path, fingerprint: str, replay_ids: list[str]
    ) -> ImportSource:
        """The row that lets the user's next import skip this source if it has not changed."""
        return ImportSource(
            user_id=user_id,
            path=str(path),
            size=self.size,
            mtime_ns=self.mtime_ns,
            fingerprint=fingerprint,
            replay_ids=replay_ids,
        )

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for file in self.files:
            digest.update(str(file.name).encode() + b"\0")
            with file.open("rb") as fh:
                for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    digest.update(block)
        return digest.hexdigest()


def _source_state(path: Path) -> _SourceState:
    """Size and newest mtime over the file and its subagent files and saved tool outputs, so a
    subagent file that grew makes its (unchanged) session file count as changed."""
    files = tuple(source_files(path))
    stats = [file.stat() for file in files]
    return _SourceState(
        size=sum(st.st_size for st in stats),
        mtime_ns=max(st.st_mtime_ns for st in stats),
        files=files,
    )


@dataclass(frozen=True)
class SavedReplay:
    """A replay as this process last saved it: lets a caller that saves the same session every few
    seconds (live capture) skip decoding the whole replay again when nobody else wrote it since."""

    replay: Replay
    events: list[RecordedEvent]
    state: object = None  # what a builder keeps about these events (live capture), or None


@dataclass(frozen=True)
class Built:
    """What a build gives a save: the replay and its events, and what the save may use.

    ``status_view``: the events a ``status`` callable is given (all of them, or at least the
    session's SessionStart and SessionEnd, in order — all that :func:`live_status` reads).
    ``unchanged``: how many leading events are as stored, when the builder knows (else the
    save compares). ``state``: kept with the saved events for the builder's next call.
    ``search``: the store's search fields of the replay as finally saved, when the builder
    knows them without walking every event (else the store computes them).
    """

    replay: Replay
    events: list[RecordedEvent]
    status_view: Sequence[RecordedEvent]
    state: object = None
    unchanged: int | None = None
    search: Callable[[Replay], SearchFields] | None = None


Builder = Callable[[CapturedSession, "SavedReplay | None", str], Built]
"""How a save turns the session and what is stored into the replay to save."""


def build_in_full(session: CapturedSession, stored: SavedReplay | None, user_id: str) -> Built:
    """The recorder's :func:`~vibecast.recorder.build_replay`, over every stored event."""
    existing = stored.replay if stored else None
    existing_events = stored.events if stored else []
    replay, events = build_replay(session, existing, existing_events, user_id=user_id)
    return Built(replay, events, status_view=events)


@dataclass(frozen=True)
class SaveResult:
    saved: SavedReplay
    outcome: str  # "created", "updated" or "unchanged"
    new_events: int  # how many events the replay gained (merging never removes any)


def _stored(
    store: Store, session_id: str, user_id: str, cached: SavedReplay | None
) -> SavedReplay | None:
    """The stored replay of the session and its events, from the cache when still current."""
    existing = store.find_replay_by_session(session_id, user_id)
    if existing is None:
        return None
    if (
        cached is not None
        and cached.replay.id == existing.id
        and cached.replay.updated_at == existing.updated_at
        and cached.replay.metadata.event_count == existing.metadata.event_count
    ):
        return SavedReplay(existing, cached.events, cached.state)
    return SavedReplay(existing, store.read_events(existing.id))


SAVE_ATTEMPTS = 5
"""How many times a save is merged again after another writer saved the same replay first."""


def save_session(
    store: Store,
    session: CapturedSession,
    redactor: Redactor,
    user_id: str = "local",
    *,
    status: str | Callable[[Sequence[RecordedEvent]], str] | None = None,
    cached: SavedReplay | None = None,
    fast: bool = False,
    builder: Builder = build_in_full,
) -> SaveResult:
    """Redact ``session``, merge it with its stored replay, save it in one transaction.

    ``status`` sets the replay's status, or says how to tell it from the merged events (live
    capture: ``"recording"`` until the session ends); ``None`` keeps what is stored.
    ``cached`` is the previous result's ``saved`` for this session; it is used only if the
    stored replay has not changed since (another process may have).
    ``fast``: compress for speed (live capture saves every few seconds).
    ``builder`` merges; live capture passes one that folds new events into a running state
    kept with ``cached`` (:mod:`vibecast.capture.running`), giving the same replay.

    The save is a compare-and-swap on the replay as it was read: if another process (the
    recorder, an import) saved the session in between, the merge is done again on what it
    wrote, so neither overwrites the other's events. Only the chunks from the first event the
    merge changed are written again.
    """
    session.events = [redactor.redact_event(event) for event in session.events]
    session.info = redactor.redact_info(session.info)
    for attempt in range(SAVE_ATTEMPTS):
        stored = _stored(store, session.session_id, user_id, cached if attempt == 0 else None)
        try:
            return _merge_and_save(store, session, stored, user_id, status, fast, builder)
        except ReplayChanged:
            if attempt == SAVE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _merge_and_save(
    store: Store,
    session: CapturedSession,
    stored: SavedReplay | None,
    user_id: str,
    status: str | Callable[[Sequence[RecordedEvent]], str] | None,
    fast: bool,
    builder: Builder,
) -> SaveResult:
    existing = stored.replay if stored else None
    existing_events = stored.events if stored else []
    built = builder(session, stored, user_id)
    replay, events = built.replay, built.events
    if callable(status):
        status = status(built.status_view)
    if status is not None and replay.status != status:
        replay = msgspec.structs.replace(replay, status=status, updated_at=_now_ms())
    if existing is not None and replay == existing and events == existing_events:
        return SaveResult(SavedReplay(existing, events, built.state), "unchanged", 0)
    if existing is not None and replay.updated_at <= existing.updated_at:
        # Two saves in one millisecond must still look different to the cache check.
        replay = msgspec.structs.replace(replay, updated_at=existing.updated_at + 1)
    store.save_replay(
        replay,
        events,
        session.blobs,
        expected_updated_at=existing.updated_at if existing else NEW_REPLAY,
        unchanged=(
            _common_prefix(existing_events, events) if built.unchanged is None else built.unchanged
        ),
        fast=fast,
        search=built.search(replay) if built.search is not None else None,
    )
    outcome = "updated" if existing else "created"
    saved = SavedReplay(replay, events, built.state)
    return SaveResult(saved, outcome, len(events) - len(existing_events))


def _common_prefix(old: Sequence[RecordedEvent], new: Sequence[RecordedEvent]) -> int:
    """How many leading events a merge left as they were stored (most of them, for a live
    recording that only gained events at its end)."""
    for index, (a, b) in enumerate(zip(old, new, strict=False)):
        if a is not b and a != b:
            return index
    return min(len(old), len(new))


def _now_ms() -> int:
    return int(time.time() * 1000)


def _save_sessions(
    store: Store,
    path: Path,
    sessions: Sequence[CapturedSession],
    redactor: Redactor,
    user_id: str,
    summary: ImportSummary,
) -> list[str] | None:
    """Save each session of one file; the replay ids, or None if any session was not saved."""
    replay_ids: list[str] = []
    complete = True
    for session in sessions:
        summary.issues.extend(session.issues)
        if not session.events:
            continue
        try:
            result = save_session(store, session, redactor, user_id)
        except Exception as exc:  # one broken session must not stop the others
            summary.issues.append(
                ImportIssue(str(path), None, f"session {session.session_id} not saved: {exc}")
            )
            complete = False
            continue
        replay_ids.append(result.saved.replay.id)
        summary.events += result.new_events
        summary.record(result.saved.replay.id, result.outcome)
    return replay_ids if complete else None


def import_paths(
    store: Store,
    settings: Settings,
    paths: Sequence[Path] = (),
    *,
    force: bool = False,
    user_id: str = "local",
    progress: ProgressCallback | None = None,
    on_files: Callable[[list[Path]], None] | None = None,
) -> ImportSummary:
    """Import every session found under ``paths`` (default: Claude Code's and Vibecraft's logs).

    Sources unchanged since ``user_id`` last imported them (same size and mtime, or same content
    hash, over the file and its subagent files and saved tool outputs) are skipped unless
    ``force``; another user's import of the same file does not count. Warnings
    about single records are collected in the summary; they never stop the run.
    """
    started = time.perf_counter()
    summary = ImportSummary()
    redactor = Redactor.for_install(settings)
    files = discover(list(paths), settings)
    if on_files is not None:
        on_files(files)
    for path in files:
        try:
            state = _source_state(path)
        except OSError as exc:
            summary.issues.append(ImportIssue(str(path), None, f"cannot read: {exc.strerror}"))
            continue
        summary.files += 1
        known = store.get_import_source(str(path), user_id)
        if known and not all(store.get_replay(i) is not None for i in known.replay_ids):
            known = None  # a replay it made was deleted since: read the file again
        unchanged = known and known.size == state.size and known.mtime_ns == state.mtime_ns
        fingerprint = "" if unchanged and not force else state.fingerprint()
        if not force and known and (unchanged or known.fingerprint == fingerprint):
            summary.files_skipped += 1
            if not unchanged:  # touched but identical: remember the new mtime
                store.record_import_source(
                    state.remembered(user_id, path, fingerprint, known.replay_ids)
                )
            if progress:
                progress(path, state.size)
            continue

        result = read_source(path)
        summary.bytes_read += state.size
        summary.issues.extend(result.issues)
        replay_ids = _save_sessions(store, path, result.sessions, redactor, user_id, summary)
        if replay_ids is not None:  # a session that failed to save is retried next time
            store.record_import_source(state.remembered(user_id, path, fingerprint, replay_ids))
        if progress:
            progress(path, state.size)
    summary.redactions = redactor.findings
    summary.seconds = time.perf_counter() - started
    return summary
