"""The web player in real headless Chromium against the real server: play, pause, seek by click
and by key, speed, step, notes that survive a reload, deep links, the help overlay, the scene
restored exactly after a seek, sharing to a fresh context and revoking, live mode."""

from __future__ import annotations

import json
import time
from typing import Any

import msgspec
from web_helpers import Screenshot, WebServer, frames, open_player, player_state

from vibecast.model import encode_event

SESSION = "fe5e1c67"  # 438 events, 9.5 minutes, subagents, errors


def _near(page: Any, target: float, tolerance: float) -> None:
    page.wait_for_function(
        "([t, tol]) => Math.abs(window.vibecastPlayer.player.position - t) < tol",
        arg=[target, tolerance],
    )


def test_play_pause_and_controls_show(
    web_server: WebServer, page: Any, screenshot: Screenshot
) -> None:
    open_player(page, web_server.player_url(SESSION))
    assert player_state(page)["position"] == 0
    assert page.locator(".replay-title").inner_text().strip()
    page.locator("button.play").click()
    page.wait_for_function("() => window.vibecastPlayer.player.position > 300")
    page.locator("button.play").click()
    paused = player_state(page)
    assert not paused["playing"]
    time.sleep(0.3)
    assert player_state(page)["position"] == paused["position"]
    assert page.locator(".now-head .tool-name").inner_text()
    screenshot(page, "player-playing.png")


def test_seek_by_click_and_by_key(web_server: WebServer, page: Any) -> None:
    open_player(page, web_server.player_url(SESSION))
    duration = player_state(page)["duration"]
    bar = page.locator("canvas.timeline-canvas")
    box = bar.bounding_box()
    assert box
    page.mouse.click(box["x"] + 8 + (box["width"] - 16) / 2, box["y"] + box["height"] / 2)
    _near(page, duration / 2, duration / 100)
    page.keyboard.press("ArrowRight")
    _near(page, duration / 2 + 10000, duration / 100)
    page.keyboard.press("j")
    page.keyboard.press("j")
    _near(page, duration / 2 - 10000, duration / 100)
    page.keyboard.press("2")
    _near(page, duration * 0.2, 1)
    page.keyboard.press("0")
    page.wait_for_function("() => window.vibecastPlayer.player.position === 0")


def test_speed_and_step(web_server: WebServer, page: Any) -> None:
    open_player(page, web_server.player_url(SESSION))
    page.locator("button.speed-4").click()
    assert player_state(page)["speed"] == 4
    page.keyboard.press("+")
    assert player_state(page)["speed"] == 8
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert player_state(page)["speed"] == 2
    page.locator("select.speed").select_option("0.25")
    assert player_state(page)["speed"] == 0.25
    times = sorted(set(page.evaluate("window.vibecastPlayer.player.timeline.times.slice(0, 2000)")))
    page.keyboard.press("0")
    page.keyboard.press(".")
    page.wait_for_function(f"() => window.vibecastPlayer.player.position === {times[1]}")
    page.keyboard.press("Shift+ArrowRight")
    page.wait_for_function(f"() => window.vibecastPlayer.player.position === {times[2]}")
    page.keyboard.press(",")
    page.wait_for_function(f"() => window.vibecastPlayer.player.position === {times[1]}")
    assert not player_state(page)["playing"]  # stepping keeps the paused state


def test_play_at_speed_moves_faster(web_server: WebServer, page: Any) -> None:
    open_player(page, web_server.player_url(SESSION, "?speed=8"))
    page.keyboard.press("Space")
    page.wait_for_function("() => window.vibecastPlayer.player.position > 4000")
    page.keyboard.press("Space")
    frames = page.evaluate("window.vibecastPlayer.frames.count")
    assert frames > 0


def test_note_saved_and_shown_after_reload(
    web_server: WebServer, page: Any, screenshot: Screenshot
) -> None:
    open_player(page, web_server.player_url(SESSION))
    page.locator("button.note").click()
    page.locator(".annotation-form textarea").fill(
        "<script>alert(1)</script> look at the failing Edit"
    )
    bar = page.locator("canvas.timeline-canvas").bounding_box()
    assert bar
    page.mouse.click(bar["x"] + 8 + (bar["width"] - 16) * 0.25, bar["y"] + 40)  # pick the time
    picked = player_state(page)["position"]
    scene = page.locator("canvas.scene-canvas").bounding_box()
    assert scene
    page.mouse.click(scene["x"] + scene["width"] / 2, scene["y"] + scene["height"] / 2)
    page.locator(".annotation-form button.primary").click()
    page.wait_for_function("() => window.vibecastPlayer.composition.annotations.length > 0")
    page.reload()
    page.wait_for_function(
        "() => window.vibecastPlayer && window.vibecastPlayer.composition.annotations.length > 0"
    )
    notes = page.evaluate("window.vibecastPlayer.composition.annotations")
    note = next(n for n in notes if "failing Edit" in n["text"])
    assert abs(note["timestamp_ms"] - picked) <= 1
    assert set(note["position"]) == {"x", "y"}
    # it pops up when the playhead reaches it, as text
    page.evaluate(f"window.vibecastPlayer.player.seek({note['timestamp_ms'] + 500})")
    popup = page.locator(".popup .popup-text", has_text="failing Edit")
    popup.wait_for()
    assert "<script>" in popup.inner_text()
    screenshot(page, "player-note-popup.png")
    # ] and [ jump between notes
    page.keyboard.press("0")
    page.keyboard.press("]")
    page.wait_for_function(
        f"() => window.vibecastPlayer.player.position === {notes[0]['timestamp_ms']}"
    )


