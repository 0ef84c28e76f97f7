"""Notes and bookmarks in the player, in real Chromium against the real server: their author edits
and deletes them in the page (the deletion asked inside the page, never a browser dialog: the
``page`` fixture fails on one) and the change survives a reload; a bookmark gets a label as it is
made, and its tooltip says just "Bookmark" without one; people who did not write a note, and
read-only viewers (share link, embed), get no edit controls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web_helpers import Screenshot, WebServer, frames, open_player, timeline_tooltip, wait_player

SESSION = "e9f146fa"  # 5.3 minutes, used by no other browser test: its notes are these tests' own


def _annotations(server: WebServer, user: str | None = None) -> list[dict[str, Any]]:
    replay = server.replay(SESSION)
    with server.api(user) as api:
        answer = api.get(f"/api/replays/{replay.id}/annotations")
    assert answer.status_code == 200
    return answer.json()["annotations"]


@pytest.fixture
def clean_notes(web_server: WebServer) -> Iterator[None]:
    """The replay's notes removed before and after: each test sees only its own."""

    def wipe() -> None:
        replay = web_server.replay(SESSION)
        with web_server.api() as api:
            for note in _annotations(web_server):
                api.delete(f"/api/replays/{replay.id}/annotations/{note['id']}")

    wipe()
    yield
    wipe()


def _add(server: WebServer, ms: int, text: str, kind: str = "note", user: str | None = None):
    replay = server.replay(SESSION)
    with server.api(user) as api:
        answer = api.post(
            f"/api/replays/{replay.id}/annotations",
            json={"timestamp_ms": ms, "text": text, "kind": kind},
        )
    assert answer.status_code == 201, answer.text
    return answer.json()


def _wait_notes(page: Any, count: int) -> None:
    page.wait_for_function(
        "n => window.vibecastPlayer.composition.annotations.length === n", arg=count
    )


def _marker_point(page: Any, ms: int) -> tuple[float, float]:
    """Where a note's marker (the triangle over the timeline) is, in page coordinates."""
    box = page.locator("canvas.timeline-canvas").bounding_box()
    assert box
    x = page.evaluate("t => window.vibecastPlayer.composition.bar.xOf(t)", ms)
    return box["x"] + x, box["y"] + 7


def _tooltip_at(page: Any, ms: int) -> str:
    x, y = _marker_point(page, ms)
    page.mouse.move(x, y + 30)
    page.mouse.move(x, y)
    return timeline_tooltip(page)


def test_owner_edits_and_deletes_notes_in_the_page(
    web_server: WebServer, page: Any, clean_notes: None, screenshot: Screenshot
) -> None:
    kept = _add(web_server, 60_000, "the agent starts writing the components")
    duplicate = _add(web_server, 60_200, "the agent starts writing the components")
    open_player(page, web_server.player_url(SESSION, "?t=61s"))
    _wait_notes(page, 2)
    popups = page.locator(".popup.note")
    popups.nth(1).wait_for()
    assert popups.count() == 2
    page.locator(".popup-actions").first.wait_for()  # the author's buttons, once /api/me answered

    # Edit the first: its text, saved, shown at once in the pop-up and on the card
    page.locator(f'.popup[data-id="{kept["id"]}"] .popup-edit').click()
    card = page.locator(".note-card")
    field = card.locator("textarea.note-input")
    assert field.input_value() == kept["text"]
    field.fill("Here the agent starts writing the components: check the test run after this.")
    screenshot(page, "player-note-edit.png")
    card.locator("button.note-save").click()
    card.locator(".note-text", has_text="check the test run").wait_for()
    page.locator(
        f'.popup[data-id="{kept["id"]}"] .popup-text', has_text="check the test"
    ).wait_for()

    # Delete the duplicate: asked in the page, then gone from the scene and the timeline
    page.locator(f'.popup[data-id="{duplicate["id"]}"] .popup-delete').click()
    assert "Delete this note for good?" in card.inner_text()
    screenshot(page, "notes-delete-confirm.png")
    card.locator("button.note-confirm-delete").click()
    _wait_notes(page, 1)
    page.locator(f'.popup[data-id="{duplicate["id"]}"]').wait_for(state="detached")
    assert card.is_hidden()

    # Both changes are the server's now: a reload shows them
    stored = _annotations(web_server)
    assert [(n["id"], n["text"]) for n in stored] == [
        (kept["id"], "Here the agent starts writing the components: check the test run after this.")
    ]
    page.reload()
    wait_player(page)
    _wait_notes(page, 1)
    page.locator(".popup-text", has_text="check the test run after this").wait_for()
    assert page.locator(".popup").count() == 1


def test_note_opened_from_its_timeline_marker(
    web_server: WebServer, page: Any, clean_notes: None
) -> None:
    note = _add(web_server, 200_000, "flaky step")
    open_player(page, web_server.player_url(SESSION))
    _wait_notes(page, 1)
    assert _tooltip_at(page, 200_000) == "3:20 · Note: flaky step"
    page.mouse.click(*_marker_point(page, 200_000))
    card = page.locator(".note-card")
    card.wait_for()
    assert "flaky step" in card.inner_text()
    page.wait_for_function("() => window.vibecastPlayer.player.position === 200000")
    # an empty text is refused (a note is its text; delete it instead), Esc leaves the edit
    card.locator("button.note-edit").click()
    card.locator("textarea.note-input").fill("   ")
    card.locator("button.note-save").click()
    assert "Write something first" in card.locator(".error-text").inner_text()
    page.keyboard.press("Escape")
    card.locator("button.note-edit").wait_for()
    assert _annotations(web_server)[0]["text"] == note["text"]


