"""The published JSON Schema is the model's, and every imported real event satisfies it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import msgspec

from vibecast.importers import read_source
from vibecast.model import event_json_schema
from vibecast.recorder import build_replay

ROOT = Path(__file__).resolve().parent.parent


def test_published_schema_matches_the_model() -> None:
    published = json.loads((ROOT / "docs" / "event-schema.json").read_text())
    assert published == event_json_schema(), (
        "regenerate with: vibecast schema > docs/event-schema.json"
    )


def test_every_shared_event_validates(shared_data: Path) -> None:
    validator = jsonschema.Draft202012Validator(event_json_schema())
    files = [
        p
        for p in sorted(shared_data.rglob("*"))
        if (p.is_file() and p.suffix in {".json", ".jsonl"} and "claude-code" in p.parts)
        or (p.parent.name == "vibecraft" and p.suffix == ".jsonl")
    ]
    checked = 0
    for path in files:
        for session in read_source(path).sessions:
            _, events = build_replay(session)
            for event in events:
                validator.validate(msgspec.to_builtins(event))
                checked += 1
    assert checked > 1000
