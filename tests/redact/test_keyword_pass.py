"""The scanner's keyword pass (an Aho-Corasick automaton) finds exactly what a trie regex of the
same keywords finds — leftmost-longest, not overlapping — on real payload text and on strings
built to put keywords inside, next to and across each other."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from vibecast.redact.scanner import Scanner, _trie_pattern


def automaton_hits(scanner: Scanner, low: bytes) -> list[tuple[int, bytes]]:
    found = scanner._keyword_finder.find_matches_as_indexes(low)
    return [(start, scanner._keywords[index]) for index, start, _ in found]


def regex_hits(pattern: re.Pattern[bytes], low: bytes) -> list[tuple[int, bytes]]:
    return [(m.start(), m.group()) for m in pattern.finditer(low)]


def test_the_automaton_finds_what_the_trie_regex_finds(shared_data: Path) -> None:
    scanner = Scanner()
    keywords = scanner._keywords
    assert b"key" in keywords and b"_authtoken" in keywords and b"private key" in keywords
    pattern = re.compile(_trie_pattern(k.decode() for k in keywords).encode())
    rng = random.Random(3)
    pieces = [*keywords, b"a", b"_", b" ", b":", b"/", b"-", b"ey", b"k", b"private", b"th", b"x"]
    texts = [b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(20000)]
    payloads = (shared_data / "claude-code" / "hook-payloads").rglob("*.json")
    texts += [path.read_bytes().lower() for path in payloads]
    texts += [json.dumps(k.decode() * 3).encode() for k in keywords]
    for low in texts:
        assert automaton_hits(scanner, low) == regex_hits(pattern, low), low[:200]
