"""Finding secrets in one string, fast.

Redaction sits on the import path (target >= 10 MB/s for the whole import), so the scanner does
as much as possible in C (and Rust: two Aho-Corasick automata, ``ahocorasick_rs``) and only
reaches Python for the few places that look interesting:

1. Token rules: the text is mapped to "token character or not" with ``bytes.translate`` and
   ``bytes.find`` jumps from one long run of token characters to the next. One automaton of
   every rule prefix (``AKIA``, ``ghp_``, ``sk-ant-`` ...) finds the candidates inside those
   runs; only then does a rule's own regex run, anchored at the prefix.
2. Context rules (PEM blocks, passwords in URLs, bearer tokens ...): their regexes run only when
   one of their keywords occurs in the lowercased text, and mostly only in a window around it.
3. Assignments (``PASSWORD=…``, ``"api_key": "…"``, ``--token …``): the keyword pass (one
   Aho-Corasick automaton over the lowercased text, which also finds the context rules'
   keywords) finds secret-ish words; for each, the surrounding name, operator and value are
   parsed and judged by :mod:`vibecast.redact.names`.
4. User patterns and strings from the settings.

Overlapping hits are merged; the most specific kind names the placeholder.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick_rs

from vibecast.redact.names import (
    classify_name,
    is_secret_value,
    kind_for,
    looks_random,
    shannon_entropy,
)
from vibecast.redact.rules import (
    CONTEXT_RULES,
    TOKEN_CHARS,
    ContextRule,
    TokenRule,
    all_token_rules,
    detect_secrets_rules,
)

__all__ = ["CUSTOM_KIND", "Finding", "Scanner"]

CUSTOM_KIND = "custom"
MIN_TEXT = 8  # no built-in rule can match a shorter string
MIN_TOKEN = 20  # the shortest token a token rule accepts (``AKIA`` + 16)
MIN_TOKEN_ENTROPY = 3.0  # bits per character; 20 random base32 characters have about 3.8
_MEMO_MAX_LEN = 512  # short strings repeat a lot (paths, cwd, names): their results are cached
_MEMO_MAX_ENTRIES = 65536

_TABLE = bytes(0x61 if chr(i) in TOKEN_CHARS else 0x20 for i in range(256))
_NEEDLE = b"a" * MIN_TOKEN

# Words that start a secret-looking name (see names.py); every context rule adds its keywords.
_NAME_KEYWORDS = (b"pass", b"pwd", b"secret", b"token", b"key", b"auth", b"cred", b"contrase")
_NAME_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789_.-"  # what a name is made of (lowercased)
_NAME_TAIL = re.compile(rb"[a-z0-9_.\-]*")
_OP = re.compile(r"""["'\]]{0,2}[ \t]*\??[ \t]*(:=|=>|=(?![=~])|:(?![:/\\]))[ \t]*""")
_FLAG_OP = re.compile(r"[ \t]+")
_BARE = re.compile(r"""[^\s"'`,;&|<>(){}\[\]]+""")
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_AUTH_SCHEME = re.compile(r"(?i)(?:bearer|basic|token)\s+")


@dataclass(frozen=True, slots=True)
class Finding:
    """A secret at ``text[start:end]`` of the kind named in its placeholder."""

    kind: str
    start: int
    end: int


