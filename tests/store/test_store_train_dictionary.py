"""The dictionary trainer: raw records and RecordedEvents in, a usable zstd dictionary out."""

from __future__ import annotations

from pathlib import Path

import pytest
import zstandard
from store_helpers import make_event
from store_samples import hook_events

from vibecast.model import encode_event
from vibecast.store.codec import ChunkCodec
from vibecast.store.train_dictionary import DEFAULT_DICT_ID, collect_samples, main


def test_trains_a_dictionary_the_codec_can_use(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "claude-code" / "hook-payloads" / "cc-2.1.62"
    out = tmp_path / "dicts" / "test.zdict"
    assert main(["-o", str(out), "--size", "16384", "--dict-id", "40000", str(folder)]) == 0
    data = out.read_bytes()
    assert 0 < len(data) <= 16384
    assert zstandard.ZstdCompressionDict(data).dict_id() == 40000

    events = hook_events(folder / "pre_tool_use.json")
    codec = ChunkCodec(dictionary=data)
    chunks = list(codec.encode(events))
    assert chunks[0].dict_id == 40000
    blobs = {key: value for c in chunks for key, value in c.text_blobs.items()}
    reader = ChunkCodec(dictionaries={40000: data})
    decoded = [e for c in chunks for e in reader.decode_chunk(c.data, c.dict_id, lambda _: blobs)]
    assert decoded == events


def test_recorded_events_are_laid_out_as_the_codec_stores_them(tmp_path: Path) -> None:
    sample = tmp_path / "events.jsonl"
    lines = [encode_event(make_event(i, i * 50, model="claude-opus")) for i in range(30)]
    sample.write_bytes(b"\n".join([*lines, b"{not json", b""]))
    samples = collect_samples([sample])
    assert samples
    body = b"".join(samples)
    # Chunk bodies, not event JSON: the model appears once, not 30 times; timestamps are deltas.
    assert body.count(b"claude-opus") == 1
    assert b"recorded_at" not in body


def test_other_records_are_used_as_compact_json(tmp_path: Path) -> None:
    (tmp_path / "array.json").write_text('[{"hook_event_name": "Stop"}, {"a": 1}]')
    (tmp_path / "lines.jsonl").write_text('{"b": 2}\n\nnot json\n{"c": 3}\n')
    (tmp_path / "ignored.txt").write_text("{}")
    samples = collect_samples([tmp_path, tmp_path / "missing.json"])
    assert sorted(samples) == sorted(
        [b'{"hook_event_name":"Stop"}', b'{"a":1}', b'{"b":2}', b'{"c":3}']
    )


def test_too_few_samples_is_an_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "one.json").write_text('{"a": 1}')
    assert main(["-o", str(tmp_path / "x.zdict"), str(tmp_path / "one.json")]) == 1
    assert "at least 8 samples" in capsys.readouterr().err
    assert not (tmp_path / "x.zdict").exists()


def test_default_dictionary_id_is_outside_the_reserved_range() -> None:
    assert 32768 <= DEFAULT_DICT_ID < 2**31
