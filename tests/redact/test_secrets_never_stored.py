"""End to end: planted secrets imported with the real `vibecast import` never reach the disk.

Every kind of secret in the corpus is planted in a transcript (prompt, assistant text, thinking,
a Bash command and its output, a Write, the session's own summary title), in a hook payload
capture and in a Vibecraft event log. After the import, the test looks for every generated piece
of every secret in: the raw bytes of every file in the data dir (database, WAL, shared memory),
every decompressed chunk and blob, every text column of every table, and what the CLI prints
(`events`, `list`, `show`, and a saved replay file).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import zstandard
from planted import Planted, leaks, planted_secrets, write_planted_transcript

from vibecast.store.codec import load_dictionaries

MIN_PIECE = 6
"""Generated pieces shorter than this (a 3-digit octet, say) identify nothing and occur by chance in
timestamps; every secret in the corpus has longer pieces, which are what must not survive."""


def _vibecast(home: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIBECAST_", "CLAUDE_"))}
    env.update(VIBECAST_HOME=str(home), CLAUDE_CONFIG_DIR=str(home / "no-claude"))
    proc = subprocess.run(
        [sys.executable, "-m", "vibecast", *args],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    return proc


def _write_sources(folder: Path, secrets: list[Planted]) -> None:
    transcript = folder / "5e55ed00-0000-4000-8000-00000000c0de.jsonl"
    write_planted_transcript(transcript, secrets)
    with transcript.open("a", encoding="utf-8") as out:  # the session's own title
        summary = {"type": "summary", "summary": f"Debugging {secrets[0].text}", "leafUuid": "x"}
        out.write(json.dumps(summary) + "\n")
    hooks = []
    for i, p in enumerate(secrets):
        base = {"session_id": "hook-session", "cwd": "/srv", "transcript_path": "/nowhere.jsonl"}
        hooks.append({**base, "hook_event_name": "UserPromptSubmit", "prompt": p.text})
        tool = {"tool_name": "Bash", "tool_input": {"command": p.text}, "tool_use_id": f"t{i}"}
        hooks.append({**base, "hook_event_name": "PreToolUse", **tool})
        hooks.append(
            {**base, "hook_event_name": "PostToolUse", **tool, "tool_response": {"stdout": p.text}}
        )
        hooks.append({**base, "hook_event_name": "Notification", "message": p.text})
    (folder / "hooks.json").write_text(json.dumps(hooks), encoding="utf-8")
    vibecraft = [
        {
            "id": f"vc-{i}",
            "timestamp": 1_767_225_600_000 + i,
            "type": "user_prompt_submit",
            "sessionId": "vibecraft-session",
            "cwd": "/srv",
            "prompt": p.text,
        }
        for i, p in enumerate(secrets)
    ]
    (folder / "events.jsonl").write_text(
        "".join(json.dumps(e) + "\n" for e in vibecraft), encoding="utf-8"
    )


def _stored_texts(db: Path) -> list[str]:
    """Every text column of every row, and every chunk and blob decompressed."""
    dictionaries = load_dictionaries()
    texts: list[str] = []
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                texts.extend(v for v in row if isinstance(v, str))
        for data, dict_id in conn.execute("SELECT data, dict_id FROM replay_chunks"):
            texts.append(_decompress(data, dict_id, dictionaries))
        for data, dict_id, codec in conn.execute("SELECT data, dict_id, codec FROM blobs"):
            raw = _decompress(data, dict_id, dictionaries) if codec == "zstd" else data
            texts.append(raw if isinstance(raw, str) else raw.decode("utf-8", "replace"))
    finally:
        conn.close()
    return texts


def _decompress(data: bytes, dict_id: int, dictionaries: dict[int, bytes]) -> str:
    if dict_id:
        zdict = zstandard.ZstdCompressionDict(dictionaries[dict_id])
        decompressor = zstandard.ZstdDecompressor(dict_data=zdict)
    else:
        decompressor = zstandard.ZstdDecompressor()
    return decompressor.decompressobj().decompress(data).decode("utf-8", "replace")


def test_no_planted_secret_reaches_the_disk_or_the_cli(tmp_path: Path) -> None:
    secrets = planted_secrets()
    sources = tmp_path / "sources"
    sources.mkdir()
    _write_sources(sources, secrets)
    home = tmp_path / "home"
    summary = json.loads(_vibecast(home, "import", str(sources), "--json").stdout)
    assert summary["replays_created"] == 3, summary
    assert sum(summary["redactions"].values()) >= 4 * len(secrets)

    outputs: dict[str, str] = {}
    replays = json.loads(_vibecast(home, "list", "--json").stdout)
    outputs["list"] = json.dumps(replays)
    for replay in replays:
        outputs[f"events {replay['id']}"] = _vibecast(home, "events", replay["id"]).stdout.decode()
        outputs[f"show {replay['id']}"] = _vibecast(
            home, "show", replay["id"], "--json"
        ).stdout.decode()
        saved = tmp_path / f"{replay['id']}.vibecast"
        _vibecast(home, "save", replay["id"], "-o", str(saved))
        outputs[f"save {replay['id']}"] = (
            zstandard.ZstdDecompressor().decompressobj().decompress(saved.read_bytes()).decode()
        )
    # Make sure the text really went through: the planted sentences' ordinary words survive.
    assert "Please check this" in "".join(outputs.values())

    for file in sorted(home.rglob("*")):
        if file.is_file():
            outputs[f"file {file.name}"] = file.read_bytes().decode("latin-1")
    db = home / "vibecast.db"
    for i, text in enumerate(_stored_texts(db)):
        outputs[f"stored #{i}"] = text

    found = [
        f"{p.kind} in {where}: {piece!r}"
        for p in secrets
        for where, text in outputs.items()
        for piece in leaks(p, text)
        if len(piece) >= MIN_PIECE
    ]
    assert not found, "planted secrets reached the disk or the CLI:\n" + "\n".join(found[:40])
