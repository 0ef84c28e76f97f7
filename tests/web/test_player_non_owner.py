"""A signed-in teammate on someone else's public replay, in real Chromium against the real server
(server mode, logged in through the web form): bob opens alice's public replay and gets the
player read-only — no Note, Bookmark, Share or Export in the page at all (not merely hidden),
none reachable with Tab, no key that sends a write (the network is watched) — while Save, which
the API serves to whoever may read the replay, downloads the file. Alice's note, shown on her
link, reads as on the share link (pop-up and flag, no Edit or Delete); her bookmark never shows.
Alice, on the same page, still has every control."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from web_helpers import Console, WebServer, log_in, wait_player, watch

SESSION = "1af7fc5e"  # no other server-mode browser test annotates it
NOTE = "alice: the agent finds the failing test here"
BOOKMARK = "alice's own bookmark"
OWNER_ONLY = "button.note, button.bookmark, button.share, button.export"
# Keys an owner-only shortcut could be bound to: none may send anything for bob.
KEYS = ["n", "N", "b", "B", "s", "S", "e", "E", "d", "D", "Delete", "Enter", "Insert"]


@contextmanager
def _player_as(chromium: Any, server: WebServer, user: str, path: str) -> Iterator[Any]:
    """A browser of its own, logged in as ``user`` through the login form, on the player at
    ``path``; its JS errors, CSP violations and dialogs fail the test."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    console = Console()
    try:
        page = watch(context.new_page(), console)
        page.goto(f"{server.url}{path}")
        log_in(page, server, user)  # the player needs a login
        wait_player(page)
        yield page
        assert console.unexpected() == [] and console.dialogs == [], console.failed
    finally:
        context.close()


def _annotations_shown(page: Any, count: int) -> None:
    page.wait_for_function(
        "n => window.vibecastPlayer.composition.annotations.length === n", arg=count
    )


def _focus_order(page: Any) -> list[str]:
    """What Tab visits from the top of the page, once round: each control's class and name."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    seen: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        here = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e === document.body ? '' : `${e.className}|${e.getAttribute('aria-label')}`; }"
        )
        if here in seen:
            break
        seen.append(here)
    return seen


def test_a_teammate_gets_the_public_replay_read_only(
    team_server: WebServer, chromium: Any, screenshots_dir: Any
) -> None:
    replay = team_server.replay(SESSION)
    base = f"/api/replays/{replay.id}"
    with team_server.api("alice") as alice:
        made = [
            alice.post(f"{base}/annotations", json={"timestamp_ms": 30_000, "text": NOTE}),
            alice.post(f"{base}/bookmarks", json={"timestamp_ms": 31_000, "text": BOOKMARK}),
        ]
        assert [r.status_code for r in made] == [201, 201]
        shared = alice.post(f"{base}/share", json={"is_public": True, "share_notes": True})
        assert shared.status_code == 200
        export_offered = "export" in alice.get("/api/health").json()["features"]
    player = f"/replays/{replay.id}?t=31s"
    try:
        with _player_as(chromium, team_server, "bob", player) as bob:
            _annotations_shown(bob, 1)  # her note; her bookmark is hers alone
            bob.locator(".popup-text", has_text=NOTE).wait_for()
            assert bob.locator(OWNER_ONLY).count() == 0
            assert bob.get_attribute("body", "data-read-only") == "true"
            dialogs = ".popup-actions, .annotation-form, .share-dialog, .export-dialog"
            assert bob.locator(dialogs).count() == 0  # not built: nothing to reach
            assert BOOKMARK not in bob.inner_text("body")
            bob.screenshot(path=str(screenshots_dir / "player-non-owner.png"))

            writes: list[str] = []
            bob.on(
                "request",
                lambda r: writes.append(f"{r.method} {r.url}") if r.method != "GET" else None,
            )
            order = _focus_order(bob)
            assert any("save" in item for item in order), order
            owner_only = ("note", "bookmark", "share", "export")
            assert [i for i in order if any(w in i.split("|")[0] for w in owner_only)] == []
            bob.evaluate("() => document.activeElement && document.activeElement.blur()")
            for key in KEYS:
                bob.keyboard.press(key)
            # her flag opens her note to read: keys there change nothing either
            box = bob.locator("canvas.timeline-canvas").bounding_box()
            assert box
            x = bob.evaluate("t => window.vibecastPlayer.composition.bar.xOf(t)", 30_000)
            bob.mouse.click(box["x"] + x, box["y"] + 7)
            card = bob.locator(".note-card")
            card.wait_for()
            assert NOTE in card.inner_text()
            assert card.locator("button.note-edit, button.note-delete").count() == 0
            card.locator("button.note-time").focus()
            for key in ["e", "Delete", "Enter", "Control+Enter"]:
                bob.keyboard.press(key)
            bob.wait_for_timeout(300)  # anything a key sent would be on its way by now
            assert writes == []
            assert bob.locator(".help-overlay:not([hidden])").count() == 0

            # Save: the API serves the file to whoever may read the replay
            with bob.expect_download() as download:
                bob.locator("button.save").click()
            assert download.value.suggested_filename.endswith(".vibecast")
            assert writes == []

        with _player_as(chromium, team_server, "alice", player) as owner:
            assert owner.get_attribute("body", "data-read-only") is None
            _annotations_shown(owner, 2)
            owner.locator(".popup-actions").first.wait_for()
            for name in ("note", "bookmark", "save", "share"):
                assert owner.locator(f"button.{name}").is_visible(), name
            assert owner.locator("button.export").count() == 1
            assert owner.locator("button.export").is_visible() is export_offered
            order = _focus_order(owner)
            for name in ("note", "bookmark", "share"):
                assert any(name in item.split("|")[0] for item in order), (name, order)
    finally:
        with team_server.api("alice") as alice:
            alice.delete(f"{base}/share")
            for answer in made:
                alice.delete(f"{base}/annotations/{answer.json()['id']}")


def test_the_page_shell_tells_who_may_change_the_replay(team_server: WebServer) -> None:
    """The server decides, once, from who is signed in: alice's page is hers, bob's copy of
    her public replay is read-only, and her private replay is not his to open at all."""
    replay = team_server.replay(SESSION)
    page = f"/replays/{replay.id}"
    with team_server.api("alice") as alice, team_server.api("bob") as bob:
        assert 'data-read-only="true"' not in alice.get(page).text
        assert bob.get(page).status_code == 404  # private
        with team_server.shared(replay.id, "alice"):
            answer = bob.get(page)
            assert answer.status_code == 200
            assert 'data-mode="owner"' in answer.text and 'data-read-only="true"' in answer.text
            assert 'data-read-only="true"' in alice.get(f"{page}?embed=1").text