def test_bookmark_labelled_as_made_then_deleted(
    web_server: WebServer, page: Any, clean_notes: None, screenshot: Screenshot
) -> None:
    open_player(page, web_server.player_url(SESSION, "?t=2m"))
    page.locator("button.bookmark").click()
    card = page.locator(".note-card")
    label = card.locator("input.note-input")
    label.wait_for()
    assert label.evaluate("el => el === document.activeElement")  # type at once
    assert "Bookmarked 2:00" in card.inner_text()
    label.type("Tests pass from here")
    screenshot(page, "bookmark-label.png")
    label.press("Enter")
    card.locator(".note-text", has_text="Tests pass from here").wait_for()
    (saved,) = _annotations(web_server)
    assert (saved["kind"], saved["timestamp_ms"], saved["text"]) == (
        "bookmark",
        120_000,
        "Tests pass from here",
    )
    page.keyboard.press("Escape")
    assert card.is_hidden()
    assert _tooltip_at(page, 120_000) == "2:00 · Bookmark: Tests pass from here"

    # one without a label: closed as it was made, its tooltip says just "Bookmark"
    page.evaluate("window.vibecastPlayer.player.seek(240000)")
    page.locator("button.bookmark").click()
    card.locator("input.note-input").wait_for()
    card.locator("button.note-close").click()
    _wait_notes(page, 2)
    assert _tooltip_at(page, 240_000) == "4:00 · Bookmark"

    # deleted from its marker; a reload shows it gone
    page.mouse.click(*_marker_point(page, 240_000))
    card.locator("button.note-delete").click()
    card.locator("button.note-confirm-delete").click()
    _wait_notes(page, 1)
    page.reload()
    wait_player(page)
    _wait_notes(page, 1)
    assert [a["text"] for a in _annotations(web_server)] == ["Tests pass from here"]
    screenshot(page, "player-bookmarks.png")


def test_note_card_on_a_phone(
    web_server: WebServer, sized_page: Any, clean_notes: None, screenshot: Screenshot
) -> None:
    """At 390 px the card opens above the timeline and the controls (three rows there), inside
    the window, so the markers stay in view and in reach."""
    _add(web_server, 90_000, "a note to read on a phone")
    with sized_page(390, 844) as page:
        open_player(page, web_server.player_url(SESSION, "?t=91s"))
        _wait_notes(page, 1)
        page.locator(".popup-actions .popup-edit").click()
        card = page.locator(".note-card")
        card.locator("textarea.note-input").wait_for()
        box = card.bounding_box()
        bar = page.locator(".timeline-bar").bounding_box()
        assert box and bar
        assert box["y"] + box["height"] <= bar["y"]
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        screenshot(page, "notes-edit-phone.png")


def test_read_only_viewers_get_no_edit_controls(
    web_server: WebServer, page: Any, clean_notes: None
) -> None:
    _add(web_server, 30_000, "owner's note")
    replay = web_server.replay(SESSION)
    # the owner's own player shows the note at that moment, with its controls...
    open_player(page, web_server.player_url(SESSION, "?t=31s"))
    page.locator(".popup-text", has_text="owner's note").wait_for()
    assert page.locator(".popup-actions").count() == 1
    # ...the owner's embed (an iframe's player) is read-only: no notes, no card
    open_player(page, web_server.player_url(SESSION, "?embed=1&t=31s"))
    page.wait_for_timeout(300)
    assert page.locator(".popup, .popup-actions, .note-card").count() == 0
    # nor does the share link's viewer get any
    with web_server.shared(replay.id) as token:
        open_player(page, f"{web_server.url}/s/{token}?t=31s")
        page.wait_for_timeout(300)
        assert page.locator(".popup, .popup-actions, .note-card").count() == 0


def test_only_the_author_may_change_a_note(team_server: WebServer, sized_page: Any) -> None:
    """Server mode: bob opens alice's public replay, whose link shows her notes; he reads her
    note, with no Edit or Delete, and the API refuses him as the page does; alice gets the
    buttons on the same note."""
    replay = team_server.replay(SESSION)
    with team_server.api("alice") as alice:
        note = alice.post(
            f"/api/replays/{replay.id}/annotations", json={"timestamp_ms": 30_000, "text": "mine"}
        ).json()
        alice.post(f"/api/replays/{replay.id}/share", json={"is_public": True, "share_notes": True})
    try:
        with team_server.api("bob") as bob:
            path = f"/api/replays/{replay.id}/annotations/{note['id']}"
            assert bob.patch(path, json={"text": "bob's"}).status_code == 404
            assert bob.delete(path).status_code == 404
        for user, buttons in (("bob", 0), ("alice", 1)):
            login = {"Authorization": f"Bearer {team_server.users[user][1]}"}
            # its JS errors, CSP violations and dialogs fail the test as the ``with`` ends
            with sized_page(1280, 800, extra_http_headers=login) as viewer:
                open_player(viewer, f"{team_server.url}/replays/{replay.id}?t=31s")
                viewer.locator(".popup-text", has_text="mine").wait_for()
                viewer.wait_for_function(
                    "() => performance.getEntriesByName(location.origin + '/api/me').length"
                )
                if buttons:  # hers: Edit and Delete come once /api/me said who is viewing
                    viewer.locator(".popup-actions").wait_for()
                frames(viewer)
                assert viewer.locator(".popup-actions").count() == buttons, user
                if buttons == 0:  # her marker opens the note read-only for him
                    viewer.mouse.click(*_marker_point(viewer, 30_000))
                    card = viewer.locator(".note-card")
                    card.wait_for()
                    assert "mine" in card.inner_text()
                    assert card.locator("button.note-edit, button.note-delete").count() == 0
    finally:
        with team_server.api("alice") as alice:
            alice.delete(f"/api/replays/{replay.id}/annotations/{note['id']}")
            alice.delete(f"/api/replays/{replay.id}/share")
