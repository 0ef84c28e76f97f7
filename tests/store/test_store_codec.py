"""The chunk codec: exact round trips, chunk boundaries, large strings moved out and shared."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import msgspec
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from store_helpers import make_event
from store_strategies import events_strategy

from vibecast.model import Attachment, RecordedEvent
from vibecast.store import codec as codec_module
from vibecast.store.codec import (
    BLOB_MIN_BYTES,
    CHUNK_MAX_BYTES,
    CHUNK_MAX_EVENTS,
    NO_DICTIONARY,
    ChunkCodec,
    CodecError,
    EncodedChunk,
    blob_key,
    load_dictionaries,
)


# -- helpers ------------------------------------------------------------------------------------
def blobs_of(chunks: Sequence[EncodedChunk]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for chunk in chunks:
        found.update(chunk.text_blobs)
    return found


def loader(blobs: Mapping[str, bytes]):
    def load(keys: Sequence[str]) -> Mapping[str, bytes]:
        return {key: blobs[key] for key in keys if key in blobs}

    return load


def round_trip(codec: ChunkCodec, events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
    chunks = list(codec.encode(events))
    blobs = blobs_of(chunks)
    decoded: list[RecordedEvent] = []
    for chunk in chunks:
        decoded.extend(codec.decode_chunk(chunk.data, chunk.dict_id, loader(blobs)))
    return decoded


CODEC = ChunkCodec()
SMALL_CHUNKS = ChunkCodec(chunk_max_events=3, chunk_max_bytes=2048)


# -- round trips --------------------------------------------------------------------------------
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events_strategy())
def test_arbitrary_events_round_trip(events: list[RecordedEvent]) -> None:
    assert round_trip(CODEC, events) == events


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events_strategy(max_events=20))
def test_round_trip_across_many_small_chunks(events: list[RecordedEvent]) -> None:
    # Every chunk restarts its deltas and sticky fields: cutting anywhere must not change events.
    assert round_trip(SMALL_CHUNKS, events) == events


@settings(max_examples=40, deadline=None)
@given(events_strategy(max_events=6))
def test_round_trip_without_dictionary(events: list[RecordedEvent]) -> None:
    codec = ChunkCodec(dictionary=b"")
    assert codec.dict_id == NO_DICTIONARY
    assert round_trip(codec, events) == events


@settings(max_examples=30, deadline=None)
@given(events_strategy(max_events=6))
def test_encoding_leaves_the_callers_events_untouched(events: list[RecordedEvent]) -> None:
    before = copy.deepcopy(events)
    list(CODEC.encode(events))
    assert events == before


def test_huge_and_awkward_strings_round_trip() -> None:
    huge = "".join(chr(c) for c in range(32, 5000)) * 200  # ~1 M characters, multi-byte UTF-8
    events = [
        make_event(0, 0, tool_input={"content": huge, "nested": [{"deep": [huge[:5000]]}]}),
        make_event(1, 5, prompt="emoji 🎬 and NUL \x00 and RTL \u202e", tool_response=huge),
        make_event(2, 5, raw={"": {"a\nb": [None, True, 2**80, -0.5, 1e308]}}),
    ]
    assert round_trip(CODEC, events) == events


@pytest.mark.parametrize(
    "value",
    [{"handle": object()}, "lone surrogate \ud800", "big lone surrogate \udfff" * BLOB_MIN_BYTES],
)
def test_unserialisable_event_is_a_codec_error(value: object) -> None:
    event = make_event(0, 0, tool_input=value)
    with pytest.raises(CodecError, match="cannot be stored"):
        list(CODEC.encode([event]))


# -- chunk boundaries ---------------------------------------------------------------------------
def test_one_codec_serves_many_threads() -> None:
    """Stores share one codec between the API's threads; zstd contexts are per thread."""
    codec = ChunkCodec(chunk_max_events=8)
    batches = [
        [
            make_event(i, i * 10, session=f"s{n}", text=f"thread {n} step {i} " * 40)
            for i in range(64)
        ]
        for n in range(8)
    ]
    expected = [[c.data for c in codec.encode(batch)] for batch in batches]

    def work(n: int) -> bool:
        batch = batches[n % len(batches)]
        data = [c.data for c in codec.encode(batch)]
        return data == expected[n % len(batches)] and round_trip(codec, batch) == batch

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(work, range(32)))


