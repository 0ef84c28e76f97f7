"""The workshop's zone label in real Chromium: the player names the replay's session as the video
export and the thumbnails do ("session 1af7fc5e"), not the bare "session" of the empty workshop
it draws before the first events land."""

from __future__ import annotations

from typing import Any

from web_helpers import WebServer, export_payload, frames, open_export, open_player

SESSION = "1af7fc5e"

# Every zone label the scene writes, in order (the label is drawn on a cached layer, so the canvas
# pixels alone cannot say which text it holds).
_RECORD_LABELS = """
window.__zoneLabels = [];
const fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
  if (/^(Zone \\d+ · )?session\\b/.test(String(text))) window.__zoneLabels.push(String(text));
  return fillText.call(this, text, ...rest);
};
"""


def _last_label(page: Any) -> str:
    labels = page.evaluate("() => window.__zoneLabels")
    assert labels, "no zone label was drawn"
    return labels[-1]


def _player_label(page: Any, server: WebServer) -> str:
    page.add_init_script(_RECORD_LABELS)
    open_player(page, server.player_url(SESSION, "?t=5000"))
    page.wait_for_function("() => window.vibecastPlayer.player.timeline.events.length > 0")
    frames(page, 2)  # the replay's events are drawn, not only loaded
    return _last_label(page)


def _export_label(page: Any, server: WebServer) -> str:
    page.add_init_script(_RECORD_LABELS)
    open_export(page, server, export_payload(server, SESSION))
    page.evaluate("t => window.vibecastExport.renderAt(t)", 5000)
    return _last_label(page)


def test_player_and_video_name_the_zone_alike(
    page: Any, browser_context: Any, web_server: WebServer
) -> None:
    player = _player_label(page, web_server)
    export = _export_label(browser_context.new_page(), web_server)
    assert export == f"session {SESSION}"
    assert player == export