def _decodes_to_credentials(value: str) -> bool:
    """``Basic`` auth: base64 of ``user:password``."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded and all(32 <= c < 127 for c in decoded)


_HEADER_RULES: tuple[ContextRule, ...] = (
    ContextRule(
        "bearer-token",
        (b"bearer",),
        re.compile(r"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{16,}=*)"),
        group=1,
        window=16,
        validate=looks_random,
        priority=2,
    ),
    ContextRule(
        "basic-auth",
        (b"basic",),
        re.compile(r"(?i)\bbasic\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])"),
        group=1,
        window=16,
        validate=_decodes_to_credentials,
        priority=2,
    ),
)


class Scanner:
    """Finds secrets in strings; built once per :class:`~vibecast.redact.Redactor`."""

    def __init__(
        self,
        patterns: Sequence[re.Pattern[str]] = (),
        strings: Sequence[str] = (),
        token_rules: Sequence[TokenRule] | None = None,
        context_rules: Sequence[ContextRule] | None = None,
    ) -> None:
        self._token_rules = tuple(all_token_rules() if token_rules is None else token_rules)
        if context_rules is None:
            context_rules = CONTEXT_RULES + detect_secrets_rules()[1] + _HEADER_RULES
        self._context_rules = tuple(context_rules)
        literals = {prefix for rule in self._token_rules for prefix in rule.prefixes}
        # Every literal is made of token characters, so a literal found anywhere in the text
        # either lies inside a run of token characters or not at all (see _scan_tokens).
        self._literals = tuple(sorted(literals))
        self._prefix_finder = ahocorasick_rs.BytesAhoCorasick([x.encode() for x in self._literals])
        self._by_literal: dict[str, tuple[TokenRule, ...]] = {
            literal: tuple(
                rule
                for rule in self._token_rules
                if any(literal.startswith(p) for p in rule.prefixes)
            )
            for literal in literals
        }
        # One pass over the lowercased text finds every keyword of every rule: an Aho-Corasick
        # automaton, leftmost-longest and not overlapping (what a trie regex would find), ~20x
        # faster than ``re`` with the same trie (a regex tries every position in Python's engine).
        keywords = sorted(
            set(_NAME_KEYWORDS) | {k for rule in self._context_rules for k in rule.keywords}
        )
        self._keywords = tuple(keywords)
        self._keyword_finder = ahocorasick_rs.BytesAhoCorasick(
            keywords, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST
        )
        self._names_at = tuple(any(w in k for w in _NAME_KEYWORDS) for k in keywords)
        self._patterns = tuple(patterns)
        self._strings = tuple(s for s in strings if s)
        self._memo: dict[str, tuple[Finding, ...]] = {}

    def known_clean(self, text: str) -> bool:
        """Whether ``text`` was scanned before and held nothing: a memo lookup, no scan."""
        return len(text) <= _MEMO_MAX_LEN and self._memo.get(text) == ()

    def scan(self, text: str) -> list[Finding]:
        """Every secret in ``text``, merged, in order, not overlapping."""
        n = len(text)
        if n <= _MEMO_MAX_LEN:
            cached = self._memo.get(text)
            if cached is None:
                if len(self._memo) >= _MEMO_MAX_ENTRIES:
                    self._memo.clear()
                cached = self._memo[text] = tuple(self._scan(text, n))
            return list(cached)
        return self._scan(text, n)

    def _scan(self, text: str, n: int) -> list[Finding]:
        hits: list[tuple[int, int, int, str]] = []  # (start, end, priority, kind)
        if n >= MIN_TEXT:
            raw = text.encode("ascii", "replace")  # one byte per character: offsets line up
            if n >= MIN_TOKEN:
                self._scan_tokens(text, raw, raw.translate(_TABLE), hits)
            low = raw.lower()
            found: dict[bytes, list[int]] = {}
            names: list[tuple[int, int]] = []
            keywords, names_at = self._keywords, self._names_at
            for index, start, end in self._keyword_finder.find_matches_as_indexes(low):
                found.setdefault(keywords[index], []).append(start)
                if names_at[index]:
                    names.append((start, end))
            if found:
                self._scan_context(text, found, hits)
            if names:
                self._scan_assignments(text, low, names, hits)
        if self._patterns or self._strings:
            self._scan_custom(text, hits)
        return _merge(hits) if hits else []

    # -- stage 1: tokens -------------------------------------------------------------------

    def _scan_tokens(
        self, text: str, raw: bytes, mask: bytes, hits: list[tuple[int, int, int, str]]
    ) -> None:
        """Token rules, tried where a rule prefix starts inside a run of at least
        :data:`MIN_TOKEN` token characters — at each such position with the longest prefix
        found there, positions in text order."""
        find = mask.find
        i = find(_NEEDLE)
        if i == -1:
            return
        longest: dict[int, int] = {}  # start -> index of the longest literal starting there
        literals = self._literals
        for index, start, end in self._prefix_finder.find_matches_as_indexes(raw, overlapping=True):
            known = longest.get(start)
            if known is None or len(literals[known]) < end - start:
                longest[start] = index
        if not longest:
            return
        starts = sorted(longest)
        n = len(text)
        by_literal = self._by_literal
        while i != -1:
            j = find(b" ", i + MIN_TOKEN)
            if j == -1:
                j = n
            k = bisect.bisect_left(starts, i)
            while k < len(starts) and starts[k] < j:
                at = starts[k]
                for rule in by_literal[literals[longest[at]]]:
                    self._try_token_rule(rule, text, at, j, hits)
                k += 1
            i = find(_NEEDLE, j)

    @staticmethod
    def _try_token_rule(
        rule: TokenRule, text: str, at: int, run_end: int, hits: list[tuple[int, int, int, str]]
    ) -> None:
        start = at - rule.anchor_back
        if start < 0 or (start > 0 and text[start - 1].isalnum()):
            return
        m = rule.regex.match(text, start, run_end)
        if m is None:
            return
        end = m.end()
        if end < len(text) and text[end].isalnum():
            return  # glued to more letters or digits: part of something longer
        s, e = m.span(rule.group)
        if s < 0 or e <= s:
            return
        value = text[s:e]
        if shannon_entropy(value) < MIN_TOKEN_ENTROPY:
            return  # ``SKxxxxxxxx…`` in documentation: the shape without the randomness
        if rule.validate is not None and not rule.validate(value):
            return
        hits.append((s, e, rule.priority, rule.kind))

    # -- stage 2: context rules ------------------------------------------------------------

    def _scan_context(
        self, text: str, found: dict[bytes, list[int]], hits: list[tuple[int, int, int, str]]
    ) -> None:
        n = len(text)
        for rule in self._context_rules:
            spots = [(at, len(k)) for k in rule.keywords for at in found.get(k, ())]
            if not spots:
                continue
            if rule.window is None:
                self._collect(rule, rule.regex.finditer(text), hits)
                continue
            spots.sort()
            scanned = 0  # text[:scanned] has been searched already
            for at, size in spots:
                if at + size <= scanned:
                    continue
                lo = max(0, at - rule.window, scanned)
                # Search to the end of the line, so no single-line match is cut short.
                hi = text.find("\n", min(n, at + size + rule.window))
                hi = n if hi == -1 else hi
                self._collect(rule, rule.regex.finditer(text, lo, hi), hits)
                scanned = hi

    @staticmethod
    def _collect(rule: ContextRule, matches: Iterable[re.Match[str]], hits: list) -> None:
        for m in matches:
            s, e = m.span(rule.group)
            if s < 0 or e <= s:
                continue
            value = m.group(rule.group)
            if rule.validate is not None and not rule.validate(value):
                continue
            if rule.kind == "url-password" and not is_secret_value(
                "password", value, bare=False, env_style=False
            ):
                continue
            hits.append((s, e, rule.priority, rule.kind))

    # -- stage 3: NAME = value ---------------------------------------------------------------

    def _scan_assignments(
        self,
        text: str,
        low: bytes,
        names: list[tuple[int, int]],
        hits: list[tuple[int, int, int, str]],
    ) -> None:
        done = -1
        for at, after in names:
            if at < done:
                continue
            start = name_head(low, at)
            end = _NAME_TAIL.match(low, after).end()
            done = end
            name = text[start:end]
            name_class = classify_name(name)
            if name_class is None:
                continue
            if start > 0 and text[start - 1] == ":" and text.startswith(":", end):
                continue  # ``arn:aws:secretsmanager:…:secret:Name``: a path, not an assignment
            op = _OP.match(text, end)
            if op is None and name.startswith("-"):
                op = _FLAG_OP.match(text, end)  # ``--password hunter2``
            if op is None or op.end() >= len(text):
                continue
            flag = name.startswith("-")
            env_style = flag or (op.group() == "=" and _ENV_NAME.fullmatch(name) is not None)
            found = _value_at(text, op.end())
            if found is None:
                continue
            vs, ve, bare = found
            if bare and ve < len(text) and text[ve] in "([":
                continue  # ``password = base64.b16encode(...)``: a call, not a value
            value = text[vs:ve]
            if name_class != "password":
                scheme = _AUTH_SCHEME.match(value)
                if scheme is not None and not bare:
                    vs += scheme.end()
                    value = text[vs:ve]
            if (
                bare
                and name_class == "password"
                and op.group()[:1] in " \t"
                and not any(c.isdigit() for c in value)
            ):
                # ``Pass :meth:``, ``--password options`` are prose; ``password = hunter2``
                # (INI) and ``--password hunter2`` are not.
                continue
            if is_secret_value(name_class, value, bare=bare, env_style=env_style):
                hits.append((vs, ve, 1, kind_for(name, name_class)))

    # -- stage 4: the user's own -------------------------------------------------------------

    def _scan_custom(self, text: str, hits: list[tuple[int, int, int, str]]) -> None:
        for pattern in self._patterns:
            for m in pattern.finditer(text):
                if m.end() > m.start():
                    hits.append((m.start(), m.end(), 4, CUSTOM_KIND))
        for literal in self._strings:
            at = text.find(literal)
            while at != -1:
                hits.append((at, at + len(literal), 4, CUSTOM_KIND))
                at = text.find(literal, at + len(literal))


def name_head(low: bytes, at: int) -> int:
    """Where the name holding a keyword at ``at`` starts: the run of name bytes ending there,
    at most 80 back. One ``rstrip`` (a regex search, ``[a-z0-9_.-]{0,80}\\Z``, tried each of the
    80 positions before it: ~5 µs of the recorder's ~23 µs of redaction per event)."""
    lo = max(0, at - 80)
    return lo + len(low[lo:at].rstrip(_NAME_BYTES))


def _value_at(text: str, at: int) -> tuple[int, int, bool] | None:
    """The value starting at ``at``: (start, end, bare). Quoted values stop at their quote."""
    quote = text[at]
    if quote in "\"'`":
        close = text.find(quote, at + 1, at + 1026)
        if close == -1 or "\n" in text[at + 1 : close]:
            return None
        return at + 1, close, False
    m = _BARE.match(text, at)
    if m is None:
        return None
    return at, m.end(), True


def _merge(hits: list[tuple[int, int, int, str]]) -> list[Finding]:
    hits.sort(key=lambda h: (h[0], -h[1], -h[2]))
    merged: list[Finding] = []
    cur_start, cur_end, cur_prio, cur_kind = hits[0]
    for start, end, prio, kind in hits[1:]:
        if start < cur_end:
            if end > cur_end:
                cur_end = end
            if prio > cur_prio:
                cur_prio, cur_kind = prio, kind
            continue
        merged.append(Finding(cur_kind, cur_start, cur_end))
        cur_start, cur_end, cur_prio, cur_kind = start, end, prio, kind
    merged.append(Finding(cur_kind, cur_start, cur_end))
    return merged
