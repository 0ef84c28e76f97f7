"""What every backend does the same way: rows to structs, the checks a row's values must pass,
and the small computations around a save (event order, start time, which blobs a save needs).

Keeping these in one place is what makes the SQLite and PostgreSQL backends answer alike.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from vibecast.model import RecordedEvent, Replay, ReplayMetadata, ReplayStatus
from vibecast.store.base import (
    NEW_REPLAY,
    Annotation,
    ApiToken,
    ImportSource,
    ReplayChanged,
    Share,
    StoreError,
    User,
)
from vibecast.store.codec import ChunkCodec, EncodedChunk, blob_key

__all__ = [
    "ANNOTATION_COLUMNS",
    "ANNOTATION_KINDS",
    "LOCAL_USER",
    "RAW_BYTES_IMPORTED_SQL",
    "REPLAY_COLUMNS",
    "TOKEN_COLUMNS",
    "TOKEN_USE_GRANULARITY_MS",
    "USER_COLUMNS",
    "annotation_from_row",
    "changed_chunks",
    "check_annotation",
    "check_expected",
    "check_token",
    "check_user_name",
    "chunks_to_keep",
    "duration_ms",
    "import_source_from_row",
    "live_link_sql",
    "needed_blobs",
    "new_id",
    "now_ms",
    "position_json",
    "prefix_upper_bound",
    "public_sql",
    "pyformat",
    "recorded_at",
    "replay_from_row",
    "share_from_row",
    "sorted_events",
    "token_from_row",
    "user_from_row",
]

log = logging.getLogger(__name__)

LOCAL_USER = "local"
"""The one implicit user of local mode (created by the migrations on both backends)."""

REPLAY_COLUMNS = (
    "id, session_id, user_id, title, description, metadata, is_public, thumbnail_url, status, "
    "created_at, updated_at, share_expires_at, share_notes"
)
ANNOTATION_COLUMNS = (
    "id, replay_id, user_id, timestamp_ms, text, position, kind, created_at, updated_at"
)
USER_COLUMNS = "id, name, created_at, is_admin"
TOKEN_COLUMNS = "id, user_id, name, token_hash, created_at, last_used_at, revoked"

ANNOTATION_KINDS = ("note", "bookmark")
TOKEN_USE_GRANULARITY_MS = 60_000
"""A token's ``last_used_at`` is rewritten at most this often: not one write per API request."""

