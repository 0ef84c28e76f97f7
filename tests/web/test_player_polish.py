"""What a viewer reads in the player, in real Chromium against the real server: timeline tooltips
that name a tool once, a marker and a tooltip for every prompt, the first prompt at 0:00 rather
than the session's summary, a Read whose contents were not kept said in a sentence (not its JSON
and digest), the scene's text legible on a phone while desktop and video frames keep the design
sizes, and the not-found page in the app's look."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_helpers import (
    Console,
    Screenshot,
    WebServer,
    export_payload,
    frames,
    open_export,
    open_player,
    timeline_tooltip,
    wait_fully_loaded,
    wait_my_replays,
)

SESSION = "fe5e1c67"  # 438 events, 9.5 minutes: a summary and a slash command's text at 0:00
CHAT_ARRAY = "claude-code/chat-arrays/dotfiles-cc-1.0.59.chat.json"
PROMPTS_ONLY = "129cee5b"  # in CHAT_ARRAY: three prompts over 11 minutes, nothing else
PROMPT_RGB = (0xDB, 0xE6, 0xFF)  # ui/timeline-bar.js PROMPT_COLOR
DESIGN_TEXT = {20.0, 15.0, 13.0, 12.0}  # scene/draw.js: zone name, station and agent, bubble, tool
MIN_TEXT_PX = 10

# Records every text a 2D canvas draws: its font size as set (world units for the scene) and as
# shown on screen (CSS px: times the transform's scale, over the device pixel ratio).
TEXT_PROBE = """
window.__texts = [];
const fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text) {
  const size = /(\\d+(?:\\.\\d+)?)px/.exec(this.font);
  const t = this.getTransform();
  const world = size ? Number(size[1]) : 0;
  const px = (world * Math.hypot(t.a, t.b)) / devicePixelRatio;
  window.__texts.push({ text: String(text), world, px });
  return fillText.apply(this, arguments);
};
"""


def _scene_texts(page: Any) -> list[dict[str, Any]]:
    """The scene's texts drawn so far (the timeline bar draws one-character glyphs only; the
    terminal's ">_" is an icon)."""
    texts = page.evaluate("() => window.__texts")
    return [t for t in texts if len(t["text"]) > 1 and t["text"] != ">_"]


def _tooltip(page: Any, x: float, y: float = 40) -> str:
    """The tooltip at (x, y) of the timeline bar (y 40: the markers' row; 25: the icons')."""
    box = page.locator("canvas.timeline-canvas").bounding_box()
    assert box
    page.mouse.move(box["x"] + x, box["y"] + y)
    return timeline_tooltip(page)


# -- the timeline -------------------------------------------------------------------------------


def test_timeline_tooltips_name_the_tool_once(web_server: WebServer, page: Any) -> None:
    open_player(page, web_server.player_url(SESSION))
    width = page.evaluate("() => window.vibecastPlayer.composition.bar.width")
    tips = {_tooltip(page, x) for x in range(8, width - 8, 3)}
    repeated = [t for t in tips if re.search(r"· ([\w.-]+) · \1\b", t)]
    assert repeated == []
    writes = [t for t in tips if re.match(r"\d+:\d\d · Write /", t)]
    assert writes, sorted(tips)[:20]  # the tool still named, once, before its file
    failed = [t for t in tips if " failed" in t]
    assert failed and not [t for t in failed if "Error · " in t]  # a failure said once too


def test_failed_call_said_once(web_server: WebServer, shared_data: Path, page: Any) -> None:
    """Vibecraft's log holds a call whose result failed without an error text: "Edit failed",
    not "Error · Edit · Edit done"."""
    imported = web_server.import_files([shared_data / "vibecraft/events.jsonl"])
    try:
        failed = next(
            (r, e)
            for r in imported
            for e in web_server.store.read_events(r.id)
            if e.type == "post_tool_use" and e.success is False
        )
        replay, event = failed
        assert event.relative_time_ms == replay.metadata.duration_ms  # at the bar's right end
        open_player(page, f"{web_server.url}/replays/{replay.id}?t={event.relative_time_ms}")
        width = page.evaluate("() => window.vibecastPlayer.composition.bar.width")
        assert _tooltip(page, width - 8) == f"0:00 · {event.tool} failed"
    finally:
        for replay in imported:
            httpx.delete(f"{web_server.url}/api/replays/{replay.id}", timeout=10)


