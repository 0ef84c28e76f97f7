"""The replay browser (``/``) in real Chromium: the imported replays newest first with their
thumbnails, search and filters through the API, paging, delete with an in-page confirmation, the
"New recording" panel."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
from web_helpers import Screenshot, WebServer, card_ids, open_my_replays, wait_my_replays


def _wait_cards(page, count: int) -> None:
    page.wait_for_function("n => document.querySelectorAll('.vb-card').length === n", arg=count)


def _titles(page) -> list[str]:
    return page.locator(".vb-card .vb-title a").all_inner_texts()


def test_lists_the_imported_replays_newest_first(
    page, web_server: WebServer, screenshot: Screenshot
) -> None:
    open_my_replays(page, web_server)
    ids = card_ids(page)
    assert set(ids) >= {r.id for r in web_server.replays}
    cards = page.locator(".vb-card")
    dates = [r.metadata.recorded_date for r in web_server.replays]
    shown_dates = [
        d for d in page.eval_on_selector_all(".vb-card time", "ts => ts.map(t => t.dateTime)") if d
    ]
    assert shown_dates == sorted(shown_dates, reverse=True)
    assert len(dates) <= cards.count()
    big = web_server.replay("fe5e1c67")
    card = page.locator(f'.vb-card[data-replay-id="{big.id}"]')
    facts = card.locator(".vb-facts").inner_text()
    assert f"{big.metadata.event_count} events" in facts
    assert f"{len(big.metadata.files_touched)} files" in facts
    minutes, seconds = divmod(big.metadata.duration_ms // 1000, 60)
    assert f"{minutes}:{seconds:02d}" in facts
    assert card.locator(".vb-play").get_attribute("href") == f"/replays/{big.id}"
    assert card.locator(".vb-tool").first.inner_text().startswith("Bash")
    # every finished replay shows its thumbnail, drawn by the server on first request
    page.wait_for_function(
        """() => { const cards = [...document.querySelectorAll('.vb-card')];
          return cards.length && cards.every(c => { const i = c.querySelector('img.vb-thumb');
            return i && i.complete && i.naturalWidth === 640 && i.naturalHeight === 360; }); }""",
        timeout=90_000,
    )
    screenshot(page, "browser-list.png", full_page=True)


def test_search_and_filters(page, web_server: WebServer) -> None:
    open_my_replays(page, web_server)
    everything = set(card_ids(page))
    # Text: what the API finds (in prompts and titles), in its order.
    expected = web_server.listed(q="orchestrator")
    assert expected and set(expected) < everything
    page.fill("input[name=q]", "orchestrator")
    page.click("button[type=submit]")
    page.wait_for_function("() => location.search.includes('q=orchestrator')")
    _wait_cards(page, len(expected))
    assert card_ids(page) == expected
    # The filters live in the URL: a reload shows the same list.
    page.reload()
    wait_my_replays(page)
    assert page.input_value("input[name=q]") == "orchestrator"
    assert card_ids(page) == expected
    # Tool: only replays that used it.
    page.click(".vb-clear")
    _wait_cards(page, len(everything))
    with_websearch = {r.id for r in web_server.replays if "WebSearch" in r.metadata.tool_breakdown}
    assert with_websearch and with_websearch != everything
    page.fill("input[name=tool]", "WebSearch")
    page.click("button[type=submit]")
    page.wait_for_function("() => location.search.includes('tool=WebSearch')")
    _wait_cards(page, len(with_websearch))
    assert set(card_ids(page)) == with_websearch
    # A file that no replay touched: nothing, and the page says so.
    page.fill("input[name=tool]", "")
    page.fill("input[name=file]", "no-such-file-anywhere.xyz")
    page.click("button[type=submit]")
    page.wait_for_selector(".vb-summary:has-text('No replay matches')")
    assert card_ids(page) == []
    # Date range: until a day before the oldest recording finds nothing; a wide range all.
    page.fill("input[name=file]", "")
    page.fill("input[name=since]", "2000-01-01")
    page.fill("input[name=until]", "2000-01-02")
    page.click("button[type=submit]")
    page.wait_for_selector(".vb-summary:has-text('No replay matches')")
    page.fill("input[name=until]", "2999-12-31")
    page.click("button[type=submit]")
    _wait_cards(page, len(everything))


def _transcript(tmp_path: Path, session_id: str, prompt: str) -> Path:
    """A small Claude Code transcript of our own, imported through the real pipeline."""
    lines = [
        {
            "type": "user",
            "sessionId": session_id,
            "uuid": f"{session_id}-u1",
            "timestamp": "2025-10-01T10:00:00.000Z",
            "cwd": "/tmp/project",
            "message": {"role": "user", "content": prompt},
        },
        {
            "type": "assistant",
            "sessionId": session_id,
            "uuid": f"{session_id}-a1",
            "parentUuid": f"{session_id}-u1",
            "timestamp": "2025-10-01T10:00:05.000Z",
            "cwd": "/tmp/project",
            "message": {
                "role": "assistant",
                "id": f"msg-{session_id}",
                "content": [{"type": "text", "text": "Done."}],
            },
        },
    ]
    path = tmp_path / f"{session_id}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_delete_asks_in_the_page_then_deletes(page, web_server: WebServer, tmp_path: Path) -> None:
    session = "d0d0d0d0-1111-4222-8333-444455556666"
    [replay] = web_server.import_files([_transcript(tmp_path, session, "a replay to delete")])
    open_my_replays(page, web_server, "?q=replay+to+delete")
    card = page.locator(f'.vb-card[data-replay-id="{replay.id}"]')
    card.locator(".vb-delete-button").click()
    # Cancel keeps it.
    card.locator(".vb-confirm button:has-text('Cancel')").click()
    assert web_server.store.get_replay(replay.id) is not None
    card.locator(".vb-delete-button").click()
    card.locator(".vb-confirm-delete").click()
    page.wait_for_selector(".vb-summary:has-text('No replay matches')")
    assert web_server.store.get_replay(replay.id) is None


def test_paging(page, web_server: WebServer, tmp_path: Path) -> None:
    sessions = [f"0a9e0000-0000-4000-8000-{n:012d}" for n in range(22)]
    paths = [_transcript(tmp_path, s, f"paging test {n}") for n, s in enumerate(sessions)]
    imported = web_server.import_files(paths)
    try:
        open_my_replays(page, web_server, "?q=paging+test")
        assert page.locator(".vb-card").count() == 20
        assert "1–20 of 22" in page.inner_text(".vb-summary")
        assert page.is_disabled(".vb-prev")
        page.click(".vb-next")
        page.wait_for_selector(".vb-summary:has-text('21–22 of 22')")
        assert page.locator(".vb-card").count() == 2
        assert "offset=20" in page.url
    finally:
        for replay in imported:
            web_server.store.delete_replay(replay.id)


def test_new_recording_panel_says_how_to_start(page, web_server: WebServer) -> None:
    open_my_replays(page, web_server)
    page.click("#vb-new-recording")
    panel = page.locator("#vb-capture")
    panel.locator(".vb-capture-facts li.vb-missing").first.wait_for()
    text = panel.inner_text()
    assert "vibecast hooks install" in text
    assert "Capture hooks are not installed" in text  # the test's HOME has no Claude settings


def test_live_recordings_are_marked(page, web_server: WebServer) -> None:
    session = "11fe0000-0000-4000-8000-000000000001"
    with web_server.api() as http:
        body = {"session_id": session, "title": "a live one"}
        started = http.post("/api/replays/start", json=body)
        assert started.status_code == 201
        replay_id = started.json()["id"]
        try:
            open_my_replays(page, web_server, "?q=a+live+one")
            card = page.locator(f'.vb-card[data-replay-id="{replay_id}"]')
            assert card.locator(".vb-live-badge").inner_text() == "● LIVE"
            assert card.locator(".vb-play").inner_text() == "Watch live"
            # "Live now" lists only what live capture is writing; "Finished" everything else
            page.click(".vb-clear")
            _wait_cards(page, len(web_server.listed()))
            page.select_option("select[name=status]", "recording")
            page.click("button[type=submit]")
            page.wait_for_function("() => location.search.includes('status=recording')")
            _wait_cards(page, 1)
            assert card_ids(page) == [replay_id]
            finished = web_server.listed(status="complete")
            assert finished and replay_id not in finished
            page.select_option("select[name=status]", "complete")
            page.click("button[type=submit]")
            _wait_cards(page, len(finished))
            assert card_ids(page) == finished
            page.reload()  # the filter lives in the URL
            wait_my_replays(page)
            assert page.input_value("select[name=status]") == "complete"
        finally:
            http.delete(f"/api/replays/{replay_id}")


def _export_jobs(web_server: WebServer, replay_id: str) -> int:
    """How many export jobs the server holds for ``replay_id`` (read from its database)."""
    path = web_server.settings.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        query = "SELECT count(*) FROM export_jobs WHERE replay_id = ?"
        return int(db.execute(query, (replay_id,)).fetchone()[0])


def test_export_starts_follows_and_cancels_a_job(
    page, web_server: WebServer, screenshot: Screenshot
) -> None:
    health = httpx.get(f"{web_server.url}/api/health", timeout=10).json()
    assert "export" in health["features"]  # local mode runs exports in the server process
    replay = web_server.replay("1af7fc5e")
    jobs = _export_jobs(web_server, replay.id)
    open_my_replays(page, web_server)
    card = page.locator(f'.vb-card[data-replay-id="{replay.id}"]')
    button = card.locator(".vb-export-button")
    assert button.is_enabled()
    # Opening the panel starts nothing: it offers the choice, as the player's Export dialog.
    button.click()
    panel = card.locator(".vb-export")
    start = panel.get_by_role("button", name="Export", exact=True)
    start.wait_for()
    assert panel.locator("select[aria-label=Format] option").all_inner_texts() == [
        "MP4 (H.264)",
        "WebM (VP9)",
    ]
    assert panel.locator("select[aria-label=Resolution] option").all_inner_texts() == [
        "1080p",
        "720p",
    ]
    assert button.get_attribute("aria-expanded") == "true"
    page.wait_for_timeout(500)
    assert _export_jobs(web_server, replay.id) == jobs
    screenshot(card, "browser-card-export-choice.png")
    start.click()  # 1080p MP4: long enough to be still running when stopped
    stop = panel.get_by_role("button", name="Stop export", exact=True)
    stop.wait_for()
    job_id = panel.get_attribute("data-job-id")
    assert job_id
    assert start.is_disabled()
    assert _export_jobs(web_server, replay.id) == jobs + 1
    screenshot(card, "browser-card-export.png")
    # Closed and reopened while the job runs: the same panel and job, no second one.
    button.click()
    panel.wait_for(state="detached")
    assert button.get_attribute("aria-expanded") == "false"
    button.click()
    assert panel.get_attribute("data-job-id") == job_id
    # The list rebuilt (the same search again): the panel stays open on the new card.
    page.evaluate(
        "id => { document.querySelector(`.vb-card[data-replay-id='${id}']`).old = 1 }", replay.id
    )
    page.click("button[type=submit]")
    page.wait_for_function(
        """id => { const card = document.querySelector(`.vb-card[data-replay-id='${id}']`);
          return card && !card.old && card.querySelector('.vb-export'); }""",
        arg=replay.id,
    )
    assert panel.get_attribute("data-job-id") == job_id
    assert _export_jobs(web_server, replay.id) == jobs + 1
    stop.click()
    panel.locator(
        ".vb-export-status:has-text('cancelled'), .vb-export-status:has-text('ready')"
    ).wait_for(timeout=30_000)
    job = httpx.get(f"{web_server.url}/api/replays/exports/{job_id}", timeout=10).json()
    assert job["status"] in {"cancelled", "complete"}
    assert stop.is_hidden()
    # Once it ended another can start, and runs to the end: the download is offered on this
    # page's own origin, and is the video.
    assert start.is_enabled()
    panel.locator("select[aria-label=Resolution]").select_option("720p")
    start.click()
    panel.locator(".vb-export-status:has-text('ready')").wait_for(timeout=90_000)
    assert panel.get_attribute("data-job-id") != job_id
    assert _export_jobs(web_server, replay.id) == jobs + 2
    href = panel.get_by_role("link", name="Download video").get_attribute("href")
    assert href and href.startswith("/api/replays/exports/")
    video = httpx.get(f"{web_server.url}{href}", timeout=30)
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert start.is_enabled()
    screenshot(card, "browser-card-export-done.png")
