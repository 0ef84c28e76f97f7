"""The workshop's zone label in real Chromium: the player names the replay's session as the video
export and the thumbnails do ("session 1af7fc5e"), not the bare "session" of the empty workshop
it draws before the first events land."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from web_helpers import WebServer

from vibecast.model import encode_event

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
    page.goto(f"{server.url}/replays/{server.replay(SESSION).id}?t=5000")
    page.wait_for_function(
        "() => window.vibecastPlayer && window.vibecastPlayer.ready"
        " && window.vibecastPlayer.player.timeline.events.length > 0"
    )
    # two more frames: the replay's events are drawn, not only loaded
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return _last_label(page)


def _export_label(page: Any, server: WebServer) -> str:
    replay = server.replay(SESSION)
    payload = {
        "replay": json.loads(msgspec.json.encode(replay)),
        "events": [json.loads(encode_event(e)) for e in server.store.read_events(replay.id)],
        "annotations": [],
    }
    page.add_init_script(_RECORD_LABELS)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server.url}/static/export.html")
    page.wait_for_function("() => window.vibecastExport !== undefined")
    page.evaluate("() => window.vibecastExport.ready")
    page.evaluate("d => window.vibecastExport.load(d)", payload)
    page.evaluate("t => window.vibecastExport.renderAt(t)", 5000)
    return _last_label(page)


def test_player_and_video_name_the_zone_alike(
    page: Any, browser_context: Any, web_server: WebServer
) -> None:
    player = _player_label(page, web_server)
    export = _export_label(browser_context.new_page(), web_server)
    assert export == f"session {SESSION}"
    assert player == export
