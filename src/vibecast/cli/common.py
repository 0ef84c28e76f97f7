"""What every ``vibecast`` command shares: settings and store, and errors as one line.

Every command is wrapped in :func:`handle_errors`: an error a user can act on
(:class:`~vibecast.errors.VibecastError`, bad values, files that cannot be read) prints as one line
and exits 1 (under ``VIBECAST_DEBUG=1`` after its traceback); anything else is reported as
unexpected, with a traceback instead under ``VIBECAST_DEBUG=1``.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from vibecast.config import Settings, load_settings
from vibecast.errors import VibecastError
from vibecast.humanize import parse_time_ms
from vibecast.store import open_store
from vibecast.store.base import Store
from vibecast.store.records import LOCAL_USER

__all__ = [
    "Column",
    "CommandError",
    "Context",
    "err_console",
    "handle_errors",
    "out_console",
    "pass_context",
    "print_table",
    "time_option",
]

F = TypeVar("F", bound=Callable[..., Any])


def _reader_left() -> None:
    """Output piped into ``head`` (or a pager quit early): not an error. Later writes go
    nowhere, and the command exits 0."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(0)


class _OutConsole(Console):
    """Standard output for tables and the terminal player: rich catches a broken pipe itself
    and exits 1, which scripts (``vibecast list | head -3``) read as a failure."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        _reader_left()


# soft_wrap: an error or warning stays one line when stderr is a file or pipe (no cut at 80).
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
out_console: Console = _OutConsole(highlight=False)


@dataclass(frozen=True)
class Column:
    """A column of :func:`print_table`."""

    header: str
    justify: Literal["left", "right"] = "left"
    flexible: bool = False
    """Cut with … to fit a terminal (one column: a title or a name); the others never shrink."""
    drop: int = 0
    """On a terminal too narrow for every column, those with ``drop`` > 0 go first, lowest first."""


_GAP = "  "
_MIN_FLEXIBLE = 20  # a narrower title says little: drop columns first


def print_table(columns: Sequence[Column], rows: Sequence[Sequence[str | Text]]) -> None:
    """Print rows under a bold header, one line each, never wrapped.

    On a terminal the flexible column is cut with … to fit its width (and columns are dropped
    when even that is not enough), so ids and dates stay whole. Piped, every cell is printed whole:
    a script that greps or cuts the output gets one line per row with nothing missing. Cells are
    text, never markup, and their line breaks become spaces.
    """
    lines = [
        [Text(c.header) for c in columns],
        *([_one_line(cell) for cell in row] for row in rows),
    ]
    widths = [max(line[i].cell_len for line in lines) for i in range(len(columns))]
    shown = list(range(len(columns)))
    if out_console.is_terminal:
        shown = _fit_to(out_console.width, columns, widths)
    for n, line in enumerate(lines):
        text = Text(_GAP).join(_fit(line[i], widths[i], columns[i].justify) for i in shown)
        text.rstrip()
        if n == 0:
            text.stylize("bold")
        out_console.print(text, soft_wrap=True)


def _fit_to(room: int, columns: Sequence[Column], widths: list[int]) -> list[int]:
    """The columns that fit ``room`` cells; narrows the flexible one (in ``widths``) to fit."""
    shown = list(range(len(columns)))
    flexible = next((i for i, c in enumerate(columns) if c.flexible), None)

    def fixed() -> int:
        return sum(widths[i] for i in shown if i != flexible) + len(_GAP) * (len(shown) - 1)

    least = 0 if flexible is None else min(widths[flexible], _MIN_FLEXIBLE)
    for i in sorted((i for i, c in enumerate(columns) if c.drop), key=lambda i: columns[i].drop):
        if fixed() + least <= room:
            break
        shown.remove(i)
    if flexible is not None:
        widths[flexible] = max(least, min(widths[flexible], room - fixed()))
    return shown


_BREAKS = str.maketrans("\n\r\t\v\f", "     ")


def _one_line(cell: str | Text) -> Text:
    """The cell with each line break or tab a space (one for one: its styles keep their place)."""
    text = Text(cell) if isinstance(cell, str) else cell
    return Text(text.plain.translate(_BREAKS), style=text.style, spans=list(text.spans))


def _fit(text: Text, width: int, justify: Literal["left", "right"]) -> Text:
    """``text`` padded to ``width`` cells, or cut to it with … (wide characters kept whole)."""
    text = text.copy()
    if text.cell_len > width:
        text.truncate(max(width - 1, 0))
        text.rstrip()  # a wide character that did not fit left a space
        text.append("…")
    text.align(justify, width)
    return text


class CommandError(click.ClickException):
    """A failure the user can act on: printed as one line, exit status 1."""

    def show(self, file: Any = None) -> None:
        # The message is text, not markup: "[export]", "[REDACTED:…]" or a path with brackets
        # must print as written.
        err_console.print(f"[bold red]error:[/] {escape(self.format_message())}", markup=True)


def time_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    """A ``--from``/``--to`` option's time as users type it (90, 90s, 1:30, 1500ms), in ms."""
    if value is None:
        return None
    try:
        return parse_time_ms(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def handle_errors(func: F) -> F:
    """Turn every failure into one line and a non-zero exit, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # an OSError: caught before the clause below
            _reader_left()
        except (VibecastError, ValueError, OSError) as exc:
            if os.environ.get("VIBECAST_DEBUG"):
                traceback.print_exc()  # where it came from, then the one line as always
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt:
            raise click.Abort() from None
        except Exception as exc:
            if os.environ.get("VIBECAST_DEBUG"):
                raise
            raise CommandError(
                f"unexpected {type(exc).__name__}: {exc} (set VIBECAST_DEBUG=1 for a traceback)"
            ) from exc

    return wrapper  # type: ignore[return-value]


class Context:
    """Settings and a lazily opened store, shared by the commands of one invocation."""

    def __init__(self, user_name: str | None = None) -> None:
        self._settings: Settings | None = None
        self._store: Store | None = None
        self._user_name = user_name
        self._user_id: str | None = None

    @property
    def user_name(self) -> str | None:
        """The user ``--user NAME`` (or ``VIBECAST_USER``) named; None if none was."""
        return self._user_name or None

    @property
    def user_id(self) -> str:
        """Whose replays the command works on: ``--user NAME`` (server mode), else ``local``."""
        if self._user_id is None:
            if not self._user_name:
                self._user_id = LOCAL_USER
            else:
                user = self.store.get_user(self._user_name)
                if user is None:
                    raise CommandError(f"no user {self._user_name!r} (see `vibecast users list`)")
                self._user_id = user.id
        return self._user_id

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings.database_url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


pass_context = click.make_pass_decorator(Context)
