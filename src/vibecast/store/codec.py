"""The chunk codec every storage backend shares: events <-> compressed, seekable chunks.

A replay's events (sorted by ``relative_time_ms``) are cut into chunks of at most
:data:`CHUNK_MAX_EVENTS` events or :data:`CHUNK_MAX_BYTES` of serialised events, whichever comes
first, so that reading any moment of a long replay decompresses a chunk or two, not the replay.

Inside a chunk each event is its msgspec builtins form (wire names, defaults omitted) with what
repeats from one event to the next taken out, because that is where JSON records spend their bytes
after compression:

* ``timestamp`` is stored as the delta from the previous event (the first from the chunk's base);
  ``recorded_at`` as its difference from ``timestamp``, and ``relative_time_ms`` as its difference
  from ``timestamp - origin`` — both 0, and therefore omitted, for nearly every event;
* "sticky" fields (session id, cwd, model, agent ...) are omitted while they equal the previous
  event's value; an explicit ``null`` says the value went away;
* string values of at least :data:`BLOB_MIN_BYTES` UTF-8 bytes anywhere in an event are moved out
  to the content-addressed blob store (sha256 of the UTF-8 bytes) and referenced from the chunk by
  (event index, path, blob index), so a file read ten times is stored once.

The chunk body is msgspec JSON, compressed with zstd and a trained dictionary shipped in the
package (``dictionary/*.zdict``). The dictionary id is stored with each chunk and blob, so chunks
written with an older dictionary stay readable when a newer one ships. Decoding gives back events
equal (``==``) to the ones encoded, as long as their values are JSON values (non-finite floats are
not).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any

import msgspec
import zstandard

from vibecast.model import RecordedEvent

__all__ = [
    "BLOB_MIN_BYTES",
    "CHUNK_MAX_BYTES",
    "CHUNK_MAX_EVENTS",
    "COMPRESSION_LEVEL",
    "CURRENT_DICTIONARY",
    "FORMAT_VERSION",
    "LIVE_COMPRESSION_LEVEL",
    "NO_DICTIONARY",
    "OPEN_CHUNK_LEVEL",
    "BlobLoader",
    "ChunkCodec",
    "CodecError",
    "EncodedBlob",
    "EncodedChunk",
    "blob_key",
    "load_dictionaries",
]

FORMAT_VERSION = 1
"""Version of the chunk body layout; stored in every chunk."""

CHUNK_MAX_EVENTS = 256
CHUNK_MAX_BYTES = 256 * 1024
"""A chunk closes at this many events or this many bytes of serialised (inline) events.

Measured on the shared transcripts through the real import pipeline: 64 KB chunks stored 12 %
more than 256 KB ones (zstd loses the context of earlier chunks), while a 10 s window read stays
around a millisecond either way — the event cap bounds the per-event decoding work.
"""

BLOB_MIN_BYTES = 8 * 1024
"""Strings at least this long (UTF-8 bytes) are stored once, by content hash, in the blob table.

Smaller strings compress better inside their chunk than alone (1 KB: +15 % stored bytes on the
shared transcripts); exact repeats of them within a chunk cost zstd a few bytes anyway.
"""

COMPRESSION_LEVEL = 15
"""zstd level for chunks and text blobs: reads are what matter, writes happen once."""

LIVE_COMPRESSION_LEVEL = 7
"""zstd level for chunks a live recording writes every few seconds (``encode(fast=True)``).

Measured on the shared hook payloads (chunks of 256 events, with the dictionary): level 15
costs ~110 µs of CPU per event and level 7 ~11 µs, for ~9 % more bytes; above 9 the cost jumps
(level 12: ~75 µs). The recorder's whole budget is 50 µs per event, so live chunks use this
level; an import (or any full save) writes at :data:`COMPRESSION_LEVEL`.
"""

OPEN_CHUNK_LEVEL = 3
"""zstd level for a live recording's last chunk while it is still open (``encode(open_tail=True)``).

