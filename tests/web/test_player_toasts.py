"""The player's toasts in real Chromium, on a desktop and a phone: they show where they cover no
control (nor the timeline), in view rather than under a dialog; two quick ones stack without
overlapping, the newest on top; one polite live region announces them; × dismisses one, and one
under the pointer waits for it to leave."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from web_helpers import Screenshot, WebServer, open_player

SESSION = "1af7fc5e"

# The boxes of every control a person could want while a toast shows, and of the toasts.
_BOXES = """() => {
  const box = (n) => { const r = n.getBoundingClientRect();
    return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  const shown = (n) => { const r = n.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(n).visibility !== 'hidden'; };
  const controls = [...document.querySelectorAll(
      'button, select, input, textarea, a[href], [role=button], canvas.timeline-canvas')]
    .filter((n) => !n.closest('.toasts') && shown(n))
    .map((n) => ({what: n.outerHTML.slice(0, 80), ...box(n)}));
  const toasts = [...document.querySelectorAll('.toasts .toast')].map((n) => {
    const b = box(n);
    const top = document.elementFromPoint(b.x + b.w / 2, b.y + b.h / 2);
    return {text: n.querySelector('.toast-text').textContent, inView: n.contains(top), ...b};
  });
  return {controls, toasts};
}"""


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def _clear_of_controls(page: Any, count: int) -> list[dict[str, Any]]:
    boxes = page.evaluate(_BOXES)
    toasts = boxes["toasts"]
    assert len(toasts) == count, toasts
    for toast in toasts:
        assert toast["inView"], toast  # on top, not under a dialog
        covered = [c["what"] for c in boxes["controls"] if _overlap(toast, c)]
        assert not covered, (toast, covered)
    return toasts


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_toasts_cover_no_control_and_stack_neatly(
    sized_page: Any, web_server: WebServer, screenshot: Screenshot, width: int, height: int
) -> None:
    replay_id = web_server.replay(SESSION).id
    with sized_page(width, height) as page:
        open_player(page, f"{web_server.url}/replays/{replay_id}?t=5000")
        page.locator(".controls button.share").click()
        dialog = page.locator(".share-dialog")
        try:
            dialog.get_by_role("button", name=re.compile("^(Create|New) link$")).click()
            dialog.locator(".share-url").wait_for()
            _two_toasts(page, screenshot, width, height)
        finally:  # unshared again, whatever happened
            httpx.delete(f"{web_server.url}/api/replays/{replay_id}/share", timeout=10)


def _two_toasts(page: Any, screenshot: Screenshot, width: int, height: int) -> None:
    """The share dialog's toasts: copying (once as the link is made, when the clipboard lets
    it, then by its button), then revoking."""
    dialog = page.locator(".share-dialog")
    region = page.locator(".toasts")
    dialog.get_by_role("button", name="Copy link").click()
    region.locator(".toast").first.wait_for()  # "Link copied", or how to copy it
    first = region.locator(".toast-text").first.inner_text()
    _clear_of_controls(page, 1)  # the same message twice: one toast
    screenshot(page, f"player-toast-{width}x{height}.png")
    assert region.get_attribute("role") == "status"
    assert region.get_attribute("aria-live") == "polite"
    # a second one at once: both shown, the newest on top, apart
    dialog.get_by_role("button", name="Revoke").click()
    region.locator(".toast", has_text="Link revoked").wait_for()
    newest, older = _clear_of_controls(page, 2)
    assert (newest["text"], older["text"]) == ("Link revoked", first)
    assert not _overlap(newest, older) and newest["y"] < older["y"]
    screenshot(page, f"player-toasts-two-{width}x{height}.png")
    # × dismisses one; the other goes by itself
    region.locator(".toast", has_text="Link revoked").get_by_role("button", name="Dismiss").click()
    assert region.locator(".toast").all_inner_texts() == [f"{first}\n×"]
    page.mouse.move(1, height - 1)  # a toast under the pointer stays until it leaves
    region.locator(".toast").first.wait_for(state="detached", timeout=10_000)
