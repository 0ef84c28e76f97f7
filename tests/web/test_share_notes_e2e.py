""" "Show my notes on the link" in real Chromium against the real server: the owner ticks the box
in the player's Share dialog, a fresh browser context with no cookies opens the link and sees the
note — as a pop-up over the scene and a flag on the timeline, with no edit controls, and not the
owner's bookmark — then the owner unticks it and, after a reload, the note is gone. The link's
expiry reads as the replay browser's card writes dates (one formatter)."""

from __future__ import annotations

from typing import Any

from web_helpers import Screenshot, WebServer, open_my_replays, open_player

SESSION = "5c0375b4"
NOTE = "Here the agent finds the failing test"
BOOKMARK = "owner's own bookmark"


def _shown_notes(page: Any) -> list[str]:
    return page.evaluate("() => window.vibecastPlayer.composition.annotations.map(a => a.text)")


def _tick(page: Any, on: bool) -> None:
    """Click the box and wait for the server's answer (it is saved at once)."""
    box = page.locator(".share-dialog .share-notes input[type=checkbox]")
    with page.expect_response(
        lambda r: r.url.endswith("/share") and r.request.method == "POST"
    ) as answer:
        box.set_checked(on)
    assert answer.value.status == 200 and answer.value.json()["share_notes"] is on
    page.wait_for_function(
        "() => !document.querySelector('.share-dialog .share-notes input').disabled"
    )
    assert box.is_checked() is on


def test_owner_shows_and_hides_notes_on_the_link(
    web_server: WebServer, page: Any, sized_page: Any, screenshot: Screenshot
) -> None:
    replay = web_server.replay(SESSION)
    base = f"/api/replays/{replay.id}"
    # viewer: a stranger's browser (no cookies), its errors and dialogs failing the test
    with web_server.api() as api, sized_page(1280, 800) as viewer:
        made = [
            api.post(f"{base}/annotations", json={"timestamp_ms": 1000, "text": NOTE}).json(),
            api.post(f"{base}/bookmarks", json={"timestamp_ms": 1500, "text": BOOKMARK}).json(),
        ]
        try:
            open_player(page, web_server.player_url(SESSION))
            page.locator("button.share").click()
            assert page.locator(".share-dialog .share-notes").count() == 0  # no link yet
            with page.expect_response(lambda r: r.url.endswith("/share")) as created:
                page.locator(".share-dialog button.primary").click()
            link = created.value.json()
            share_url = page.locator(".share-dialog .share-url").input_value()
            assert share_url == link["share_url"]
            # One date formatter for the link's expiry: the player's dialog reads as the card does.
            card_date = page.evaluate(
                "ms => import('/static/js/browser/format.js').then(m => m.dateTime(new Date(ms)))",
                link["expires_at"],
            )
            assert page.locator(".share-dialog .expiry").inner_text() == f"Expires {card_date}"
            box = page.locator(".share-dialog .share-notes input[type=checkbox]")
            assert not box.is_checked()
            label = page.locator(".share-dialog .share-notes").inner_text()
            assert "Show my notes on the link" in label
            _tick(page, True)
            screenshot(page, "share-notes-dialog.png")

            open_player(viewer, f"{share_url}?t=2s")
            viewer.locator(".popup-text", has_text=NOTE).wait_for()
            assert _shown_notes(viewer) == [NOTE]  # the flag on the timeline: the note, no bookmark
            flags = "() => window.vibecastPlayer.composition.bar.annotations.length"
            assert viewer.evaluate(flags) == 1
            assert BOOKMARK not in viewer.inner_text("body")
            edit_controls = ".popup-actions, .note-card, button.note, button.bookmark"
            assert viewer.locator(edit_controls).count() == 0
            screenshot(viewer, "share-notes-public.png")

            _tick(page, False)
            with viewer.expect_response(lambda r: r.url.endswith("/notes")) as notes:
                viewer.reload()
            assert notes.value.json() == {"notes": []}
            viewer.wait_for_function("() => window.vibecastPlayer && window.vibecastPlayer.ready")
            viewer.evaluate("() => window.vibecastPlayer.player.seek(2000)")
            viewer.wait_for_timeout(300)  # frames drawn at the note's moment
            assert _shown_notes(viewer) == []
            assert viewer.locator(".popup").count() == 0
            assert NOTE not in viewer.inner_text("body")
        finally:
            api.delete(f"{base}/share")
            for annotation in made:
                api.delete(f"{base}/annotations/{annotation['id']}")


def test_the_cards_share_panel_shows_and_hides_notes(web_server: WebServer, page: Any) -> None:
    """The same choice from My Replays: the card's share panel offers the box once a link
    exists, saves each click at once, and the link's notes follow it."""
    replay = web_server.replay("1af7fc5e")
    base = f"/api/replays/{replay.id}"
    with web_server.api() as api:
        note = api.post(f"{base}/annotations", json={"timestamp_ms": 500, "text": NOTE}).json()
        try:
            open_my_replays(page, web_server)
            card = page.locator(f'.vb-card[data-replay-id="{replay.id}"]')
            with page.expect_response(lambda r: r.url.endswith("/share")) as created:
                card.locator(".vb-share-button").click()
            token = created.value.json()["share_token"]
            box = card.locator(".vb-share-notes-box")
            assert not box.is_checked()
            assert api.get(f"/api/s/{token}/notes").json()["notes"] == []
            for on in (True, False):
                with page.expect_response(
                    lambda r: r.url.endswith("/share") and r.request.method == "POST"
                ) as answer:
                    box.set_checked(on)
                assert answer.value.json()["share_notes"] is on
                page.wait_for_function(
                    "sel => !document.querySelector(sel).disabled",
                    arg=f'.vb-card[data-replay-id="{replay.id}"] .vb-share-notes-box',
                )
                assert box.is_checked() is on
                assert api.get(base).json()["replay"]["share_notes"] is on
                shown = [n["text"] for n in api.get(f"/api/s/{token}/notes").json()["notes"]]
                assert shown == ([NOTE] if on else [])
        finally:
            api.post(f"{base}/share", json={"is_public": False})
            api.delete(f"{base}/annotations/{note['id']}")