The next commit encodes that chunk again with its new events, so it is compressed cheaply until
it is not the last any more (or the recording ends), when it is written at the live level. On
the shared hook payloads with the dictionary: level 3 ~2.7 µs of CPU per event for ~14 % more
bytes than level 7 (~10.4 µs); a recorder that stops for good leaves at most one such chunk.
"""

BINARY_BLOB_LEVEL = 3
"""zstd level tried on binary blobs (images): they are usually compressed already."""

CURRENT_DICTIONARY = "events-v1.zdict"
"""The dictionary new chunks are written with (a file in ``vibecast/store/dictionary/``)."""

NO_DICTIONARY = 0
"""``dict_id`` of data compressed without a dictionary."""

STICKY_FIELDS = (
    "sessionId",
    "cwd",
    "model",
    "agentId",
    "agentType",
    "parentToolUseId",
    "permissionMode",
)
"""Wire names of fields that usually keep their value from one event to the next."""

BLOB_CODEC_ZSTD = "zstd"
BLOB_CODEC_NONE = "none"

_PathPart = str | int
BlobLoader = Callable[[Sequence[str]], Mapping[str, bytes]]
"""Given blob keys, returns their raw (decompressed) bytes."""


class CodecError(Exception):
    """Events could not be encoded, or stored bytes could not be decoded."""


@dataclass(frozen=True)
class EncodedBlob:
    """A payload as the blob table stores it."""

    key: str  # sha256 hex of the raw bytes
    size: int  # raw bytes
    codec: str  # BLOB_CODEC_ZSTD or BLOB_CODEC_NONE
    dict_id: int
    data: bytes


@dataclass(frozen=True)
class EncodedChunk:
    """One chunk as a backend stores it, plus the large strings it refers to."""

    seq: int
    start_ms: int  # relative_time_ms of its first event
    end_ms: int  # relative_time_ms of its last event
    event_count: int
    raw_size: int  # serialised body, before compression
    dict_id: int
    data: bytes
    text_blobs: Mapping[str, bytes]  # key -> raw UTF-8 bytes of strings moved out of the chunk
    attachment_blobs: frozenset[str]  # keys of blobs referenced by events' attachments

    @property
    def blob_keys(self) -> frozenset[str]:
        """Every blob the chunk needs: its large strings and its events' attachments."""
        return frozenset(self.text_blobs) | self.attachment_blobs


class _ChunkBody(msgspec.Struct, array_like=True):
    """The serialised chunk: what is compressed."""

    version: int
    base_ts: int  # timestamp of the first event
    origin: int  # timestamp - relative_time_ms of the first event
    events: list[dict[str, Any]]  # encoded from rows serialised one by one (msgspec.Raw)
    blobs: list[str]  # keys of blobs referenced by ``refs``
    refs: list[tuple[int, list[_PathPart], int]]  # (event index, path in event, blob index)


_body_encoder = msgspec.json.Encoder()
_body_decoder = msgspec.json.Decoder(_ChunkBody)
_size_encoder = msgspec.json.Encoder()


def blob_key(data: bytes) -> str:
    """The content address of a payload: sha256 hex of its bytes."""
    return hashlib.sha256(data).hexdigest()


@cache
def load_dictionaries() -> dict[int, bytes]:
    """The dictionaries shipped in the package, by zstd dictionary id."""
    found: dict[int, bytes] = {}
    folder = resources.files("vibecast.store").joinpath("dictionary")
    for entry in folder.iterdir():
        if entry.name.endswith(".zdict"):
            data = entry.read_bytes()
            found[zstandard.ZstdCompressionDict(data).dict_id()] = data
    return found


@cache
def _current_dictionary() -> bytes | None:
    entry = resources.files("vibecast.store").joinpath("dictionary", CURRENT_DICTIONARY)
    return entry.read_bytes() if entry.is_file() else None


@dataclass
class _Pending:
    """An event on its way into a chunk: builtins form, large strings already moved out."""

    fields: dict[str, Any]
    refs: list[tuple[list[_PathPart], str]]  # (path in event, blob key)
    blobs: dict[str, bytes]  # blob key -> UTF-8 bytes of the string moved out
    size: int  # serialised bytes, for cutting chunks


