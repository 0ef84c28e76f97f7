"""The terminal player, non-interactive: what a session looks like, and that it is safe to print."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from player_helpers import event
from rich.console import Console

from vibecast.importers import read_source
from vibecast.model import EventType, RecordedEvent
from vibecast.player.render import EventRenderer, escape_text, summarize_response
from vibecast.player.terminal import play_in_terminal
from vibecast.recorder import build_replay

SGR = re.compile(r"\x1b\[[0-9;]*m")


def session() -> list[RecordedEvent]:
    """A short session with one of everything the terminal shows."""
    bash_out = "\x1b[31mFAILED\x1b[0m test_x\n" + "".join(f"line {i}\n" for i in range(20))
    return [
        event(0, "session_start", source="startup", model="claude-sonnet-4"),
        event(100, prompt="Fix the bug [bold]now[/bold] \x07 then \x1bc reset"),
        event(200, "assistant_thinking", thinking="Let me think. " * 80),
        event(300, "assistant_message", text="I'll run the tests."),
        event(
            400,
            "pre_tool_use",
            tool="Bash",
            tool_use_id="t1",
            tool_input={"command": "pytest -q", "description": "Run tests"},
            assistant_text="I'll run the tests.",
        ),
        event(
            900,
            "post_tool_use",
            tool="Bash",
            tool_use_id="t1",
            tool_response={"stdout": bash_out, "stderr": ""},
            success=True,
            duration=500,
        ),
        event(
            1000,
            "pre_tool_use",
            tool="Edit",
            tool_use_id="t2",
            tool_input={
                "file_path": "/src/app.py",
                "old_string": "a = 1\nb = 2",
                "new_string": "a = 1\nb = 3",
            },
        ),
        event(
            1100,
            "post_tool_use_failure",
            tool="Edit",
            tool_use_id="t2",
            error="File has not been read yet.",
            success=False,
        ),
        event(
            1200,
            "pre_tool_use",
            tool="Task",
            tool_use_id="t3",
            tool_input={"description": "Explore the code", "subagent_type": "Explore"},
        ),
        event(1300, "subagent_start", agent_type="Explore", agent_id="a1", parent_tool_use_id="t3"),
        event(
            1400,
            "pre_tool_use",
            tool="Read",
            tool_use_id="t4",
            tool_input={"file_path": "/src/deep.py"},
            agent_id="a1",
            parent_tool_use_id="t3",
        ),
        event(
            1500,
            "post_tool_use",
            tool_use_id="t4",
            tool_response={"type": "text", "file": {"filePath": "/src/deep.py", "numLines": 42}},
            agent_id="a1",
            parent_tool_use_id="t3",
        ),
        event(1600, "subagent_stop", agent_id="a1", parent_tool_use_id="t3"),
        event(1700, "api_error", error="Overloaded"),
        event(1800, "notification", message="Claude needs your permission"),
        event(1900, "stop"),
    ]


def plain_console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=100, color_system=None, force_terminal=False), out


def play_plain(events: object, duration_ms: int, **kwargs: object) -> str:
    console, out = plain_console()
    play_in_terminal(events, title="Demo", duration_ms=duration_ms, console=console, **kwargs)  # type: ignore[arg-type]
    return out.getvalue()


def test_piped_output_shows_the_session_in_order() -> None:
    text = play_plain(session(), 1900, speed=0)
    expected_in_order = [
        "▶ Demo",
        "session started",
        "❯ Fix the bug [bold]now[/bold]",
        "✻ thinking: Let me think.",
        "⏺ I'll run the tests.",
        "● Bash $ pytest -q  # Run tests",
        "⎿ Bash (500ms) FAILED test_x",
        "… (17 more lines)",
        "● Edit /src/app.py",
        "- b = 2",
        "+ b = 3",
        "⎿ ✗ Edit failed: File has not been read yet.",
        "● Task Explore the code (Explore)",
        "│    · subagent started: Explore",
        "│    ● Read /src/deep.py",
        "│    ⎿ Read /src/deep.py (42 lines)",
        "│    · subagent finished",
        "✗ API error: Overloaded",
        "! Claude needs your permission",
        "· turn finished",
        "■ end at 0:01 / 0:01 · 16 events shown",
    ]
    position = 0
    for needle in expected_in_order:
        found = text.find(needle, position)
        assert found >= 0, f"{needle!r} missing (or out of order) in:\n{text}"
        position = found + len(needle)
    assert text.count("I'll run the tests.") == 1  # the tool call does not repeat it
    assert 0 < text.count("Let me think.") < 20  # thinking is cut short


def test_control_characters_are_escaped_and_markup_is_not_interpreted() -> None:
    text = play_plain(session(), 1900, speed=0)
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x07 then \\x1bc reset" in text
    assert "[bold]now[/bold]" in text


def test_colours_come_only_from_the_renderer() -> None:
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=True, color_system="standard")
    play_in_terminal(session(), title="x", duration_ms=1900, speed=0, console=console)
    coloured = out.getvalue()
    failure = next(line for line in coloured.splitlines() if "Edit failed" in line)
    assert "\x1b[1;31m" in failure  # errors in bold red
    assert "\x1b" not in SGR.sub("", coloured)  # nothing but styling reached the terminal


def test_escape_text() -> None:
    assert escape_text("a\x1b[1;31mb\x1b[0m") == "ab"  # styling dropped
    assert escape_text("\x1b]0;title\x07x") == "x"  # a window-title change dropped
    assert escape_text("bell\x07 nul\x00 del\x7f c1\x9b") == "bell\\x07 nul\\x00 del\\x7f c1\\x9b"
    assert escape_text("evil\u202eoverride") == "evil\\u202eoverride"
    assert escape_text("tab\there\r\nwin\rmac") == "tab here\nwin\nmac"


@pytest.mark.parametrize(
    ("response", "summary"),
    [
        ("plain", "plain"),
        ([{"type": "text", "text": "a"}, {"type": "image"}], "a\n[image]"),
        ({"stdout": "out", "stderr": "err", "interrupted": False}, "out\nerr"),
        ({"filenames": [], "numFiles": 0}, "no files"),
        ({"filenames": ["a.py", "b.py"], "numFiles": 2}, "2 files: a.py, b.py"),
        ({"type": "create", "filePath": "/x.md", "content": "# big"}, "create /x.md"),
        ({"newTodos": [{"status": "completed"}, {"status": "pending"}]}, "2 todos, 1 done"),
        ({"retrieval_status": "timeout"}, '{"retrieval_status":"timeout"}'),
    ],
)
def test_summarize_response_shapes(response: object, summary: str) -> None:
    assert summarize_response(response) == summary


def test_a_window_loader_plays_too() -> None:
    events = session()

    def load(from_ms: int, to_ms: int) -> list[RecordedEvent]:
        return [e for e in events if from_ms <= e.relative_time_ms <= to_ms]

    text = play_plain(load, 1900, speed=0, start_ms=1000)
    assert "● Edit /src/app.py" in text and "pytest" not in text
    assert "from 0:01" in text


def test_real_time_non_interactive_play_at_high_speed() -> None:
    """Not instant: the real clock at 16x (about a tenth of a second here)."""
    text = play_plain(session(), 1900, speed=16, interactive=False)
    assert "● Edit /src/app.py" in text and "at 16x" in text


def _real_replays(shared_data: Path) -> list[tuple[str, list[RecordedEvent]]]:
    replays = []
    for path in sorted((shared_data / "claude-code" / "transcripts").glob("*.jsonl")):
        for captured in read_source(path).sessions:
            _, events = build_replay(captured, now_ms=0)
            replays.append((path.name, events))
    return replays


def test_every_real_transcript_renders_every_event(shared_data: Path) -> None:
    replays = _real_replays(shared_data)
    assert replays
    for name, events in replays:
        duration = max((e.relative_time_ms for e in events), default=0)
        text = play_plain(events, duration, speed=0)
        assert f"· {len(events)} events shown" in text, name
        assert "\x1b" not in text and "\x07" not in text, name
        bash_calls = sum(1 for e in events if e.type == "pre_tool_use" and e.tool == "Bash")
        assert text.count("● Bash $ ") == bash_calls, name
        failures = sum(
            1
            for e in events
            if e.type == "post_tool_use_failure"
            or (e.type == "post_tool_use" and e.success is False)
        )
        assert text.count("⎿ ✗ ") == failures, name


def test_renderer_nests_subagents_of_subagents() -> None:
    renderer = EventRenderer()
    outer = event(0, "pre_tool_use", tool="Task", tool_use_id="t1", tool_input={})
    inner = event(1, "pre_tool_use", tool="Task", tool_use_id="t2", parent_tool_use_id="t1")
    deepest = event(2, "assistant_message", text="hi", parent_tool_use_id="t2")
    assert [renderer.depth(e) for e in (outer, inner, deepest) if renderer.render(e)] == [0, 1, 2]


def test_interactive_play_without_a_terminal_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Asking for keys where there is no terminal to read them from is an error, not a hang."""
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    console, _ = plain_console()
    with pytest.raises(ValueError, match="terminal"):
        play_in_terminal(session(), title="x", duration_ms=1900, console=console, interactive=True)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
