"""The now-showing panel stays cheap enough for a 60 FPS frame: long texts show a preview with
"Show all", and the feed is updated in place while playing forward — and either way shows
exactly what a panel built from scratch at that moment shows. A failed tool call's error is the
first thing it shows, in view without scrolling at the common window sizes and on a phone."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from web_helpers import Screenshot, WebServer, open_player, wait_fully_loaded

SESSION = "fe5e1c67"


def _open(page: Any, server: WebServer) -> None:
    """The player of :data:`SESSION` with every event loaded: the panels are built from all."""
    open_player(page, server.player_url(SESSION))
    wait_fully_loaded(page)


def test_feed_updated_in_place_equals_a_fresh_one(web_server: WebServer, page: Any) -> None:
    _open(page, web_server)
    result = page.evaluate(
        """async () => {
          const { NowShowing } = await import('/static/js/ui/panel.js');
          const tl = window.vibecastPlayer.player.timeline;
          const texts = (p) => [...p.feed.children].map((li) => li.textContent);
          const playing = new NowShowing();
          const steps = [];
          // forward one event at a time, then jumps, then backwards: every path
          for (let i = 0; i < 120; i++) steps.push(i);
          steps.push(125, 170, 171, 300, 90, 91, 5, -1, 60);
          const mismatches = [];
          for (const i of steps) {
            playing.update(tl, i);
            const fresh = new NowShowing();
            fresh.update(tl, i);
            if (JSON.stringify(texts(playing)) !== JSON.stringify(texts(fresh))) mismatches.push(i);
          }
          return { mismatches, length: tl.length, shown: texts(playing).length };
        }"""
    )
    assert result["length"] > 300
    assert result["mismatches"] == []
    assert result["shown"] == 40  # at index 60: the 40 events before it


def test_long_text_previewed_then_shown_in_full(web_server: WebServer, page: Any) -> None:
    _open(page, web_server)
    found = page.evaluate(
        """async () => {
          const { NowShowing } = await import('/static/js/ui/panel.js');
          const tl = window.vibecastPlayer.player.timeline;
          const panel = new NowShowing();
          document.body.append(panel.root);
          for (let i = 0; i < tl.length; i++) {
            panel.update(tl, i);
            if (panel.detail.querySelector('.show-all')) {
              panel.root.id = 'panel-under-test';
              const pre = panel.detail.querySelector('.long pre');
              return { index: i, preview: pre.textContent.length };
            }
          }
          return null;
        }"""
    )
    assert found is not None, "the shared transcript has long outputs"
    assert found["preview"] <= 3000
    button = page.locator("#panel-under-test .show-all").first
    label = button.inner_text()
    assert label.startswith("Show all (") and "more" in label
    button.click()
    full = page.evaluate(
        "() => document.querySelector('#panel-under-test .long pre').textContent.length"
    )
    assert full > found["preview"]
    assert page.locator("#panel-under-test .long .show-all").count() < 2


_SHOW = """async ([tool, key]) => {
  const { eventTime } = await import('/static/js/player/timeline.js');
  const { player } = window.vibecastPlayer;
  const events = player.timeline.events;
  const i = events.findIndex((e) => e.tool === tool && e.toolInput
    && typeof e.toolInput[key] === 'string' && e.toolInput[key] !== e.toolInput[key].toUpperCase());
  if (i < 0) return null;
  player.seek(eventTime(events[i]));
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const head = [...document.querySelectorAll('.now-detail .section h4')]
    .find((h) => h.querySelector('.subject'));
  // the head's file line: is its first character drawn left of the second (a leading "/" kept)?
  const file = document.querySelector('.now-head .tool-file');
  const text = file.firstChild;
  let leadFirst = null;
  if (text && text.length > 1) {
    const at = (n) => { const r = document.createRange(); r.setStart(text, n);
      r.setEnd(text, n + 1); return r.getBoundingClientRect().left; };
    leadFirst = at(0) < at(1);
  }
  return { expected: events[i].toolInput[key], file: file.textContent, leadFirst,
           subject: head ? head.querySelector('.subject').innerText : null,
           heading: head ? head.innerText : null };
}"""


def test_paths_shown_in_their_own_case(
    web_server: WebServer, page: Any, screenshot: Screenshot
) -> None:
    """Headings are styled in capitals, but an Edit's file path and a Bash command's description
    keep their case (paths are case-sensitive): innerText honours text-transform."""
    _open(page, web_server)
    for tool, key, heading in [("Edit", "file_path", "EDIT"), ("Bash", "description", "$")]:
        shown = page.evaluate(_SHOW, [tool, key])
        assert shown is not None, f"the shared transcript has a {tool} with a {key}"
        screenshot(page.locator(".now-showing"), f"player-panel-{tool.lower()}-heading.png")
        assert shown["subject"] == shown["expected"], shown
        assert shown["heading"] == f"{heading} {shown['expected']}", shown  # still a heading
        if tool == "Edit":  # the head's file line: the whole path, its leading "/" first
            assert shown["file"] == shown["expected"] and shown["leadFirst"] is True, shown


# ---------------------------------------------------------------- a failed tool call's error

TRANSCRIPTS = "claude-code/transcripts"


def _failures(shared_data: Path, prefix: str) -> list[dict[str, str]]:
    """The failed tool calls of a shared transcript, read from the file itself: the call's id,
    its tool, and the error text as Claude Code gave it (``<tool_use_error>`` tags taken off)."""
    (path,) = (shared_data / TRANSCRIPTS).glob(f"{prefix}*.jsonl")
    tools: dict[str, str] = {}
    failed: list[dict[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        content = (record.get("message") or {}).get("content")
        for block in content if isinstance(content, list) else []:
            if block.get("type") == "tool_use":
                tools[block["id"]] = block["name"]
            elif block.get("type") == "tool_result" and block.get("is_error") is True:
                text = block.get("content")
                if isinstance(text, list):
                    text = "".join(b.get("text", "") for b in text if isinstance(b, dict))
                text = text.strip()
                tagged = re.fullmatch(r"<tool_use_error>(.*)</tool_use_error>", text, flags=re.S)
                text = tagged.group(1).strip() if tagged else text
                tool_use_id = block["tool_use_id"]
                failed.append(
                    {"id": tool_use_id, "tool": tools.get(tool_use_id, ""), "error": text}
                )
    return failed


_AT_FAILURE = """async (id) => {
  const { eventTime } = await import('/static/js/player/timeline.js');
  const { player } = window.vibecastPlayer;
  const events = player.timeline.events;
  const i = events.findIndex((e) => e.toolUseId === id && e.type === 'post_tool_use_failure');
  if (i < 0) return null;
  player.seek(eventTime(events[i]));
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  await document.fonts.ready;
  const rect = (r) => ({ top: r.top, bottom: r.bottom, left: r.left, right: r.right });
  const box = (n) => rect(n.getBoundingClientRect());
  const detail = document.querySelector('.now-detail');
  const d = detail.getBoundingClientRect();
  // what the panel shows of its detail without scrolling: its client area, within the window
  const visible = { top: Math.max(0, d.top + detail.clientTop),
    bottom: Math.min(innerHeight, d.top + detail.clientTop + detail.clientHeight),
    left: Math.max(0, d.left + detail.clientLeft),
    right: Math.min(innerWidth, d.left + detail.clientLeft + detail.clientWidth) };
  const error = detail.querySelector(':scope > .section.error');
  const pre = error && error.querySelector('pre');
  let firstLine = [];
  if (pre && pre.firstChild) {
    const text = pre.firstChild;
    const end = text.data.indexOf('\\n');
    const range = document.createRange();
    range.setStart(text, 0);
    range.setEnd(text, end < 0 ? text.length : end);
    firstLine = [...range.getClientRects()].map(rect);
  }
  return {
    type: detail.querySelector('.event-meta .type').textContent,
    order: [...detail.children].map((c) => c.querySelector(':scope > h4, :scope > summary')
      ?.firstChild.textContent || c.className),
    visible, error: error && box(error), heading: error && box(error.querySelector('h4')),
    headingColor: error && getComputedStyle(error.querySelector('h4')).color,
    firstLine, text: pre && pre.textContent, showAll: !!(error && error.querySelector('.show-all')),
    scrolled: detail.scrollTop !== 0 || scrollY !== 0 || scrollX !== 0,
  };
}"""


def _inside(part: dict[str, float], area: dict[str, float]) -> bool:
    return (
        part["top"] >= area["top"] - 0.5
        and part["bottom"] <= area["bottom"] + 0.5
        and part["left"] >= area["left"] - 0.5
        and part["right"] <= area["right"] + 0.5
    )


def _at_failure(
    web_server: WebServer,
    sized_page: Any,
    prefix: str,
    failure: dict[str, str],
    width: int,
    height: int,
    screenshot: Screenshot,
    name: str,
) -> dict[str, Any]:
    """The player at the failed call, in a window of that size: what the panel shows, checked
    for what every failure must show (the error first under the tool's heading, nothing
    scrolled); its screenshot saved as ``name``."""
    with sized_page(width, height) as page:
        open_player(page, web_server.player_url(prefix))
        page.wait_for_function(
            """(id) => window.vibecastPlayer.player.timeline.events
                .some((e) => e.toolUseId === id && e.type === 'post_tool_use_failure')""",
            arg=failure["id"],
        )
        shown = page.evaluate(_AT_FAILURE, failure["id"])
        screenshot(page, name)
    assert shown is not None, failure
    assert shown["order"][1] == "Error", shown
    assert not shown["scrolled"], shown
    return shown


@pytest.mark.parametrize(("width", "height"), [(1366, 800), (1280, 800), (1920, 1080), (390, 844)])
def test_failed_tool_error_in_view_without_scrolling(
    web_server: WebServer,
    sized_page: Any,
    shared_data: Path,
    screenshot: Screenshot,
    width: int,
    height: int,
) -> None:
    """Replays are watched mostly to see what went wrong: at a failed Write (its long content
    put the error below the fold at 1366x800), the ERROR section comes first under the tool
    heading, wholly inside the panel's visible area with nothing scrolled, and says what
    Claude Code said; the Write's content follows it."""
    failure = next(f for f in _failures(shared_data, SESSION) if f["tool"] == "Write")
    shown = _at_failure(
        web_server,
        sized_page,
        SESSION,
        failure,
        width,
        height,
        screenshot,
        f"player-panel-error-{width}x{height}.png",
    )
    assert shown["type"] == "Tool failed", shown
    assert shown["order"][:3] == ["event-meta", "Error", "Write"], shown
    assert _inside(shown["error"], shown["visible"]), shown
    assert shown["text"] == failure["error"], (shown, failure)  # a short error: all of it
    assert shown["headingColor"] == "rgb(255, 77, 79)", shown  # --error, as its box's border


@pytest.mark.parametrize(("width", "height"), [(1366, 800), (390, 844)])
def test_long_error_previewed_first_line_in_view(
    web_server: WebServer,
    sized_page: Any,
    shared_data: Path,
    screenshot: Screenshot,
    width: int,
    height: int,
) -> None:
    """The longest failure in the shared data (a Bash call whose 10,000-character error is the
    tree it printed after 'No such file or directory'): the panel's preview of it (with Show
    all), its heading and first line in view without scrolling."""
    prefix = "5c0375b4"
    failure = max(_failures(shared_data, prefix), key=lambda f: len(f["error"]))
    assert len(failure["error"]) > 3000, failure["error"][:200]
    shown = _at_failure(
        web_server,
        sized_page,
        prefix,
        failure,
        width,
        height,
        screenshot,
        f"player-panel-long-error-{width}x{height}.png",
    )
    assert _inside(shown["heading"], shown["visible"]), shown
    assert shown["firstLine"] and all(_inside(b, shown["visible"]) for b in shown["firstLine"])
    assert shown["showAll"], shown
    assert len(shown["text"]) <= 3000 and failure["error"].startswith(shown["text"]), shown["text"]
    assert shown["text"].split("\n")[0] == failure["error"].split("\n")[0]