@dataclass
class _Prepared:
    """A live event as the codec last prepared it, so the next live save of the same open chunk
    does not prepare (and lay out) it again.

    Valid while ``event`` is the very object handed in again and still equals ``snapshot`` (a
    shallow copy taken when it was prepared: a field reassigned since is seen). ``row`` is its
    serialised row, which depends only on the event before it in the chunk (deltas and sticky
    fields) and on the chunk's ``origin``: reused when both are the same (the event before is
    told by its ``_Pending``, which is the same object only while that event is unchanged).
    """

    event: RecordedEvent
    snapshot: RecordedEvent
    pending: _Pending
    row: bytes = b""
    after: _Pending | None = None  # the event before it in the chunk, prepared (None: first)
    origin: int = 0


PREPARED_CACHE_EVENTS = 2048
"""Live events whose preparation a thread's codec remembers (about eight sessions' open chunks)."""

PREPARED_CACHE_BYTES = 64 * 1024 * 1024
"""...and at most about this much of their content (a few huge tool results must not pin memory)."""


class _PreparedCache:
    """A thread's live events as last prepared, by ``id()``, least recently used first."""

    def __init__(self) -> None:
        self.entries: OrderedDict[int, _Prepared] = OrderedDict()
        self.size = 0  # bytes counted by _cost

    def get(self, key: int) -> _Prepared | None:
        return self.entries.get(key)

    def touch(self, key: int) -> None:
        self.entries.move_to_end(key)

    def put(self, key: int, prepared: _Prepared) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= _cost(old)
        self.entries[key] = prepared
        self.size += _cost(prepared)
        while len(self.entries) > PREPARED_CACHE_EVENTS or self.size > PREPARED_CACHE_BYTES:
            self.size -= _cost(self.entries.popitem(last=False)[1])


def _cost(prepared: _Prepared) -> int:
    """About what an entry holds: its fields and its row (each about the serialised size), and
    the strings moved out of it."""
    pending = prepared.pending
    return 2 * pending.size + sum(len(data) for data in pending.blobs.values())


_Batched = tuple[RecordedEvent, _Pending]


def _remember(batch: list[_Batched], cache: _PreparedCache) -> None:
    """Put the events of a live encode's last chunk in ``cache`` (those not there already).

    Only that chunk is encoded again by the next save of the session (the chunks before it are
    closed and kept as stored), so only its events are worth a snapshot and a cache entry; in a
    commit of hundreds of new events (a burst) that skips most of them (~8 µs each)."""
    for event, pending in batch:
        key = id(event)
        known = cache.get(key)
        if known is None or known.pending is not pending:
            cache.put(key, _Prepared(event, msgspec.structs.replace(event), pending))