# Every key a renderer looks at, holding anything at all (scalars often: they break loops).
tool_inputs = (
    st.fixed_dictionaries(
        {
            key: st.integers() | st.booleans() | st.text(max_size=40) | json_values
            for key in ("command", "file_path", "old_string", "new_string", "edits", "todos")
        }
    )
    | json_values
)
TOOL_TYPES = ["pre_tool_use", "post_tool_use", "post_tool_use_failure", "permission_request"]


def render_plain(unusual: RecordedEvent) -> str:
    console, out = plain_console()
    console.print(EventRenderer().render(unusual))
    return out.getvalue()


@pytest.mark.parametrize(
    "tool", ["Bash", "Edit", "MultiEdit", "Write", "TodoWrite", "Task", "Grep", "mcp__x", None]
)
@settings(max_examples=60, deadline=None)
@given(
    type=st.just("pre_tool_use") | st.sampled_from(TOOL_TYPES),
    tool_input=tool_inputs,
    tool_response=json_values,
    success=st.one_of(st.none(), st.booleans()),
)
def test_tool_events_of_any_shape_render(
    tool: str | None, type: str, tool_input: object, tool_response: object, success: bool | None
) -> None:
    unusual = event(
        5,
        type,
        tool=tool,
        tool_input=tool_input,
        tool_response=tool_response,
        success=success,
        tool_use_id="t",
    )
    assert "\x1b" not in render_plain(unusual)


@settings(max_examples=100, deadline=None)
@given(type=st.sampled_from([*EventType, "new"]), text=st.one_of(st.none(), st.text(max_size=60)))
def test_any_event_type_renders(type: str, text: str | None) -> None:
    unusual = event(
        5,
        str(type),
        text=text,
        prompt=text,
        thinking=text,
        error=text,
        message=text,
        agent_type=text,
        raw={"x": text},
        parent_tool_use_id=text,
    )
    assert "\x1b" not in render_plain(unusual)