_NAMED_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")
"""A ``:name`` parameter (not a ``::type`` cast)."""
_USER_NAME = re.compile(r"^[\w.@+-]{1,64}$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_metadata_decoder = msgspec.json.Decoder(ReplayMetadata)
_position_decoder = msgspec.json.Decoder(dict[str, Any])


def now_ms() -> int:
    return int(time.time() * 1000)


def new_id() -> str:
    return str(uuid.uuid4())


def pyformat(text: str) -> str:
    """SQL written once with ``:name`` parameters (SQLite's style), in psycopg's ``%(name)s``."""
    return _NAMED_PARAMETER.sub(r"%(\1)s", text)


def public_sql(prefix: str, at: str) -> str:
    """SQL true while a replay is public at ``:at`` (epoch ms): shared and not expired.
    ``prefix`` names the ``replays`` row's columns (``"replays."``, or ``""`` in its own UPDATE).
    Both dialects (:func:`pyformat` for PostgreSQL)."""
    return (
        f"({prefix}is_public AND ({prefix}share_expires_at IS NULL "
        f"OR {prefix}share_expires_at > :{at}))"
    )


def live_link_sql(prefix: str, at: str) -> str:
    """SQL true while a replay is public at ``:at`` through a share link (a token): what
    ``share_notes`` needs, as :func:`public_sql` names the columns."""
    return f"({prefix}share_token IS NOT NULL AND {public_sql(prefix, at)})"


# -- rows to structs ---------------------------------------------------------------------------
def replay_from_row(row: Sequence[Any], now: int, reader: str | None) -> Replay:
    """A replay from a row of :data:`REPLAY_COLUMNS`, as ``reader`` (the acting user; None: the
    system) is told it.

    ``is_public`` says whether the replay is public *now*: a share past its expiry is private,
    and shows no notes (``share_notes``) either. ``share_notes`` is a setting of the owner's link,
    like its token and expiry: anyone else reads false (what it means to them is which notes they
    are given).
    """
    (
        replay_id,
        session_id,
        user_id,
        title,
        description,
        metadata,
        is_public,
        thumbnail_url,
        status,
        created_at,
        updated_at,
        share_expires_at,
        share_notes,
    ) = row
    try:
        meta = _metadata_decoder.decode(metadata)
    except msgspec.DecodeError:
        log.warning("replay %s has unreadable metadata; showing it without", replay_id)
        meta = ReplayMetadata()
    public = bool(is_public) and (share_expires_at is None or share_expires_at > now)
    return Replay(
        id=replay_id,
        session_id=session_id,
        user_id=user_id,
        title=title,
        description=description,
        metadata=meta,
        is_public=public,
        share_notes=public and bool(share_notes) and reader in (None, user_id),
        thumbnail_url=thumbnail_url,
        status=status,
        created_at=created_at,
        updated_at=updated_at,
    )


def share_from_row(row: Sequence[Any] | None) -> Share | None:
    """A :class:`Share` from a row of ``id, share_token, share_expires_at, share_notes``."""
    if row is None:
        return None
    return Share(
        replay_id=row[0], token_hash=row[1], expires_at=row[2] or 0, share_notes=bool(row[3])
    )


def annotation_from_row(row: Sequence[Any]) -> Annotation:
    """An annotation from a row of :data:`ANNOTATION_COLUMNS` (``position`` as JSON text)."""
    annotation_id, replay_id, user_id, timestamp_ms, text, position, kind, created, updated = row
    decoded: dict[str, Any] | None = None
    if position is not None:
        try:
            decoded = _position_decoder.decode(position)
        except msgspec.DecodeError:
            log.warning("annotation %s has an unreadable position; showing it without", row[0])
    return Annotation(
        id=annotation_id,
        replay_id=replay_id,
        user_id=user_id,
        timestamp_ms=timestamp_ms,
        text=text,
        position=decoded,
        kind=kind,
        created_at=created,
        updated_at=updated,
    )


_ids_decoder = msgspec.json.Decoder(list[str])


RAW_BYTES_IMPORTED_SQL = (
    "SELECT coalesce(sum(size), 0) FROM "
    "(SELECT DISTINCT user_id, fingerprint, size FROM import_sources) AS imported"
)
"""``StoreStats.raw_bytes_imported``: a user's import of the same files from a second path made
no new replay, so it adds nothing; another user's import made their own replays, so it does."""


def import_source_from_row(row: Sequence[Any]) -> ImportSource:
    """(user_id, path, size, mtime_ns, fingerprint, replay_ids as JSON text) -> ImportSource.

    Unreadable replay ids are dropped with a warning: the record still says the file was seen.
    """
    user_id, path, size, mtime_ns, fingerprint, ids = row
    try:
        replay_ids = _ids_decoder.decode(ids)
    except msgspec.DecodeError:
        log.warning("import record of %s has unreadable replay ids; ignoring them", path)
        replay_ids = []
    return ImportSource(
        user_id=user_id,
        path=path,
        size=size,
        mtime_ns=mtime_ns,
        fingerprint=fingerprint,
        replay_ids=replay_ids,
    )


def user_from_row(row: Sequence[Any]) -> User:
    user_id, name, created_at, is_admin = row
    return User(id=user_id, name=name, created_at=created_at, is_admin=bool(is_admin))


def token_from_row(row: Sequence[Any]) -> ApiToken:
    token_id, user_id, name, token_hash, created_at, last_used_at, revoked = row
    return ApiToken(
        id=token_id,
        user_id=user_id,
        name=name,
        token_hash=token_hash,
        created_at=created_at,
        last_used_at=last_used_at,
        revoked=bool(revoked),
    )


# -- what a row may hold -----------------------------------------------------------------------
def check_annotation(annotation: Annotation, actor: str | None) -> Annotation:
    """The annotation as it will be stored: id, owner and times filled in, values checked.

    Raises StoreError for a value no backend should store (unknown kind, negative time, a
    position that is not a JSON object of plain values).
    """
    if annotation.kind not in ANNOTATION_KINDS:
        raise StoreError(
            f"annotation kind must be one of {', '.join(ANNOTATION_KINDS)}, not {annotation.kind!r}"
        )
    if annotation.timestamp_ms < 0:
        raise StoreError("annotation timestamp_ms must be 0 or more")
    position_json(annotation.position)
    created = annotation.created_at or now_ms()
    return msgspec.structs.replace(
        annotation,
        id=annotation.id or new_id(),
        user_id=annotation.user_id or actor or LOCAL_USER,
        text=annotation.text.replace("\x00", ""),
        created_at=created,
        updated_at=annotation.updated_at or created,
    )


def position_json(position: dict[str, Any] | None) -> str | None:
    """A scene position as JSON text; StoreError if it is not JSON."""
    if position is None:
        return None
    try:
        return msgspec.json.encode(position).decode()
    except (TypeError, ValueError) as exc:
        raise StoreError(f"annotation position is not a JSON object: {exc}") from exc


def check_user_name(name: str) -> str:
    """A login name: 1-64 letters, digits and ``. @ + - _``."""
    name = name.strip()
    if not _USER_NAME.match(name):
        raise StoreError(
            f"invalid user name {name!r}: use 1-64 letters, digits and . @ + - _ (no spaces)"
        )
    return name


def check_token(token: ApiToken) -> ApiToken:
    """A token row to store: its hash must be a sha256 hex digest (the token itself never is)."""
    token_hash = token.token_hash.lower()
    if not _SHA256_HEX.match(token_hash):
        raise StoreError("an API token is stored as the sha256 hex digest of the token")
    return msgspec.structs.replace(
        token,
        id=token.id or new_id(),
        token_hash=token_hash,
        created_at=token.created_at or now_ms(),
    )


# -- around a save -----------------------------------------------------------------------------
def sorted_events(
    events: Sequence[RecordedEvent], replay_id: str, kept: int = 0
) -> Sequence[RecordedEvent]:
    """Events in ``relative_time_ms`` order (the contract asks callers to sort; we make sure).

    ``kept`` leading events are as stored, in order already: only the rest is checked (a live
    save keeps nearly all of a long replay)."""
    tail = events[max(kept - 1, 0) :]
    if all(a.relative_time_ms <= b.relative_time_ms for a, b in itertools.pairwise(tail)):
        return events
    log.warning("replay %s: events were not sorted by relative_time_ms; sorting them", replay_id)
    return sorted(events, key=lambda event: event.relative_time_ms)


def recorded_at(replay: Replay, events: Sequence[RecordedEvent], fallback: int) -> int:
    """Epoch ms the session started: from its first event, else its metadata, else ``fallback``."""
    if events:
        return events[0].timestamp - events[0].relative_time_ms
    try:
        stamp = datetime.fromisoformat(replay.metadata.recorded_date.replace("Z", "+00:00"))
    except ValueError:
        return fallback
    return int(stamp.timestamp() * 1000)


def duration_ms(replay: Replay, events: Sequence[RecordedEvent]) -> int:
    """The replay's length for listing: its metadata's, else first to last event."""
    if replay.metadata.duration_ms:
        return replay.metadata.duration_ms
    return events[-1].relative_time_ms - events[0].relative_time_ms if events else 0


def check_expected(replay_id: str, stored_updated_at: int | None, expected: int | None) -> None:
    """The compare-and-swap of a save: ReplayChanged unless the stored replay (``None``: there
    is none) is the one the caller expects (``None``: no check)."""
    if expected is None or stored_updated_at == (None if expected == NEW_REPLAY else expected):
        return
    if stored_updated_at is None:
        raise ReplayChanged(f"replay {replay_id} was deleted while it was being saved")
    if expected == NEW_REPLAY:
        raise ReplayChanged(f"replay {replay_id} was created by someone else meanwhile")
    raise ReplayChanged(f"replay {replay_id} was saved by someone else meanwhile")


def chunks_to_keep(
    counts: Sequence[tuple[int, int]], unchanged: int, chunk_max_events: int
) -> tuple[int, int]:
    """Where a save that keeps ``unchanged`` leading events starts writing: ``(seq, index)``,
    the first chunk to rewrite and the index of its first event.

    ``counts`` are the stored chunks' ``(seq, event_count)`` in order. Every chunk holding only
    kept events stays, except the last one, which is still open (a greedy cut would put new
    events into it) unless it is full. Chunks are cut greedily, so encoding ``events[index:]``
    from ``seq`` gives exactly the chunks a full encode would.
    """
    start = 0
    for position, (seq, count) in enumerate(counts):
        last = position == len(counts) - 1
        if start + count > unchanged or (last and count < chunk_max_events):
            return seq, start
        start += count
    return (counts[-1][0] + 1 if counts else 0), start


def changed_chunks(
    codec: ChunkCodec,
    replay: Replay,
    events: Sequence[RecordedEvent],
    counts: Sequence[tuple[int, int]],
    unchanged: int,
    *,
    fast: bool,
) -> tuple[int, list[EncodedChunk]]:
    """What a save writes: the first chunk's ``seq`` (stored chunks from it on are replaced)
    and the chunks, from the first one a change reaches (see :func:`chunks_to_keep`; ``counts``
    are the stored chunks', needed only when ``unchanged``), the last one compressed cheaply
    while a live recording keeps rewriting it."""
    first_seq, first = 0, 0
    if unchanged:
        first_seq, first = chunks_to_keep(counts, unchanged, codec.chunk_max_events)
    chunks = codec.encode(
        events[first:],
        first_seq=first_seq,
        fast=fast,
        open_tail=fast and replay.status == ReplayStatus.RECORDING,
    )
    return first_seq, list(chunks)


def needed_blobs(
    chunks: Sequence[EncodedChunk], given: Mapping[str, bytes], replay_id: str
) -> dict[str, bytes | None]:
    """Every blob the chunks refer to, with its bytes (None: expected to be stored already)."""
    needed: dict[str, bytes | None] = {}
    for chunk in chunks:
        needed.update(chunk.text_blobs)
        for key in chunk.attachment_blobs:
            data = given.get(key)
            if data is not None and blob_key(data) != key:
                log.warning(
                    "replay %s: blob %s does not match its content; not stored", replay_id, key
                )
                data = None
            needed.setdefault(key, data)
    unused = set(given) - set(needed)
    if unused:
        log.info("replay %s: %d blob(s) no event refers to were not stored", replay_id, len(unused))
    return needed


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    following = ord(prefix[-1]) + 1
    if following > 0x10FFFF:
        return prefix + "\U0010ffff"
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be stored as UTF-8: skip them
        following = 0xE000
    return prefix[:-1] + chr(following)
