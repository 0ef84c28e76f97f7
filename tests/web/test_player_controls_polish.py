"""The player's controls and dialogs as a user meets them, in real Chromium: choosing a speed in
the select gives the keys back to the player; the Play button keeps its width as it turns into
Pause; the Share, Export and note dialogs have a close button (and the export's own stop button
says what it does); every dialog sits above the timeline on a phone and a desktop, also after the
window changes size."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from web_helpers import Screenshot, WebServer, frames, open_player, player_state

SESSION = "fe5e1c67"  # 9.5 minutes: the controls wrap to three rows on a phone


def _focused(page: Any) -> str:
    return page.evaluate("() => document.activeElement.tagName.toLowerCase()")


def test_choosing_a_speed_gives_the_keys_back_to_the_player(
    page: Any, web_server: WebServer
) -> None:
    open_player(page, web_server.player_url(SESSION), laid_out=True)
    speed = page.locator("select.speed")
    speed.focus()
    speed.select_option("4")
    assert player_state(page)["speed"] == 4
    assert _focused(page) != "select"
    page.keyboard.press("ArrowUp")  # not the select's any more: the speed stays
    page.keyboard.press("Space")  # plays
    page.wait_for_function("() => window.vibecastPlayer.player.playing")
    assert player_state(page)["speed"] == 4
    page.keyboard.press("Space")
    page.wait_for_function("() => !window.vibecastPlayer.player.playing")
    # Stepping through the closed select with the arrow keys keeps it focused step after step;
    # Enter gives the keys back.
    speed.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => window.vibecastPlayer.player.speed === 8")
    assert _focused(page) == "select"
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => window.vibecastPlayer.player.speed === 16")
    page.keyboard.press("Enter")
    assert _focused(page) != "select"
    page.keyboard.press("k")
    page.wait_for_function("() => window.vibecastPlayer.player.playing")
    # Opened (Alt+↓), the list keeps the arrow keys until Enter picks; then the keys go back.
    speed.focus()
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("ArrowUp")
    assert player_state(page)["speed"] == 16 and _focused(page) == "select"
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.vibecastPlayer.player.speed === 8")
    assert _focused(page) != "select"


_PLAY_ROW = """() => {
  const play = document.querySelector('.controls button.play').getBoundingClientRect();
  const next = document.querySelector('.controls button.forward').getBoundingClientRect();
  const visible = [...document.querySelectorAll('.controls button.play > span')]
    .filter(s => getComputedStyle(s).visibility === 'visible').map(s => s.textContent);
  return {width: play.width, nextLeft: next.left, visible};
}"""


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (1100, 700), (390, 844)])
def test_play_button_keeps_its_width_when_it_turns_into_pause(
    sized_page: Any, web_server: WebServer, width: int, height: int
) -> None:
    with sized_page(width, height) as page:
        open_player(page, web_server.player_url(SESSION), laid_out=True)
        paused = page.evaluate(_PLAY_ROW)
        page.locator("button.play").click()
        page.wait_for_function("() => window.vibecastPlayer.player.playing")
        page.wait_for_function(
            "() => document.querySelector('.controls button.play')"
            ".getAttribute('aria-pressed') === 'true'"
        )
        playing = page.evaluate(_PLAY_ROW)
        page.locator("button.play").click()
        assert playing["width"] == pytest.approx(paused["width"], abs=0.01), (paused, playing)
        assert playing["nextLeft"] == pytest.approx(paused["nextLeft"], abs=0.01)
        assert paused["visible"] == ["▶ Play"] and playing["visible"] == ["❚❚ Pause"]


def _dialog_open(page: Any, button: str, dialog: str) -> Any:
    page.locator(f".controls button.{button}").click()
    box = page.locator(f".{dialog}")
    box.wait_for(state="visible")
    return box


def test_dialogs_close_with_their_own_button(
    page: Any, web_server: WebServer, screenshot: Screenshot
) -> None:
    open_player(page, web_server.player_url(SESSION), laid_out=True)
    for button, dialog in [
        ("share", "share-dialog"),
        ("export", "export-dialog"),
        ("note", "annotation-form"),
    ]:
        box = _dialog_open(page, button, dialog)
        close = box.get_by_role("button", name="Close", exact=True)
        assert close.is_visible() and close.inner_text() == "×"
        head = box.locator("h2").bounding_box()
        cross = close.bounding_box()
        assert head and cross and cross["x"] > head["x"] + head["width"]  # beside the heading
        if dialog == "export-dialog":
            screenshot(box, "player-dialog-close-button.png")
        close.click()
        box.wait_for(state="hidden")


def test_the_export_stop_button_says_it_stops_the_export(page: Any, web_server: WebServer) -> None:
    open_player(page, web_server.player_url(SESSION), laid_out=True)
    box = _dialog_open(page, "export", "export-dialog")
    box.locator("select[aria-label=Resolution]").select_option("720p")
    box.locator("button.primary", has_text="Export").click()
    stop = box.get_by_role("button", name="Stop export", exact=True)
    stop.wait_for(state="visible")
    job_id = box.get_attribute("data-job-id")
    try:
        assert box.get_by_role("button", name="Cancel", exact=True).count() == 0
        stop.click()
        box.locator(".export-status", has_text="Export cancelled").wait_for(timeout=30_000)
        assert stop.is_hidden()
    finally:
        httpx.delete(f"{web_server.url}/api/replays/exports/{job_id}", timeout=10)


_PLACES = """(dialog) => {
  const box = document.querySelector('.' + dialog).getBoundingClientRect();
  const bar = document.querySelector('.timeline-bar').getBoundingClientRect();
  const canvas = document.querySelector('.timeline-canvas').getBoundingClientRect();
  const hit = document.elementFromPoint(canvas.left + canvas.width / 2,
                                        canvas.top + canvas.height / 2);
  return {bottom: box.bottom, top: box.top, timelineTop: bar.top,
          timelineShown: hit === document.querySelector('.timeline-canvas')};
}"""


def _above_the_timeline(page: Any, dialog: str) -> None:
    place = page.evaluate(_PLACES, dialog)
    assert place["bottom"] <= place["timelineTop"], place
    assert place["top"] >= 0, place
    assert place["timelineShown"], place


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1440, 900)])
def test_dialogs_sit_above_the_timeline(
    sized_page: Any, web_server: WebServer, screenshot: Screenshot, width: int, height: int
) -> None:
    with sized_page(width, height) as page:
        open_player(page, web_server.player_url(SESSION, "?t=5m"), laid_out=True)
        for button, dialog in [("share", "share-dialog"), ("export", "export-dialog")]:
            _dialog_open(page, button, dialog)
            _above_the_timeline(page, dialog)
            page.keyboard.press("Escape")
        form = _dialog_open(page, "note", "annotation-form")
        _above_the_timeline(page, "annotation-form")
        screenshot(page, f"player-note-form-{width}x{height}.png")
        # the timeline the form asks to click is there to click: it picks the note's time
        before = form.locator("input.time-input").input_value()
        bar = page.locator("canvas.timeline-canvas").bounding_box()
        assert bar
        page.mouse.click(bar["x"] + 8 + (bar["width"] - 16) * 0.1, bar["y"] + bar["height"] / 2)
        page.wait_for_function(
            "(t) => document.querySelector('.annotation-form input.time-input').value !== t",
            arg=before,
        )
        assert form.is_visible()


def test_dialogs_stay_above_the_timeline_when_the_window_narrows(
    page: Any, web_server: WebServer
) -> None:
    open_player(page, web_server.player_url(SESSION), laid_out=True)
    _dialog_open(page, "note", "annotation-form")
    _above_the_timeline(page, "annotation-form")
    one_row = page.evaluate("() => document.querySelector('.controls').offsetHeight")
    page.set_viewport_size({"width": 390, "height": 844})  # the controls wrap to three rows
    page.wait_for_function(
        "(h) => document.querySelector('.controls').offsetHeight > h + 40", arg=one_row
    )
    frames(page, 2)
    _above_the_timeline(page, "annotation-form")