def test_chunks_close_at_the_event_limit() -> None:
    events = [make_event(i, i * 10) for i in range(CHUNK_MAX_EVENTS * 2 + 1)]
    chunks = list(CODEC.encode(events))
    assert [c.event_count for c in chunks] == [CHUNK_MAX_EVENTS, CHUNK_MAX_EVENTS, 1]
    assert [c.seq for c in chunks] == [0, 1, 2]
    assert chunks[1].start_ms == CHUNK_MAX_EVENTS * 10
    assert chunks[1].end_ms == (2 * CHUNK_MAX_EVENTS - 1) * 10


def test_chunks_close_at_the_byte_limit() -> None:
    text = "x" * (BLOB_MIN_BYTES // 3)  # below the blob threshold: stays inline
    events = [make_event(i, i, text=f"{i} {text}") for i in range(200)]
    chunks = list(CODEC.encode(events))
    assert len(chunks) > 1
    assert all(c.raw_size <= CHUNK_MAX_BYTES + BLOB_MIN_BYTES for c in chunks)
    assert all(c.event_count < CHUNK_MAX_EVENTS for c in chunks)
    assert sum(c.event_count for c in chunks) == 200
    assert round_trip(CODEC, events) == events


def test_an_event_larger_than_a_chunk_gets_a_chunk_of_its_own() -> None:
    codec = ChunkCodec(chunk_max_bytes=512, blob_min_bytes=10**9)
    events = [make_event(0, 0), make_event(1, 1, text="y" * 5000), make_event(2, 2)]
    chunks = list(codec.encode(events))
    assert [c.event_count for c in chunks] == [1, 1, 1]
    assert round_trip(codec, events) == events


def test_chunk_bounds_follow_relative_time() -> None:
    events = [make_event(i, 1000 + i * 7) for i in range(10)]
    chunks = list(SMALL_CHUNKS.encode(events))
    assert [(c.start_ms, c.end_ms) for c in chunks] == [
        (1000, 1014),
        (1021, 1035),
        (1042, 1056),
        (1063, 1063),
    ]


# -- large strings ------------------------------------------------------------------------------
def test_large_strings_are_moved_out_once_per_content() -> None:
    big = "the same file content\n" * 400
    events = [
        make_event(0, 0, type="pre_tool_use", tool_input={"content": big}),
        make_event(1, 1, type="post_tool_use", tool_response={"content": big, "file": big}),
        make_event(2, 2, text="small"),
    ]
    (chunk,) = CODEC.encode(events)
    assert dict(chunk.text_blobs) == {blob_key(big.encode()): big.encode()}
    assert len(chunk.data) < len(big) // 10
    assert round_trip(CODEC, events) == events


def test_strings_below_the_threshold_stay_inline() -> None:
    events = [make_event(0, 0, text="z" * (BLOB_MIN_BYTES - 1))]
    (chunk,) = CODEC.encode(events)
    assert not chunk.text_blobs


def test_threshold_counts_utf8_bytes_not_characters() -> None:
    text = "é" * (BLOB_MIN_BYTES // 2)  # half as many characters as bytes
    (chunk,) = CODEC.encode([make_event(0, 0, text=text)])
    assert list(chunk.text_blobs.values()) == [text.encode()]


def test_attachment_blobs_are_listed_with_the_chunk() -> None:
    key = blob_key(b"png bytes")
    event = make_event(0, 0, attachments=[Attachment(kind="image", blob=key, size=9)])
    (chunk,) = CODEC.encode([event])
    assert chunk.attachment_blobs == {key}
    assert chunk.blob_keys == {key}


def test_huge_sticky_values_round_trip() -> None:
    huge_cwd = "/very/deep" * BLOB_MIN_BYTES
    events = [
        make_event(0, 0),
        make_event(1, 1, cwd=huge_cwd),
        make_event(2, 2, cwd=None),
        make_event(3, 3, cwd=huge_cwd),
        make_event(4, 4, cwd=huge_cwd),
        make_event(5, 5),
    ]
    assert round_trip(CODEC, events) == events


def test_window_decoding_builds_and_loads_only_what_it_returns() -> None:
    events = [make_event(i, i * 100, text=f"{i}" * BLOB_MIN_BYTES) for i in range(6)]
    (chunk,) = CODEC.encode(events)
    asked: list[str] = []
    blobs = dict(chunk.text_blobs)

    def load(keys: Sequence[str]) -> Mapping[str, bytes]:
        asked.extend(keys)
        return {key: blobs[key] for key in keys}

    window = CODEC.decode_chunk(chunk.data, chunk.dict_id, load, 150, 300)
    assert window == events[2:4]
    assert sorted(asked) == sorted(blob_key(e.text.encode()) for e in events[2:4])
    assert CODEC.decode_chunk(chunk.data, chunk.dict_id, load, 1000, None) == []


def test_missing_blob_is_a_codec_error() -> None:
    (chunk,) = CODEC.encode([make_event(0, 0, text="q" * BLOB_MIN_BYTES)])
    with pytest.raises(CodecError, match="missing blob"):
        CODEC.decode_chunk(chunk.data, chunk.dict_id, loader({}))


# -- dictionaries and stored bytes --------------------------------------------------------------
def test_the_shipped_dictionary_is_used_and_recorded() -> None:
    shipped = load_dictionaries()
    assert CODEC.dict_id in shipped
    assert CODEC.dict_id != NO_DICTIONARY
    assert len(shipped[CODEC.dict_id]) <= 112 * 1024
    (chunk,) = CODEC.encode([make_event(0, 0)])
    assert chunk.dict_id == CODEC.dict_id


def test_the_dictionary_makes_small_chunks_smaller() -> None:
    events = [
        make_event(i, i * 900, type="pre_tool_use", tool="Bash", tool_input={"command": "ls -la"})
        for i in range(5)
    ]
    with_dict = next(CODEC.encode(events))
    without = next(ChunkCodec(dictionary=b"").encode(events))
    assert len(with_dict.data) < len(without.data)


def test_chunks_from_an_unknown_dictionary_are_refused_clearly() -> None:
    samples = [msgspec.json.encode({"n": i, "text": f"sample {i} " * (i % 7)}) for i in range(400)]
    other = zstandard.train_dictionary(2048, samples, dict_id=0x9999).as_bytes()
    (chunk,) = ChunkCodec(dictionary=other).encode([make_event(0, 0)])
    assert chunk.dict_id == 0x9999
    with pytest.raises(CodecError, match="does not ship"):
        CODEC.decode_chunk(chunk.data, chunk.dict_id, loader({}))
    # A codec told about that dictionary reads it.
    reader = ChunkCodec(dictionaries={0x9999: other})
    assert reader.decode_chunk(chunk.data, chunk.dict_id, loader({})) == [make_event(0, 0)]


def test_corrupt_chunk_is_a_codec_error() -> None:
    (chunk,) = CODEC.encode([make_event(0, 0)])
    with pytest.raises(CodecError, match="corrupt"):
        CODEC.decode_chunk(chunk.data[:-4] + b"\x00\x01\x02\x03", chunk.dict_id, loader({}))


def test_text_blobs_compress_and_binary_blobs_are_kept_when_incompressible() -> None:
    text = ("def main():\n    return 42\n" * 300).encode()
    packed = CODEC.encode_blob(text)
    assert packed.codec == "zstd"
    assert len(packed.data) < len(text) // 10
    assert CODEC.decode_blob(packed.codec, packed.dict_id, packed.data) == text

    noise = bytes((i * 7919 + i // 3) % 251 for i in range(5000))
    noise = zstandard.ZstdCompressor(level=3).compress(noise)  # already compressed
    kept = CODEC.encode_blob(noise, binary=True)
    assert kept.codec == "none"
    assert kept.data == noise
    assert CODEC.decode_blob(kept.codec, kept.dict_id, kept.data) == noise


def _fields(event: RecordedEvent) -> dict[str, Any]:
    return msgspec.to_builtins(event)


def test_repeated_fields_cost_almost_nothing() -> None:
    # Sticky fields and timestamps deltas: 200 events differing only in id and time compress to
    # a few bytes each.
    events = [make_event(i, i * 1234, model="claude-sonnet-4") for i in range(200)]
    (chunk,) = CODEC.encode(events)
    plain = sum(len(msgspec.json.encode(_fields(e))) for e in events)
    assert len(chunk.data) * 20 < plain


def test_the_live_cache_of_prepared_events_stays_within_its_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Live encodes remember what they prepared, but never more than the budget's events or
    bytes (huge tool results must not pin memory); what they write does not change."""
    monkeypatch.setattr(codec_module, "PREPARED_CACHE_EVENTS", 50)
    monkeypatch.setattr(codec_module, "PREPARED_CACHE_BYTES", 4 * BLOB_MIN_BYTES)
    events = [
        make_event(i, i * 10, text=("x" * (BLOB_MIN_BYTES + i)) if i % 7 == 0 else "t")
        for i in range(120)
    ]
    codec = ChunkCodec()
    for end in (30, 60, 120):
        live = list(codec.encode(events[:end], fast=True))
        cache = codec._prepared
        assert 0 < len(cache.entries) <= 50
        assert cache.size <= 4 * BLOB_MIN_BYTES
        assert cache.size == sum(codec_module._cost(p) for p in cache.entries.values())
        full = list(ChunkCodec().encode(events[:end], fast=True))
        assert [c.data for c in live] == [c.data for c in full]