class ChunkCodec:
    """Turns sorted events into :class:`EncodedChunk` s and back.

    ``dictionary`` is the zstd dictionary to write with (default: the shipped
    :data:`CURRENT_DICTIONARY`; ``b""`` for none). ``dictionaries`` maps ids to every dictionary
    that may be needed to read (default: all shipped ones).

    Safe to share between threads: zstd contexts are not, so each thread gets its own, and so
    does the cache of live events already prepared (see :class:`_Prepared`).
    """

    def __init__(
        self,
        *,
        level: int = COMPRESSION_LEVEL,
        dictionary: bytes | None = None,
        dictionaries: Mapping[int, bytes] | None = None,
        chunk_max_events: int = CHUNK_MAX_EVENTS,
        chunk_max_bytes: int = CHUNK_MAX_BYTES,
        blob_min_bytes: int = BLOB_MIN_BYTES,
    ) -> None:
        if dictionary is None:
            dictionary = _current_dictionary() or b""
        self.level = level
        self.live_level = min(level, LIVE_COMPRESSION_LEVEL)
        self.open_level = min(level, OPEN_CHUNK_LEVEL)
        self._dictionary = dictionary
        self.chunk_max_events = max(1, chunk_max_events)
        self.chunk_max_bytes = max(1, chunk_max_bytes)
        self.blob_min_bytes = max(1, blob_min_bytes)
        self._read_dicts = dict(load_dictionaries() if dictionaries is None else dictionaries)
        self._zdict: zstandard.ZstdCompressionDict | None = None
        if dictionary:
            self._zdict = zstandard.ZstdCompressionDict(dictionary)
            self.dict_id = self._zdict.dict_id()
            self._read_dicts.setdefault(self.dict_id, dictionary)
            self._zdict.precompute_compress(level=level)  # read-only from here: shareable
        else:
            self.dict_id = NO_DICTIONARY
        self._local = threading.local()

    @property
    def _compressor(self) -> zstandard.ZstdCompressor:
        """This thread's compressor for chunks and text blobs."""
        compressor = getattr(self._local, "compressor", None)
        if compressor is None:
            compressor = self._local.compressor = self._new_compressor(self.level, self._zdict)
        return compressor

    @property
    def _live_compressor(self) -> zstandard.ZstdCompressor:
        """This thread's compressor for live chunks (:data:`LIVE_COMPRESSION_LEVEL`)."""
        compressor = getattr(self._local, "live_compressor", None)
        if compressor is None:
            compressor = self._new_compressor(self.live_level, self._live_zdict)
            self._local.live_compressor = compressor
        return compressor

    @property
    def _open_compressor(self) -> zstandard.ZstdCompressor:
        """This thread's compressor for a live recording's open chunk (:data:`OPEN_CHUNK_LEVEL`)."""
        compressor = getattr(self._local, "open_compressor", None)
        if compressor is None:
            compressor = self._new_compressor(self.open_level, self._open_zdict)
            self._local.open_compressor = compressor
        return compressor

    @cached_property
    def _live_zdict(self) -> zstandard.ZstdCompressionDict | None:
        """The dictionary prepared for the live level (a prepared dictionary serves one level)."""
        return self._prepared_dictionary(self.live_level)

    @cached_property
    def _open_zdict(self) -> zstandard.ZstdCompressionDict | None:
        """The dictionary prepared for :data:`OPEN_CHUNK_LEVEL`."""
        return self._prepared_dictionary(self.open_level)

    def _prepared_dictionary(self, level: int) -> zstandard.ZstdCompressionDict | None:
        if not self._dictionary:
            return None
        zdict = zstandard.ZstdCompressionDict(self._dictionary)
        zdict.precompute_compress(level=level)
        return zdict

    @property
    def _binary_compressor(self) -> zstandard.ZstdCompressor:
        """This thread's compressor for binary blobs (images)."""
        compressor = getattr(self._local, "binary_compressor", None)
        if compressor is None:
            compressor = self._new_compressor(BINARY_BLOB_LEVEL, None)
            self._local.binary_compressor = compressor
        return compressor

    @staticmethod
    def _new_compressor(
        level: int, zdict: zstandard.ZstdCompressionDict | None
    ) -> zstandard.ZstdCompressor:
        # The dictionary id lives in the database row; no need to repeat it in every frame.
        return zstandard.ZstdCompressor(
            level=level, dict_data=zdict, write_content_size=True, write_dict_id=False
        )

    def _decompressor(self, dict_id: int) -> zstandard.ZstdDecompressor:
        decompressors: dict[int, zstandard.ZstdDecompressor] | None = getattr(
            self._local, "decompressors", None
        )
        if decompressors is None:
            decompressors = self._local.decompressors = {}
        decompressor = decompressors.get(dict_id)
        if decompressor is None:
            if dict_id == NO_DICTIONARY:
                decompressor = zstandard.ZstdDecompressor()
            else:
                data = self._read_dicts.get(dict_id)
                if data is None:
                    raise CodecError(
                        f"data was compressed with zstd dictionary {dict_id}, which this version "
                        "of vibecast does not ship"
                    )
                decompressor = zstandard.ZstdDecompressor(
                    dict_data=zstandard.ZstdCompressionDict(data)
                )
            decompressors[dict_id] = decompressor
        return decompressor

    # -- encoding ------------------------------------------------------------------------------
    def encode(
        self,
        events: Sequence[RecordedEvent],
        *,
        first_seq: int = 0,
        fast: bool = False,
        open_tail: bool = False,
    ) -> Iterator[EncodedChunk]:
        """Chunks of ``events`` (already sorted), in order. Lazy: one chunk at a time.

        Chunks are cut greedily from the first event, so re-encoding from the first event of a
        stored chunk (``first_seq`` its seq) gives the chunks a full encode would give from
        there: the chunks before it can be kept. ``fast`` compresses at
        :data:`LIVE_COMPRESSION_LEVEL` (live capture) instead of the store's level.
        ``open_tail`` (a live recording still recording): the last chunk, unless full, will be
        encoded again by the next save, and is compressed at :data:`OPEN_CHUNK_LEVEL`.
        """
        compressor = self._live_compressor if fast else self._compressor
        cache = self._prepared if fast else None
        held: list[_Batched] | None = None  # one batch behind, to know which is the last
        seq = first_seq
        for batch in self._batches(events, cache):
            if held is not None:
                yield self._encode_chunk(seq, held, compressor, cache)
                seq += 1
            held = batch
        if held is not None:
            if open_tail and len(held) < self.chunk_max_events:
                compressor = self._open_compressor
            if cache is not None:
                _remember(held, cache)
            yield self._encode_chunk(seq, held, compressor, cache)

    def serialised_bodies(self, events: Sequence[RecordedEvent]) -> Iterator[bytes]:
        """The uncompressed chunk bodies of ``events``: what a dictionary should be trained on."""
        for batch in self._batches(events):
            yield self._layout(batch)[0]

    @property
    def _prepared(self) -> _PreparedCache:
        """This thread's live events as last prepared (see :class:`_Prepared`)."""
        cache = getattr(self._local, "prepared", None)
        if cache is None:
            cache = self._local.prepared = _PreparedCache()
        return cache

    def _batches(
        self, events: Sequence[RecordedEvent], cache: _PreparedCache | None = None
    ) -> Iterator[list[_Batched]]:
        batch: list[_Batched] = []
        batch_bytes = 0
        for event in events:
            pending = self._prepare(event) if cache is None else self._recall(event, cache)
            full = len(batch) >= self.chunk_max_events
            if batch and (full or batch_bytes + pending.size > self.chunk_max_bytes):
                yield batch
                batch, batch_bytes = [], 0
            batch.append((event, pending))
            batch_bytes += pending.size
        if batch:
            yield batch

    def _recall(self, event: RecordedEvent, cache: _PreparedCache) -> _Pending:
        """``_prepare(event)``, from ``cache`` when this event was prepared and is unchanged.

        Live capture saves a session every few seconds, and each save encodes its open last
        chunk again: most of its events are the same objects as last time (the recorder builds
        new events with ``msgspec.structs.replace``, never changing a saved one). A miss is not
        remembered here: only the last chunk's events are (:func:`_remember`), the others are in
        chunks the next save keeps as stored."""
        key = id(event)
        known = cache.get(key)
        if known is not None and known.event is event and known.snapshot == event:
            cache.touch(key)
            return known.pending
        return self._prepare(event)

    def _prepare(self, event: RecordedEvent) -> _Pending:
        try:
            fields = msgspec.to_builtins(event)
        except (TypeError, ValueError) as exc:
            raise CodecError(f"event {event.id!r} cannot be stored: {exc}") from exc
        refs: list[tuple[list[_PathPart], str]] = []
        blobs: dict[str, bytes] = {}
        try:
            size = len(_size_encoder.encode(fields))
            # No string is longer in UTF-8 than the whole event in JSON: a small event has no
            # string to move out, and skips the walk (most live events; ~5 µs each).
            if size >= self.blob_min_bytes:
                for name, value in fields.items():
                    fields[name] = self._extract(value, [name], refs, blobs)
                if refs:
                    size = len(_size_encoder.encode(fields))
        except (TypeError, ValueError) as exc:  # includes UnicodeEncodeError (lone surrogates)
            raise CodecError(f"event {event.id!r} cannot be stored: {exc}") from exc
        return _Pending(fields, refs, blobs, size)

    def _extract(
        self,
        value: Any,
        path: list[_PathPart],
        refs: list[tuple[list[_PathPart], str]],
        blobs: dict[str, bytes],
    ) -> Any:
        """``value`` with its large strings replaced by ``None`` (recorded in ``refs``)."""
        if isinstance(value, str):
            # A str of n characters has between n and 4n UTF-8 bytes: skip the encode when we can.
            if len(value) * 4 < self.blob_min_bytes:
                return value
            data = value.encode()
            if len(data) < self.blob_min_bytes:
                return value
            key = blob_key(data)
            blobs[key] = data
            refs.append((list(path), key))
            return None
        if isinstance(value, dict):
            for name, item in value.items():
                path.append(name)
                value[name] = self._extract(item, path, refs, blobs)
                path.pop()
        elif isinstance(value, list):
            for index, item in enumerate(value):
                path.append(index)
                value[index] = self._extract(item, path, refs, blobs)
                path.pop()
        return value

    def _encode_chunk(
        self,
        seq: int,
        batch: list[_Batched],
        compressor: zstandard.ZstdCompressor,
        cache: _PreparedCache | None = None,
    ) -> EncodedChunk:
        raw, text_blobs, attachments = self._layout(batch, cache)
        return EncodedChunk(
            seq=seq,
            start_ms=batch[0][0].relative_time_ms,
            end_ms=batch[-1][0].relative_time_ms,
            event_count=len(batch),
            raw_size=len(raw),
            dict_id=self.dict_id,
            data=compressor.compress(raw),
            text_blobs=text_blobs,
            attachment_blobs=frozenset(attachments),
        )

    @staticmethod
    def _layout(
        batch: list[_Batched], cache: _PreparedCache | None = None
    ) -> tuple[bytes, dict[str, bytes], set[str]]:
        """The serialised body of a chunk, the strings it moved out, the attachments it names.

        With ``cache`` (live saves), an event's row is taken from it when the event, the one
        before it and the chunk's origin are those it was laid out with, and kept there."""
        first = batch[0][0]
        base_ts = first.timestamp
        origin = first.timestamp - first.relative_time_ms
        previous: _Batched | None = None
        rows: list[bytes] = []
        blob_index: dict[str, int] = {}
        refs: list[tuple[int, list[_PathPart], int]] = []
        text_blobs: dict[str, bytes] = {}
        attachments: set[str] = set()
        for index, item in enumerate(batch):
            event, pending = item
            known = cache.get(id(event)) if cache is not None else None
            if known is not None and known.pending is not pending:
                known = None
            after = previous[1] if previous is not None else None
            if known is not None and known.row and known.after is after and known.origin == origin:
                rows.append(known.row)
            else:
                row = _body_encoder.encode(_row(event, pending.fields, previous, origin))
                rows.append(row)
                if known is not None:
                    known.row, known.after, known.origin = row, after, origin
            previous = item
            for path, key in pending.refs:
                refs.append((index, path, blob_index.setdefault(key, len(blob_index))))
            text_blobs.update(pending.blobs)
            attachments.update(a.blob for a in event.attachments or () if a.blob)
        body = _ChunkBody(
            version=FORMAT_VERSION,
            base_ts=base_ts,
            origin=origin,
            events=[msgspec.Raw(row) for row in rows],  # already serialised: written as they are
            blobs=list(blob_index),
            refs=refs,
        )
        return _body_encoder.encode(body), text_blobs, attachments

    # -- decoding ------------------------------------------------------------------------------
    def decode_chunk(
        self,
        data: bytes,
        dict_id: int,
        load_blobs: BlobLoader,
        from_ms: int | None = None,
        to_ms: int | None = None,
    ) -> list[RecordedEvent]:
        """The events of one stored chunk, large strings put back from the blob store.

        With ``from_ms``/``to_ms``, only events with ``from_ms <= relative_time_ms <= to_ms`` are
        built, and only their blobs are loaded: a window read pays for the events it returns.
        """
        try:
            raw = self._decompressor(dict_id).decompress(data)
            body = _body_decoder.decode(raw)
        except (zstandard.ZstdError, msgspec.DecodeError) as exc:
            raise CodecError(f"corrupt chunk: {exc}") from exc
        if body.version != FORMAT_VERSION:
            raise CodecError(f"chunk format {body.version} is not supported")
        low = -(2**63) if from_ms is None else from_ms
        high = 2**63 - 1 if to_ms is None else to_ms
        # Undo the deltas and sticky fields in order (each row depends on the one before),
        # keeping the rows inside the window.
        selected: dict[int, dict[str, Any]] = {}
        previous_ts = body.base_ts
        sticky: dict[str, Any] = {}
        for index, fields in enumerate(body.events):
            timestamp = previous_ts + fields["timestamp"]
            previous_ts = timestamp
            relative = timestamp - body.origin + fields.get("relative_time_ms", 0)
            for name in STICKY_FIELDS:
                if name in fields:
                    value = sticky[name] = fields[name]
                    if value is None:
                        del fields[name]
                elif sticky.get(name) is not None:
                    fields[name] = sticky[name]
            if low <= relative <= high:
                fields["timestamp"] = timestamp
                fields["recorded_at"] = timestamp + fields.get("recorded_at", 0)
                fields["relative_time_ms"] = relative
                selected[index] = fields
        # Then put the large strings back (after the sticky fields, as they were taken out before).
        refs = [ref for ref in body.refs if ref[0] in selected]
        if refs:
            keys = list(dict.fromkeys(body.blobs[blob] for _, _, blob in refs))
            payloads = load_blobs(keys)
            for index, path, blob in refs:
                payload = payloads.get(body.blobs[blob])
                if payload is None:
                    raise CodecError(f"chunk refers to missing blob {body.blobs[blob]}")
                _put(selected[index], path, payload.decode())
        try:
            return [msgspec.convert(fields, RecordedEvent) for fields in selected.values()]
        except msgspec.ValidationError as exc:
            raise CodecError(f"corrupt event in chunk: {exc}") from exc

    # -- blobs ---------------------------------------------------------------------------------
    def encode_blob(self, data: bytes, *, binary: bool = False, fast: bool = False) -> EncodedBlob:
        """A payload compressed for the blob table (kept as is when compression does not help).

        Text gets the dictionary and the full level (``fast``: the live level); binary payloads
        (images, usually compressed already) only a fast try without dictionary.
        """
        if binary:
            packed, dict_id = self._binary_compressor.compress(data), NO_DICTIONARY
        else:
            compressor = self._live_compressor if fast else self._compressor
            packed, dict_id = compressor.compress(data), self.dict_id
        if len(packed) < len(data):
            return EncodedBlob(blob_key(data), len(data), BLOB_CODEC_ZSTD, dict_id, packed)
        return EncodedBlob(blob_key(data), len(data), BLOB_CODEC_NONE, NO_DICTIONARY, data)

    def decode_blob(self, codec: str, dict_id: int, data: bytes) -> bytes:
        if codec == BLOB_CODEC_NONE:
            return bytes(data)
        if codec != BLOB_CODEC_ZSTD:
            raise CodecError(f"unknown blob codec {codec!r}")
        try:
            return self._decompressor(dict_id).decompress(data)
        except zstandard.ZstdError as exc:
            raise CodecError(f"corrupt blob: {exc}") from exc


