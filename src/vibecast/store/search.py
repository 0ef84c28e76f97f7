"""What the replay list filters on, and how a filter's words become a safe query pattern.

Filtering by tool, file or prompt text must not decompress every replay's chunks, so each
backend keeps, next to the replay row and written in the same transaction, the tools it used
(``replay_tools``: one row per tool, an index lookup) and the text it is found by
(``replay_search``: title, prompts, touched files). Both backends search that text for substrings
through a trigram index (SQLite FTS5 ``trigram``, PostgreSQL ``pg_trgm``), so a search stays an
index lookup as the number of replays grows. This module computes those fields once for both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vibecast.model import EventType, RecordedEvent, Replay
from vibecast.store.base import ReplayFilter

__all__ = [
    "PROMPTS_MAX_CHARS",
    "TRIGRAM",
    "SearchFields",
    "fts_phrase",
    "like_pattern",
    "prompt_text",
    "scalar_filters",
    "search_fields",
    "search_fields_of",
    "tool_key",
    "wanted",
]

PROMPTS_MAX_CHARS = 200_000
"""Prompt text kept for search per replay; a session pasting megabytes is found by the rest."""

TRIGRAM = 3
"""Trigram indexes find substrings of at least this many characters; shorter ones are scanned."""


@dataclass(frozen=True)
class SearchFields:
    """One replay's row of ``replay_search`` and its ``replay_tools``."""

    title: str
    prompts: str
    files: str
    tools: tuple[str, ...]


def search_fields(replay: Replay, events: Sequence[RecordedEvent]) -> SearchFields:
    """The searchable text of ``replay``: its title, the prompts typed, the files it touched."""
    prompts = (event for event in events if event.type == EventType.USER_PROMPT_SUBMIT)
    return search_fields_of(
        replay, prompt_text(prompts), (event.tool for event in events if event.tool)
    )


def search_fields_of(replay: Replay, prompts: str, event_tools: Iterable[str]) -> SearchFields:
    """:func:`search_fields` from what it reads in the events: the :func:`prompt_text` of
    their prompts and the ``tool`` of every event naming one (a live recording keeps both as
    it goes, rather than walking the whole replay at every save)."""
    tools = {tool.lower() for tool in replay.metadata.tool_breakdown}
    tools.update(tool.lower() for tool in event_tools)
    return SearchFields(
        title=_clean(replay.title),
        prompts=prompts,
        files=_clean("\n".join(replay.metadata.files_touched)),
        tools=tuple(sorted(t for t in (_clean(t) for t in tools) if t)),
    )


def prompt_text(prompts: Iterable[RecordedEvent]) -> str:
    """The text searched for a replay's prompts: each prompt's text, in order, up to
    :data:`PROMPTS_MAX_CHARS` in all (``prompts``: its UserPromptSubmit events)."""
    texts: list[str] = []
    size = 0
    for event in prompts:
        text = event.prompt if event.prompt is not None else event.text
        if not text:
            continue
        texts.append(text[: PROMPTS_MAX_CHARS - size])
        size += len(texts[-1]) + 1
        if size >= PROMPTS_MAX_CHARS:
            break
    return _clean("\n".join(texts))


def _clean(text: str) -> str:
    """Text any database accepts (PostgreSQL refuses NUL characters)."""
    return text.replace("\x00", "")


def wanted(value: str | None) -> str | None:
    """A filter's value as searched: surrounding blanks dropped; blank means no filter."""
    if value is None:
        return None
    value = _clean(value).strip()
    return value or None


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with ``\\`` as the escape character."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(text: str, columns: Iterable[str]) -> str | None:
    """An FTS5 query matching ``text`` as a substring of any of ``columns``.

    None when ``text`` is shorter than a trigram: the index cannot answer, the caller scans.
    """
    if len(text) < TRIGRAM:
        return None
    quoted = text.replace('"', '""')
    return "{" + " ".join(columns) + '} : "' + quoted + '"'


def tool_key(filters: ReplayFilter) -> str | None:
    """The tool a filter asks for, as ``replay_tools`` holds it (lower case)."""
    tool = wanted(filters.tool)
    return tool.lower() if tool else None


_SCALAR_FILTERS = (
    # (ReplayFilter field, clause over ``replays``, parameter name)
    ("since_ms", "replays.recorded_at >= {}", "since"),
    ("until_ms", "replays.recorded_at < {}", "until"),
    ("status", "replays.status = {}", "status"),
    ("updated_since_ms", "replays.updated_at >= {}", "updated_since"),
    ("updated_before_ms", "replays.updated_at < {}", "updated_before"),
)


def scalar_filters(
    filters: ReplayFilter, placeholder: Callable[[str], str]
) -> tuple[list[str], dict[str, Any]]:
    """The clauses and parameters of the filters that compare a column with a value, in the
    backend's placeholder style (``placeholder("since")`` -> ``:since`` or ``%(since)s``)."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for field, clause, name in _SCALAR_FILTERS:
        value = getattr(filters, field)
        if value is not None:
            clauses.append(clause.format(placeholder(name)))
            params[name] = value
    return clauses, params