@pytest.fixture(scope="module")
def prompts_only(web_server: WebServer, shared_data: Path) -> Iterator[Any]:
    """The real replay of the QA report: three prompts and long idle gaps, nothing else."""
    imported = web_server.import_files([shared_data / CHAT_ARRAY])
    try:
        yield next(r for r in imported if r.session_id.startswith(PROMPTS_ONLY))
    finally:
        for replay in imported:
            httpx.delete(f"{web_server.url}/api/replays/{replay.id}", timeout=10)


def test_prompts_have_timeline_markers_and_tooltips(
    web_server: WebServer, prompts_only: Any, page: Any, screenshot: Screenshot
) -> None:
    open_player(page, f"{web_server.url}/replays/{prompts_only.id}")
    page.wait_for_function("() => !window.vibecastPlayer.player.clock.stalled")
    wait_fully_loaded(page)
    prompts = page.evaluate(
        """() => { const {player, composition} = window.vibecastPlayer; const bar = composition.bar;
        return player.timeline.events.filter(e => e.type === 'user_prompt_submit').map(e => {
          const x = Math.round(bar.xOf(e.relative_time_ms || 0));
          const badge = Math.floor(x / 20) * 20 + 10;  // the centre of its icon-row slot
          const ctx = bar.canvas.getContext('2d');
          const px = (cx, cy) => Array.from(ctx.getImageData(
            Math.round(cx * bar.dpr), Math.round(cy * bar.dpr), 1, 1).data.slice(0, 3));
          return {t: e.relative_time_ms || 0, x, badgeX: badge, prompt: e.prompt,
                  badge: px(badge - 5, 22), line: px(x - 0.5, 46)};
        }); }"""
    )
    assert len(prompts) == 3
    for prompt in prompts[1:]:  # (the first is at 0:00, under the playhead)
        assert tuple(prompt["badge"]) == PROMPT_RGB, prompt
        assert tuple(prompt["line"]) == PROMPT_RGB, prompt
        minutes, seconds = divmod(prompt["t"] // 1000, 60)
        first_line = prompt["prompt"].split("\n")[0]
        said = f"{minutes}:{seconds:02d} · Prompt: {first_line[:40]}"
        assert _tooltip(page, prompt["x"]).startswith(said)  # on its line
        slot = prompt["badgeX"] - 10  # its badge's slot of the icon row, 20 px wide
        far = slot + 3 if prompt["x"] - slot >= 10 else slot + 17  # on it, over 6 px from the line
        assert _tooltip(page, far, 25).startswith(said)  # on its badge
    page.locator("button.skip-idle").click()
    page.mouse.move(0, 0)
    screenshot(page, "player-timeline-prompts.png")


# -- the now-showing panel ----------------------------------------------------------------------


def test_player_opens_on_the_first_prompt(
    web_server: WebServer, page: Any, screenshot: Screenshot
) -> None:
    open_player(page, web_server.player_url(SESSION))
    detail = page.locator(".now-detail")
    assert detail.locator(".event-meta .type").inner_text() == "Prompt"
    assert detail.locator("pre.prompt").inner_text() == "/orchestrator create TODO app by Next.js"
    assert "Summary" not in detail.inner_text()
    screenshot(page, "player-open.png")
    # once the session moves on, the panel follows it as before
    page.keyboard.press("Shift+ArrowRight")
    page.wait_for_function("() => window.vibecastPlayer.player.position > 0")
    frames(page)
    assert detail.locator(".event-meta .type").inner_text() == "Assistant"
    feed = page.locator(".feed li .text").all_inner_texts()
    assert feed[-1].startswith("Prompt: /orchestrator") and "Empty Repo Setup" in "\n".join(feed)
    # a session that opens with the agent's own words shows them, not a later prompt
    open_player(page, web_server.player_url("b162b1ae"))
    assert detail.locator(".event-meta .type").inner_text() == "Assistant"
    # the rule (state at index i, first prompt p → the event shown), on the module itself
    shown = page.evaluate(
        """async () => { const {shownIndex} = await import('/static/js/ui/panel.js');
        const at = (types, i, p) => shownIndex({events: types.map(type => ({type}))}, i, p);
        return [
          at(['session_start', 'user_prompt_submit'], 0, 1),  // the prompt, up next
          at(['user_prompt_submit', 'system', 'summary'], 2, 0),  // fe5e1c67 at 0:00
          at(['session_start', 'assistant_message', 'user_prompt_submit'], 1, 2),
          at(['user_prompt_submit', 'system', 'user_prompt_submit'], 2, 0),  // a 2nd prompt
          at(['user_prompt_submit', 'summary', 'assistant_message'], 2, 0),
          at(['summary', 'system'], 1, -1),  // no prompt at all
        ]; }"""
    )
    assert shown == [1, 0, 1, 2, 2, 1]


def test_video_frame_at_0_shows_the_first_prompt(web_server: WebServer, page: Any) -> None:
    open_export(page, web_server, export_payload(web_server, SESSION))
    page.evaluate("t => window.vibecastExport.renderAt(t)", 0)
    assert page.locator(".now-detail pre.prompt").inner_text().startswith("/orchestrator")


def test_read_without_stored_contents_is_a_sentence(
    web_server: WebServer, page: Any, screenshot: Screenshot
) -> None:
    open_player(page, web_server.player_url(SESSION))
    wait_fully_loaded(page)
    read = page.evaluate(
        """() => { const tl = window.vibecastPlayer.player.timeline;
        const i = tl.events.findIndex((e, i) => e.type === 'post_tool_use' && e.tool === 'Read'
          && e.toolResponse && e.toolResponse.file && e.toolResponse.file.digest
          && tl.times[i + 1] > tl.times[i] && tl.times[i - 1] < tl.times[i]);
        return {t: tl.times[i], file: tl.events[i].toolResponse.file}; }"""
    )
    page.evaluate("t => window.vibecastPlayer.player.seek(t)", read["t"])
    result = page.locator(".now-detail p.not-stored")
    result.wait_for()
    file = read["file"]
    assert file["numLines"] == file["totalLines"] and file["startLine"] == 1  # all of the file
    kilobytes = math.floor(file["bytes"] / 102.4 + 0.5) / 10
    size = f"{kilobytes:g} KB" if file["bytes"] >= 1024 else f"{file['bytes']} B"
    assert result.inner_text() == (
        f"File contents not stored (redaction policy) · {file['numLines']:,} lines · {size}"
    )
    text = page.locator(".now-detail").inner_text()
    assert "digest" not in text and "hmac-sha256" not in text
    screenshot(page, "read-not-stored.png")


# -- the scene's text ---------------------------------------------------------------------------


@pytest.fixture
def probed(sized_page: Callable[[int, int], Any]) -> Callable[[int, int], Any]:
    """``with probed(width, height) as page``: a sized page whose canvases report their texts."""

    def opened(width: int, height: int) -> Any:
        manager = sized_page(width, height)
        return _Probe(manager)

    return opened


class _Probe:
    def __init__(self, manager: Any) -> None:
        self.manager = manager

    def __enter__(self) -> Any:
        page = self.manager.__enter__()
        page.add_init_script(TEXT_PROBE)
        return page

    def __exit__(self, *exc: Any) -> Any:
        return self.manager.__exit__(*exc)


def _bubbles_outside(page: Any) -> list[Any]:
    """The speech bubbles that would leave the scene canvas, at each event's time and half a
    second later, as [t, x0, x1] (device pixels): frames laid out, none drawn."""
    return page.evaluate(
        """() => { const {player, composition: c} = window.vibecastPlayer; const s = c.scene;
        const out = [];
        for (const t of new Set(player.timeline.times.flatMap(t => [t, t + 500]))) {
          for (const b of s.footprints(s.frameAt(c.model, t, c.camera))) {
            if (String(b[4]).startsWith('bubble:') && (b[0] < 0 || b[2] > s.canvas.width)) {
              out.push([t, Math.round(b[0]), Math.round(b[2])]);
            }
          }
        }
        return out; }"""
    )


def test_phone_scene_text_is_readable(
    web_server: WebServer, probed: Callable[[int, int], Any], screenshot: Screenshot
) -> None:
    with probed(390, 844) as page:
        open_player(page, web_server.player_url(SESSION))
        scale = page.evaluate("() => window.vibecastPlayer.composition.scene.transform.scale")
        assert scale < 0.5  # the whole workshop in ~370 px: design sizes would be 4-7 px
        for t in (0, 240_000, 346_000):  # the prompt's bubble; subagents at work with tools
            page.evaluate("t => window.vibecastPlayer.player.seek(t)", t)
            frames(page)
        assert _bubbles_outside(page) == []  # moved inside when near an edge
        texts = _scene_texts(page)
        assert {"Claude", "Bookshelf", "session"} <= {t["text"] for t in texts}
        small = sorted({(round(t["px"], 1), t["text"]) for t in texts if t["px"] < MIN_TEXT_PX})
        assert small == [], small[:10]
        page.evaluate("t => window.vibecastPlayer.player.seek(t)", 0)
        frames(page)
        screenshot(page, "phone-scene.png")
        screenshot(page.locator(".stage"), "phone-scene-zoom.png")


def test_desktop_and_video_keep_the_design_sizes(
    web_server: WebServer, probed: Callable[[int, int], Any]
) -> None:
    """Where the design sizes are legible (a desktop window; a 720p or 1080p video) nothing
    changes: every text at its size in world units, scaled by the camera alone."""
    with probed(1440, 900) as page:
        open_player(page, web_server.player_url(SESSION, "?t=5m46s"))
        frames(page)
        sizes = {t["world"] for t in _scene_texts(page)}
        assert sizes and sizes <= DESIGN_TEXT, sizes
    with probed(1280, 720) as page:
        open_export(page, web_server, export_payload(web_server, SESSION))
        for t in (0, 31_000, 346_000):
            page.evaluate("t => window.vibecastExport.renderAt(t)", t)
        texts = _scene_texts(page)
        sizes = {t["world"] for t in texts}
        assert sizes and sizes <= DESIGN_TEXT, sizes
        assert min(t["px"] for t in texts) < MIN_TEXT_PX  # at 720p too: the video is unchanged


# -- the not-found page -------------------------------------------------------------------------


def test_not_found_page_in_the_app_look(
    web_server: WebServer, page: Any, console: Console, screenshot: Screenshot
) -> None:
    console.allow(r"status of 404")
    answer = page.goto(f"{web_server.url}/replays/00000000-0000-4000-8000-000000000000")
    assert answer is not None and answer.status == 404
    assert page.locator("h1").inner_text() == "Replay not found"
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)"  # base.css --bg, as every page of the app
    screenshot(page, "not-found.png")
    answer = page.goto(f"{web_server.url}/nonexistent-page")
    assert answer is not None and answer.status == 404
    assert page.locator("h1").inner_text() == "Page not found"  # a page, not raw JSON
    screenshot(page, "404-page.png")
    page.locator("a.home-link").click()
    page.wait_for_url(f"{web_server.url}/")
    wait_my_replays(page)