def _row(
    event: RecordedEvent, prepared: dict[str, Any], previous: _Batched | None, origin: int
) -> dict[str, Any]:
    """An event's row in its chunk: its ``prepared`` fields (left as they are) with the
    timestamp as a delta from the event before (the first: 0), the times as differences, and
    the sticky fields equal to the event before's left out (``None``: the value went away)."""
    fields = dict(prepared)
    before: dict[str, Any] = {}
    if previous is not None:
        fields["timestamp"] = event.timestamp - previous[0].timestamp
        before = previous[1].fields
    else:
        fields["timestamp"] = 0
    _set_or_drop(fields, "recorded_at", event.recorded_at - event.timestamp)
    _set_or_drop(fields, "relative_time_ms", event.relative_time_ms - (event.timestamp - origin))
    for name in STICKY_FIELDS:
        value = fields.get(name)
        if value == before.get(name):
            fields.pop(name, None)
        else:
            fields[name] = value
    return fields


def _set_or_drop(fields: dict[str, Any], name: str, delta: int) -> None:
    if delta:
        fields[name] = delta
    else:
        fields.pop(name, None)


def _put(root: Any, path: Sequence[_PathPart], value: str) -> None:
    """Set ``value`` at ``path`` inside nested dicts/lists."""
    target = root
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
