"""Train the zstd dictionary the chunk codec compresses with.

    python -m vibecast.store.train_dictionary -o events-v2.zdict SAMPLE...

A SAMPLE is a file or a directory (searched for ``*.json`` and ``*.jsonl``). A file is a JSON
array of records, one JSON record, or JSON lines. Records that are RecordedEvents are laid out
exactly as the codec stores them (builtins form, large strings moved out, per-chunk deltas), so the
dictionary learns what the compressor will really see; any other record is used as compact JSON.
Lines that are not JSON are skipped with a warning.

Never train on the benchmark transcripts: a dictionary that has seen the test data flatters every
figure measured with it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import msgspec
import zstandard

from vibecast.model import RecordedEvent
from vibecast.store.codec import ChunkCodec

__all__ = ["DEFAULT_DICT_ID", "DEFAULT_SIZE", "collect_samples", "main", "train"]

DEFAULT_SIZE = 112 * 1024
"""Dictionary size in bytes: a bigger one costs memory in every process and barely helps."""

DEFAULT_DICT_ID = 0x8001
"""Ids below 32768 are reserved by the zstd format; ours start above, one per version."""

RECORD_SAMPLE_MAX_BYTES = 16 * 1024
"""Longer records are cut: a dictionary is made of short, frequent pieces, not whole payloads."""

CHUNK_SAMPLE_BYTES = 4 * 1024
"""Chunk bodies are cut into pieces of this size (measured best of 2, 4 and 16 KB)."""

_json = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix in {".json", ".jsonl"}
            )
        elif path.is_file():
            yield path
        else:
            _warn(f"{path}: not found, skipped")


def _records(path: Path) -> Iterator[Any]:
    data = path.read_bytes()
    try:
        whole = _json.decode(data)
    except msgspec.DecodeError:
        whole = None
    else:
        if isinstance(whole, list):
            yield from whole
        else:
            yield whole
        return
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield _json.decode(line)
        except msgspec.DecodeError:
            _warn(f"{path}:{number}: not JSON, skipped")


def _as_event(record: Any) -> RecordedEvent | None:
    if not isinstance(record, dict) or "relative_time_ms" not in record:
        return None
    try:
        return msgspec.convert(record, RecordedEvent)
    except msgspec.ValidationError:
        return None


def _event_samples(events: list[RecordedEvent]) -> Iterator[bytes]:
    """The serialised chunk bodies the codec would compress, cut into sample-sized pieces."""
    by_session: dict[str, list[RecordedEvent]] = {}
    for event in events:
        by_session.setdefault(event.session_id, []).append(event)
    codec = ChunkCodec(dictionary=b"", level=1)
    for session_events in by_session.values():
        session_events.sort(key=lambda e: e.relative_time_ms)
        for body in codec.serialised_bodies(session_events):
            for start in range(0, len(body), CHUNK_SAMPLE_BYTES):
                yield body[start : start + CHUNK_SAMPLE_BYTES]


def collect_samples(paths: Sequence[Path]) -> list[bytes]:
    """Training samples from sample files (see the module docstring)."""
    samples: list[bytes] = []
    events: list[RecordedEvent] = []
    for path in _files(paths):
        for record in _records(path):
            event = _as_event(record)
            if event is not None:
                events.append(event)
            elif record is not None:
                samples.append(_encoder.encode(record)[:RECORD_SAMPLE_MAX_BYTES])
    samples.extend(_event_samples(events))
    return [s for s in samples if s]


def train(
    samples: Sequence[bytes], size: int = DEFAULT_SIZE, dict_id: int = DEFAULT_DICT_ID
) -> bytes:
    """A zstd dictionary of at most ``size`` bytes for ``samples``."""
    if len(samples) < 8:
        raise ValueError(f"need at least 8 samples to train a dictionary, got {len(samples)}")
    total = sum(map(len, samples))
    if total < 4 * size:
        # zstd needs comfortably more sample bytes than dictionary bytes.
        size = max(1024, total // 4)
    trained = zstandard.train_dictionary(size, list(samples), dict_id=dict_id, level=19, steps=4)
    return trained.as_bytes()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vibecast.store.train_dictionary",
        description="Train the zstd dictionary used to compress event chunks.",
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="dictionary file to write")
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="maximum size in bytes")
    parser.add_argument("--dict-id", type=int, default=DEFAULT_DICT_ID, help="zstd dictionary id")
    parser.add_argument("samples", nargs="+", type=Path, help="sample files or directories")
    args = parser.parse_args(argv)
    samples = collect_samples(args.samples)
    try:
        data = train(samples, args.size, args.dict_id)
    except (ValueError, zstandard.ZstdError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    total = sum(map(len, samples))
    print(
        f"{args.output}: {len(data):,} bytes, dictionary id {args.dict_id}, "
        f"from {len(samples):,} samples ({total:,} bytes)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
