"""The player's layout at the sizes people use: the controls fit one row from 1100 px up, wrap
tidily below, nothing overflows the window, the embed fits an iframe-sized 640x360, and on a
phone (360 px wide and up) the scene, the now-showing panel below it, the timeline and the
controls all fit the width. Screenshots of each for reviewers."""

from __future__ import annotations

from typing import Any

import pytest
from web_helpers import Screenshot, WebServer, controls_layout, frames, open_player

SESSION = "fe5e1c67"


@pytest.mark.parametrize(
    ("width", "height", "rows"),
    [(1920, 1080, 1), (1280, 800, 1), (1100, 700, 1), (900, 700, 2)],
)
def test_controls_rows_by_width(
    web_server: WebServer,
    fresh_page: Any,
    screenshot: Screenshot,
    width: int,
    height: int,
    rows: int,
) -> None:
    with fresh_page(width, height) as page:
        open_player(page, web_server.player_url(SESSION, "?t=120000"), laid_out=True)
        frames(page)  # the panel for t drawn
        layout = controls_layout(page)
        screenshot(page, f"player-{width}x{height}.png")
        assert layout["rows"] <= rows, layout
        assert not layout["overflow"], layout
        assert not layout["scrollX"], layout


def test_embed_fits_an_iframe(
    web_server: WebServer, fresh_page: Any, screenshot: Screenshot
) -> None:
    with fresh_page(640, 360) as page:
        open_player(page, web_server.player_url(SESSION, "?embed=1&t=120000"))
        frames(page)
        layout = controls_layout(page)
        screenshot(page, "player-embed-640x360.png")
        assert layout["rows"] == 1, layout
        assert not layout["overflow"], layout
        assert not layout["scrollX"], layout
        stage = page.locator(".stage").bounding_box()
        assert stage and stage["height"] >= 180  # the scene keeps most of the frame


# What sticks out sideways (any visible element not clipped by a scrolling or
# hidden-overflow ancestor), and the boxes of the parts a viewer needs.
_FIT = """(width) => {
  const box = (sel) => { const n = document.querySelector(sel); if (!n) return null;
    const r = n.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width,
            height: r.height, shown: n.offsetParent !== null || n === document.body}; };
  const clipped = (n) => { for (let a = n.parentElement; a && a !== document.body;
    a = a.parentElement) { if (getComputedStyle(a).overflowX !== 'visible') return true; }
    return false; };
  const out = [...document.querySelectorAll('#app *')]
    .filter(n => n.getClientRects().length && !clipped(n))
    .filter(n => { const r = n.getBoundingClientRect();
      return r.width > 0 && (r.right > width + 0.5 || r.left < -0.5); })
    .map(n => `${n.tagName}.${n.className}`);
  const title = document.querySelector('.replay-title');
  const clock = document.querySelector('.clock');
  return {
    scrollWidth: document.documentElement.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
    innerWidth: window.innerWidth, innerHeight: window.innerHeight, out,
    stage: box('.stage'), panel: box('.now-showing'), clock: box('.clock'),
    title: box('.replay-title'), bar: box('.timeline-canvas'), controls: box('.controls'),
    titleEllipsis: getComputedStyle(title).textOverflow,
    clockCut: clock.scrollWidth > clock.clientWidth + 0.5,
    toolFile: box('.tool-file'),
  };
}"""


def _inside(part: dict[str, Any] | None, width: int, height: int) -> bool:
    return bool(
        part
        and part["shown"]
        and part["width"] > 0
        and part["height"] > 0
        and part["left"] >= -0.5
        and part["right"] <= width + 0.5
        and part["top"] >= -0.5
        and part["bottom"] <= height + 0.5
    )


@pytest.mark.parametrize(("width", "height"), [(390, 844), (360, 740)])
def test_phone_layout(
    web_server: WebServer,
    sized_page: Any,
    screenshot: Screenshot,
    width: int,
    height: int,
) -> None:
    """A share link opened on a phone: no sideways scroll, the header's title cut with an
    ellipsis before the clock, the scene full width, the now-showing panel stacked below it,
    the timeline full width and seeking on a tap, the controls in at most three rows."""
    with sized_page(width, height) as page:
        open_player(page, web_server.player_url(SESSION, "?t=120000"), laid_out=True)
        frames(page)
        layout = page.evaluate(_FIT, width)
        rows = controls_layout(page)
        screenshot(page, f"player-phone-{width}x{height}.png")
        assert layout["out"] == [], layout
        # the page is the phone's width (a mobile browser widens its viewport to fit overflow)
        assert layout["innerWidth"] == width, layout
        assert layout["scrollWidth"] <= width and layout["bodyScrollWidth"] <= width, layout
        assert not rows["overflow"] and not rows["scrollX"], rows
        assert rows["rows"] <= 3, rows
        for part in ("stage", "panel", "clock", "title", "bar", "controls"):
            assert _inside(layout[part], width, height), (part, layout)
        assert not layout["clockCut"], layout
        assert layout["title"]["right"] <= layout["clock"]["left"], layout
        assert layout["titleEllipsis"] == "ellipsis", layout
        stage, panel, bar = layout["stage"], layout["panel"], layout["bar"]
        assert stage["width"] >= width - 1 and stage["height"] >= 200, layout
        assert panel["width"] >= width - 1 and panel["top"] >= stage["bottom"] - 0.5, layout
        assert panel["height"] >= 180, layout
        assert layout["toolFile"] and layout["toolFile"]["right"] <= width + 0.5, layout
        assert bar["width"] >= width - 1, layout
        # a tap on the timeline three quarters along seeks there
        duration = page.evaluate("() => window.vibecastPlayer.player.duration")
        page.touchscreen.tap(bar["left"] + bar["width"] * 0.75, bar["top"] + bar["height"] / 2)
        page.wait_for_function(
            "d => Math.abs(window.vibecastPlayer.player.position - d * 0.75) <= d * 0.03",
            arg=duration,
        )


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_long_title_is_cut(web_server: WebServer, fresh_page: Any, width: int, height: int) -> None:
    """A long title ends in an ellipsis before the clock (it made the page 3,340 px wide: the
    clock and the now-showing panel off-screen)."""
    with fresh_page(width, height) as page:
        open_player(page, web_server.player_url(SESSION, "?t=120000"), laid_out=True)
        page.evaluate(
            "() => window.vibecastPlayer.composition.setTitle('A very long title '.repeat(20))"
        )
        frames(page)
        layout = page.evaluate(_FIT, width)
        assert layout["out"] == [] and layout["scrollWidth"] <= width, layout
        for part in ("clock", "title", "panel", "stage"):
            assert _inside(layout[part], width, height), (part, layout)
        assert layout["title"]["right"] <= layout["clock"]["left"], layout
