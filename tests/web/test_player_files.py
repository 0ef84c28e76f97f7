"""The player's files in real Chromium: Save downloads the replay file, which ``vibecast import``
reads back on another machine (a fresh data dir); images an event attaches show in the
now-showing panel, for the owner and through a share link, and what the server will not serve
(an SVG, HTML posing as a PNG) stays a line of text."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from web_helpers import Screenshot, WebServer, open_player

from image_session import sha, write_image_session
from served import run_vibecast
from vibecast.replayfile import read_replay_file

SESSION = "fe5e1c67"


def test_save_downloads_a_file_that_imports_elsewhere(
    web_server: WebServer, page: Any, tmp_path: Path
) -> None:
    replay = web_server.replay(SESSION)
    open_player(page, f"{web_server.url}/replays/{replay.id}")
    with page.expect_download(timeout=60_000) as info:
        page.locator("button.save").click()
    download = info.value
    assert download.suggested_filename.endswith(f"-{replay.id[:8]}.vibecast")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    _, saved = read_replay_file(path)
    assert saved.id == replay.id

    # Another machine: an empty data dir, the real CLI.
    home = tmp_path / "elsewhere"
    env = {**os.environ, "VIBECAST_HOME": str(home / "vibecast"), "HOME": str(home)}
    env.pop("VIBECAST_DATABASE_URL", None)
    done = run_vibecast(env, "import", "--json", str(path))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert replay.id in json.dumps(summary)
    listed = run_vibecast(env, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert replay.id in listed.stdout
    assert str(replay.metadata.event_count) in listed.stdout


def _prompt_time(web_server: WebServer, replay_id: str) -> int:
    events = web_server.store.read_events(replay_id)
    return next(e.relative_time_ms for e in events if e.attachments)


def _image_state(page: Any) -> list[dict[str, Any]]:
    page.wait_for_function(
        "() => [...document.querySelectorAll('.now-detail .attachment.image img')]"
        ".every(i => i.complete)"
    )
    return page.evaluate(
        """() => [...document.querySelectorAll('.now-detail .attachment')].map(a => {
             const img = a.querySelector('img');
             return {image: !!img, width: img ? img.naturalWidth : 0,
                     src: img ? img.getAttribute('src') : null, text: a.textContent};
           })"""
    )


def test_images_show_in_the_panel_for_owner_and_share_link(
    web_server: WebServer,
    page: Any,
    console: Any,
    fresh_page: Any,
    screenshot: Screenshot,
    shared_data: Path,
    tmp_path: Path,
) -> None:
    console.allow(r"404")  # the HTML posing as a PNG: the server refuses it, as it must
    session = write_image_session(shared_data, tmp_path)
    (replay,) = web_server.import_files([session.path])
    try:
        at = _prompt_time(web_server, replay.id)
        open_player(page, f"{web_server.url}/replays/{replay.id}?t={at}")
        shown = _image_state(page)
        assert len(shown) == 3, shown
        picture = next(s for s in shown if s["image"])
        assert picture["width"] == 96  # decoded by Chromium: a real image, not a placeholder
        assert picture["src"] == f"/api/replays/{replay.id}/attachments/{sha(session.png)}"
        refused = [s for s in shown if not s["image"]]
        # the SVG is not even asked for; the HTML "PNG" is refused by the server
        assert any("image/svg+xml" in s["text"] and "not shown" in s["text"] for s in refused)
        assert any("(not available)" in s["text"] for s in refused)
        page.locator(".now-detail .attachment.image").scroll_into_view_if_needed()
        screenshot(page, "player-image.png")

        with web_server.shared(replay.id) as token, fresh_page() as viewer:
            open_player(viewer, f"{web_server.url}/s/{token}?t={at}")
            picture = next(s for s in _image_state(viewer) if s["image"])
            assert picture["width"] == 96
            assert picture["src"] == f"/api/s/{token}/attachments/{sha(session.png)}"
    finally:
        web_server.store.delete_replay(replay.id)