def test_bookmark(web_server: WebServer, page: Any) -> None:
    open_player(page, web_server.player_url(SESSION, "?t=2m"))
    page.locator("button.bookmark").click()
    page.wait_for_function(
        "() => window.vibecastPlayer.composition.annotations"
        ".some(a => a.kind === 'bookmark' && a.timestamp_ms === 120000)"
    )


def test_deep_links(web_server: WebServer, page: Any) -> None:
    open_player(page, web_server.player_url(SESSION, "?t=1m30s&speed=2"))
    page.wait_for_function("() => window.vibecastPlayer.player.position === 90000")
    assert player_state(page)["speed"] == 2
    assert "1:30 /" in page.locator(".clock").inner_text()
    open_player(page, web_server.player_url(SESSION, "?t=45000"))
    page.wait_for_function("() => window.vibecastPlayer.player.position === 45000")


def test_help_overlay(web_server: WebServer, page: Any, screenshot: Screenshot) -> None:
    open_player(page, web_server.player_url(SESSION))
    overlay = page.locator(".help-overlay")
    assert overlay.is_hidden()
    page.keyboard.press("?")
    assert overlay.is_visible()
    assert "Previous / next event" in overlay.inner_text()
    screenshot(page, "player-help.png")
    page.keyboard.press("Escape")
    assert overlay.is_hidden()


def test_scene_after_seek_equals_scene_after_playing(web_server: WebServer, page: Any) -> None:
    """Play, pause somewhere; the canvas then must be exactly what a seek to that time draws."""
    open_player(page, web_server.player_url(SESSION, "?t=25s&speed=2"))
    page.keyboard.press("Space")
    page.wait_for_function("() => window.vibecastPlayer.player.position > 31000")
    page.keyboard.press("Space")
    frames(page)
    played = page.evaluate("document.querySelector('canvas.scene-canvas').toDataURL()")
    position = player_state(page)["position"]
    page.evaluate("window.vibecastPlayer.player.seek(300000)")
    frames(page)
    elsewhere = page.evaluate("document.querySelector('canvas.scene-canvas').toDataURL()")
    page.evaluate(f"window.vibecastPlayer.player.seek({position})")
    frames(page)
    sought = page.evaluate("document.querySelector('canvas.scene-canvas').toDataURL()")
    assert elsewhere != played
    assert sought == played


def test_share_opens_in_fresh_context_then_revoke(
    web_server: WebServer, page: Any, fresh_page: Any, screenshot: Screenshot
) -> None:
    open_player(page, web_server.player_url(SESSION))
    page.locator("button.share").click()
    page.locator(".share-dialog button.primary").click()
    url_input = page.locator(".share-dialog .share-url")
    url_input.wait_for()
    share_url = url_input.input_value()
    assert "/s/" in share_url
    assert page.locator(".share-dialog .expiry").inner_text().startswith("Expires")
    with fresh_page() as viewer:
        open_player(viewer, share_url)
        assert viewer.locator("button.note").count() == 0
        assert viewer.locator("button.share").count() == 0
        assert viewer.locator(".replay-title").inner_text().strip()
        viewer.keyboard.press("Space")
        viewer.wait_for_function("() => window.vibecastPlayer.player.position > 200")
        screenshot(viewer, "public-viewer.png")
        page.locator(".share-dialog button.danger").click()
        page.locator(".share-dialog .share-url").wait_for(state="detached")
        viewer.goto(share_url)
        # the server's page (or the player, if the page was cached) says the link is gone
        viewer.wait_for_function("() => /not found/i.test(document.body.innerText)")


def test_live_mode_follows_a_recording(
    web_server: WebServer, page: Any, screenshot: Screenshot
) -> None:
    """A replay with status recording plays as events are saved, then ends when it stops."""
    source = web_server.replay(SESSION)
    events = web_server.store.read_events(source.id)
    session = "live-player-test-session"
    events = [
        msgspec.structs.replace(e, session_id=session) if hasattr(e, "session_id") else e
        for e in events
    ]
    with web_server.api() as client:
        started = client.post(
            "/api/replays/start", json={"session_id": session, "title": "Live test"}
        )
        assert started.status_code in (200, 201), started.text
        replay_json = started.json()
        replay = msgspec.json.decode(json.dumps(replay_json).encode(), type=type(source))
        web_server.store.save_replay(replay, events[:40])
        open_player(page, f"{web_server.url}/replays/{replay.id}")
        page.wait_for_function("() => window.vibecastPlayer.player.live === true")
        assert page.locator(".live-badge").is_visible()
        assert page.locator("button.jump-live").is_visible()
        page.wait_for_function("() => window.vibecastPlayer.player.timeline.length >= 40")
        web_server.store.save_replay(replay, events[:120])
        page.wait_for_function(
            "() => window.vibecastPlayer.player.timeline.length >= 120", timeout=10_000
        )
        page.locator("button.jump-live").click()
        page.wait_for_function(
            "() => window.vibecastPlayer.player.position"
            " >= window.vibecastPlayer.player.duration - 1"
        )
        screenshot(page, "player-live.png")
        stopped = client.post("/api/replays/stop", json={"replay_id": replay.id})
        assert stopped.status_code == 200
        page.wait_for_function("() => window.vibecastPlayer.player.live === false", timeout=10_000)
        ids = page.evaluate("window.vibecastPlayer.player.timeline.events.map(e => e.id)")
        assert len(ids) == len(set(ids))
        assert json.loads(encode_event(events[0]))["id"] in ids
