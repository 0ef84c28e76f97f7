"""Sharing end to end in real Chromium, in server mode: alice logs in through the web form,
shares a replay from the replay browser, an anonymous fresh browser context opens the link and
gets the player read-only with nothing of alice's (no annotations, no other replays, no user id
or name), then alice revokes the link from the page and the link stops working."""

from __future__ import annotations

from pathlib import Path

import httpx
from web_helpers import Console, WebServer, log_in, watch

PRIVATE_NOTE = "alice's private note, never for the public"


def _login(page, server: WebServer, name: str) -> None:
    page.goto(f"{server.url}/")
    assert "/login?next=/" in page.url  # the browser page needs a login
    log_in(page, server, name)
    page.wait_for_selector("body[data-loaded=true]")


def test_share_open_anonymously_then_revoke(
    page, chromium, team_server: WebServer, screenshots_dir: Path
) -> None:
    alice, token = team_server.users["alice"]
    replay = team_server.replay("fe5e1c67")
    auth = {"Authorization": f"Bearer {token}"}
    note = httpx.post(
        f"{team_server.url}/api/replays/{replay.id}/annotations",
        json={"timestamp_ms": 1000, "text": PRIVATE_NOTE},
        headers=auth,
        timeout=10,
    )
    assert note.status_code == 201
    _login(page, team_server, "alice")
    assert "alice" in page.inner_text(".vb-account")
    card = page.locator(f'.vb-card[data-replay-id="{replay.id}"]')
    card.locator(".vb-share-button").click()
    url_field = card.locator(".vb-share-url")
    url_field.wait_for()
    link = url_field.input_value()
    assert link.startswith(f"{team_server.url}/s/")
    assert "until" in card.locator(".vb-share-expiry").inner_text()
    assert card.locator(".vb-shared").is_visible()
    page.screenshot(path=str(screenshots_dir / "browser-share.png"))

    anonymous = chromium.new_context(viewport={"width": 1280, "height": 800})
    console = Console()
    try:
        viewer = watch(anonymous.new_page(), console)
        responses: list = []  # read after the page settled: no API calls inside a handler
        viewer.on("response", lambda response: responses.append(response))
        viewer.goto(link)
        viewer.wait_for_selector("body[data-player-ready=true]")
        assert viewer.get_attribute("body", "data-read-only") == "true"
        assert viewer.get_attribute("body", "data-replay-id") is None
        title = viewer.evaluate("() => window.vibecastPlayer.player.replay.title")
        assert title == replay.title
        viewer.keyboard.press("Space")  # it plays
        viewer.wait_for_function("() => window.vibecastPlayer.player.position > 0")
        viewer.keyboard.press("Space")
        text = viewer.inner_text("body")
        # Nothing of the owner's: no notes, no name, no id, no other replay, no owner calls.
        assert PRIVATE_NOTE not in text
        assert viewer.evaluate("() => window.vibecastPlayer.composition.annotations.length") == 0
        api = [r for r in responses if r.url.startswith(f"{team_server.url}/api/")]
        api_calls = [r.url[len(team_server.url) :] for r in api]
        bodies = "\n".join(r.text() for r in api)
        # (Compared as lists: pytest's diff of a megabyte of text would take minutes.)
        assert [w for w in (alice.id, "alice", PRIVATE_NOTE) if w in text + bodies] == []
        # Events keep the Claude session id they were recorded with; the page does not show it.
        assert [w for w in (replay.session_id,) if w in text] == []
        assert api_calls and all(p.startswith("/api/s/") for p in api_calls), api_calls
        assert viewer.locator("button.note, button.bookmark, button.share").count() == 0
        viewer.screenshot(path=str(screenshots_dir / "public-viewer.png"))

        # Revoke from the browser page: the link is dead at once.
        card.locator(".vb-share-row button:has-text('Revoke')").click()
        card.locator(".vb-share-status:has-text('revoked')").wait_for()
        assert not card.locator(".vb-shared").is_visible()
        console.allow(r"status of 404")
        answer = viewer.goto(link)
        assert answer is not None and answer.status == 404
        assert "not found" in viewer.inner_text("body").lower()
        assert console.unexpected() == [] and console.dialogs == []
    finally:
        anonymous.close()
        httpx.delete(f"{team_server.url}/api/replays/{replay.id}/share", headers=auth, timeout=10)


def test_new_recording_in_server_mode_says_how_to_record_into_this_server(
    page, team_server: WebServer
) -> None:
    """Bob owns nothing yet: the panel tells him how his own machine records into this
    server, under his name."""
    _login(page, team_server, "bob")
    panel = page.locator("#vb-capture")
    panel.wait_for()
    page.wait_for_function(
        "() => !document.querySelector('.vb-capture-facts').textContent.includes('Checking')"
    )
    text = panel.inner_text()
    assert "vibecast hooks install" in text and "vibecast --user bob record" in text
    assert "VIBECAST_DATABASE_URL" in text
