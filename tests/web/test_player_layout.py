"""The player's layout at the sizes people use: the controls fit one row from 1100 px up, wrap
tidily below, nothing overflows the window, and the embed fits an iframe-sized 640x360.
Screenshots of each for reviewers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SESSION = "fe5e1c67"

# Controls' rows: the distinct tops of the toolbar's visible items (a row is 1 px tolerant).
_ROWS = """() => {
  const bar = document.querySelector('.controls');
  const items = [...bar.querySelectorAll('button, select, input, .status')]
    .filter(n => n.offsetParent !== null && n.getBoundingClientRect().width > 0);
  const tops = [];
  for (const n of items) {
    const c = n.getBoundingClientRect(); const mid = c.top + c.height / 2;
    if (!tops.some(t => Math.abs(t - mid) < 6)) tops.push(mid);
  }
  const box = bar.getBoundingClientRect();
  const overflow = items.filter(n => { const r = n.getBoundingClientRect();
    return r.right > window.innerWidth + 0.5 || r.left < -0.5
      || r.bottom > window.innerHeight + 0.5; })
    .map(n => n.className || n.tagName);
  return {rows: tops.length, height: box.height, overflow,
          scrollX: document.documentElement.scrollWidth > window.innerWidth};
}"""


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.vibecastPlayer && window.vibecastPlayer.ready")
    page.wait_for_selector("button.export:not([hidden])", state="attached")
    page.evaluate("() => document.fonts.ready")


@pytest.mark.parametrize(
    ("width", "height", "rows"),
    [(1920, 1080, 1), (1280, 800, 1), (1100, 700, 1), (900, 700, 2)],
)
def test_controls_rows_by_width(
    web_server: Any, chromium: Any, screenshots_dir: Path, width: int, height: int, rows: int
) -> None:
    context = chromium.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        _open(page, f"{web_server.url}/replays/{web_server.replay(SESSION).id}?t=120000")
        page.wait_for_timeout(150)  # the panel for t drawn
        layout = page.evaluate(_ROWS)
        page.screenshot(path=str(screenshots_dir / f"player-{width}x{height}.png"))
        assert layout["rows"] <= rows, layout
        assert not layout["overflow"], layout
        assert not layout["scrollX"], layout
    finally:
        context.close()


def test_embed_fits_an_iframe(web_server: Any, chromium: Any, screenshots_dir: Path) -> None:
    context = chromium.new_context(viewport={"width": 640, "height": 360})
    try:
        page = context.new_page()
        page.goto(f"{web_server.url}/replays/{web_server.replay(SESSION).id}?embed=1&t=120000")
        page.wait_for_function("() => window.vibecastPlayer && window.vibecastPlayer.ready")
        page.wait_for_timeout(150)
        layout = page.evaluate(_ROWS)
        page.screenshot(path=str(screenshots_dir / "player-embed-640x360.png"))
        assert layout["rows"] == 1, layout
        assert not layout["overflow"], layout
        assert not layout["scrollX"], layout
        stage = page.locator(".stage").bounding_box()
        assert stage and stage["height"] >= 180  # the scene keeps most of the frame
    finally:
        context.close()
