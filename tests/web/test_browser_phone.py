"""My Replays on a phone (390x844), in real Chromium: the search form folds its filters behind a
"Filters" toggle so the first replay is on the first screen; a filter the URL sets opens it and
is applied; the toggle works from the keyboard and says what it controls; desktop keeps the
whole form."""

from __future__ import annotations

from typing import Any

import httpx
from web_helpers import Screenshot, WebServer, card_ids, open_my_replays

PHONE = (390, 844)


def test_phone_list_starts_on_the_first_screen(
    sized_page: Any, web_server: WebServer, screenshot: Screenshot
) -> None:
    with sized_page(*PHONE) as page:
        open_my_replays(page, web_server)
        # the list, not the form, fills the first screen: the first card starts in its top third
        form = page.locator("form.vb-filters").bounding_box()
        card = page.locator(".vb-card").first.bounding_box()
        assert form and card
        assert card["y"] < PHONE[1] / 3, card
        assert form["height"] < PHONE[1] * 0.12, form
        screenshot(page, "browser-phone-list.png")
        toggle = page.get_by_role("button", name="Filters", exact=True)
        assert toggle.get_attribute("aria-expanded") == "false"
        controlled = toggle.get_attribute("aria-controls")
        assert controlled and page.locator(f"#{controlled}").count() == 1
        assert page.locator("input[name=tool]").is_hidden()
        # the text search stays, on one row with the toggle
        search, button = page.locator("input[name=q]").bounding_box(), toggle.bounding_box()
        assert search and button
        assert abs(search["y"] + search["height"] / 2 - button["y"] - button["height"] / 2) < 2
        # the keyboard opens and closes it
        toggle.focus()
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true"
        assert page.locator("input[name=tool]").is_visible()
        assert page.get_by_role("button", name="Search", exact=True).is_visible()
        screenshot(page, "browser-phone-filters-open.png")
        page.keyboard.press("Space")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert page.locator("input[name=tool]").is_hidden()
        # folded, Enter in the search box still searches
        page.fill("input[name=q]", "orchestrator")
        page.press("input[name=q]", "Enter")
        page.wait_for_function("() => location.search.includes('q=orchestrator')")


def test_phone_filter_from_the_url_is_shown_and_applied(
    sized_page: Any, web_server: WebServer, screenshot: Screenshot
) -> None:
    expected = web_server.listed(tool="Task")
    everything = httpx.get(f"{web_server.url}/api/replays", timeout=10).json()["total"]
    assert 0 < len(expected) < everything
    with sized_page(*PHONE) as page:
        open_my_replays(page, web_server, "?tool=Task")
        toggle = page.get_by_role("button", name="Filters, 1 active", exact=True)
        assert toggle.get_attribute("aria-expanded") == "true"
        assert page.locator(".vb-filter-count").inner_text() == "· 1"
        tool = page.locator("input[name=tool]")
        assert tool.is_visible() and tool.input_value() == "Task"
        assert card_ids(page) == expected
        screenshot(page, "browser-phone-filtered.png")
        # cleared: the count goes, the list is whole again
        page.get_by_role("button", name="Clear", exact=True).click()
        page.wait_for_function("() => !location.search.includes('tool=')")
        page.get_by_role("button", name="Filters", exact=True).wait_for()
        assert page.locator(".vb-filter-count").inner_text() == ""


def test_desktop_keeps_the_whole_form(page: Any, web_server: WebServer) -> None:
    open_my_replays(page, web_server, "?tool=Task")
    assert page.locator(".vb-filters-toggle").is_hidden()
    for name in ["q", "tool", "file", "since", "until", "status"]:
        assert page.locator(f"[name={name}]").is_visible(), name
    # two rows: the text (two columns wide), tool, file / from, to, status, the buttons
    q, tool, since = (page.locator(f"[name={n}]").bounding_box() for n in ("q", "tool", "since"))
    assert q and tool and since
    assert q["y"] == tool["y"] and since["y"] > q["y"] + q["height"]
    assert q["width"] > 1.8 * tool["width"]
