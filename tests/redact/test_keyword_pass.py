"""The scanner's Aho-Corasick automata find what the trie regexes they replaced found: the
keyword pass (leftmost-longest, not overlapping) and the token stage (the longest rule prefix at
each position inside a run of token characters), on real payload text and on fuzzed strings."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable
from pathlib import Path

from vibecast.redact import scanner as scanner_module
from vibecast.redact.scanner import Scanner


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex matching any of ``words``, shaped as a trie: what the scanner used before its
    Aho-Corasick automata, kept here as the reference they must agree with."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            body = f"(?:{body})?" if len(branches) == 1 else body + "?"
        return body

    return build(root)


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


def regex_token_hits(scanner: Scanner, prefix: re.Pattern[str], text: str) -> list:
    """The token stage as it was written with the trie regex: in each run of token characters,
    the longest prefix at each position, positions in order."""
    hits: list = []
    mask = text.encode("ascii", "replace").translate(scanner_module._TABLE)
    i = mask.find(scanner_module._NEEDLE)
    while i != -1:
        j = mask.find(b" ", i + scanner_module.MIN_TOKEN)
        j = len(text) if j == -1 else j
        m = prefix.search(text, i, j)
        while m is not None:
            for rule in scanner._by_literal[m.group()]:
                scanner._try_token_rule(rule, text, m.start(), j, hits)
            m = prefix.search(text, m.start() + 1, j)
        i = mask.find(scanner_module._NEEDLE, j)
    return hits


def automaton_token_hits(scanner: Scanner, text: str) -> list:
    hits: list = []
    raw = text.encode("ascii", "replace")
    scanner._scan_tokens(text, raw, raw.translate(scanner_module._TABLE), hits)
    return hits


def strings_in(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def test_the_token_stage_tries_what_the_trie_regex_found(shared_data: Path) -> None:
    scanner = Scanner()
    prefix = re.compile(_trie_pattern(scanner._literals))
    rng = random.Random(5)
    alphabet = "abcXYZ0123456789_-./+=~ \n:é"
    texts = [
        "".join(
            rng.choice(scanner._literals)
            if rng.random() < 0.4
            else "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
            for _ in range(rng.randint(1, 8))
        )
        for _ in range(10000)
    ]
    for path in (shared_data / "claude-code" / "hook-payloads").rglob("*.json"):
        texts += strings_in(json.loads(path.read_text()))
    texts = [text for text in texts if len(text) >= scanner_module.MIN_TOKEN]
    found = 0
    for text in texts:
        expected = regex_token_hits(scanner, prefix, text)
        assert automaton_token_hits(scanner, text) == expected, text[:200]
        found += len(expected)
    assert found > 100  # the fuzzed literals make real candidates, not only misses


_NAME_HEAD_REGEX = re.compile(rb"[a-z0-9_.\-]{0,80}\Z")


def test_name_head_finds_what_the_regex_search_found() -> None:
    """``name_head`` (one rstrip) against the regex search it replaced, on fuzzed lowercased
    text with name bytes, separators and runs longer than the 80-byte cap."""
    rng = random.Random(7)
    alphabet = b"abz09_.-" + b" =:\n\t\"'/\x00"
    for _ in range(20_000):
        low = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        low += b"x" * rng.choice((0, 0, 79, 80, 81, 200))
        low += bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        at = rng.randint(0, len(low))
        head = _NAME_HEAD_REGEX.search(low, max(0, at - 80), at)
        expected = head.start() if head is not None else at
        assert scanner_module.name_head(low, at) == expected, (low, at)
