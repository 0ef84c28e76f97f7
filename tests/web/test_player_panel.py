"""The now-showing panel stays cheap enough for a 60 FPS frame: long texts show a preview with
"Show all", and the feed is updated in place while playing forward — and either way shows
exactly what a panel built from scratch at that moment shows."""

from __future__ import annotations

from typing import Any

SESSION = "fe5e1c67"


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.vibecastPlayer && window.vibecastPlayer.ready")
    # the whole replay loaded (the background fill after the first window)
    page.wait_for_function("() => window.vibecastPlayer.player.timeline.length >= 400")


def test_feed_updated_in_place_equals_a_fresh_one(web_server: Any, page: Any) -> None:
    _open(page, f"{web_server.url}/replays/{web_server.replay(SESSION).id}")
    result = page.evaluate(
        """async () => {
          const { NowShowing } = await import('/static/js/ui/panel.js');
          const tl = window.vibecastPlayer.player.timeline;
          const texts = (p) => [...p.feed.children].map((li) => li.textContent);
          const playing = new NowShowing();
          const steps = [];
          // forward one event at a time, then jumps, then backwards: every path
          for (let i = 0; i < 120; i++) steps.push(i);
          steps.push(125, 170, 171, 300, 90, 91, 5, -1, 60);
          const mismatches = [];
          for (const i of steps) {
            playing.update(tl, i);
            const fresh = new NowShowing();
            fresh.update(tl, i);
            if (JSON.stringify(texts(playing)) !== JSON.stringify(texts(fresh))) mismatches.push(i);
          }
          return { mismatches, length: tl.length, shown: texts(playing).length };
        }"""
    )
    assert result["length"] > 300
    assert result["mismatches"] == []
    assert result["shown"] == 40  # at index 60: the 40 events before it


def test_long_text_previewed_then_shown_in_full(web_server: Any, page: Any) -> None:
    _open(page, f"{web_server.url}/replays/{web_server.replay(SESSION).id}")
    found = page.evaluate(
        """async () => {
          const { NowShowing } = await import('/static/js/ui/panel.js');
          const tl = window.vibecastPlayer.player.timeline;
          const panel = new NowShowing();
          document.body.append(panel.root);
          for (let i = 0; i < tl.length; i++) {
            panel.update(tl, i);
            if (panel.detail.querySelector('.show-all')) {
              panel.root.id = 'panel-under-test';
              const pre = panel.detail.querySelector('.long pre');
              return { index: i, preview: pre.textContent.length };
            }
          }
          return null;
        }"""
    )
    assert found is not None, "the shared transcript has long outputs"
    assert found["preview"] <= 3000
    button = page.locator("#panel-under-test .show-all").first
    label = button.inner_text()
    assert label.startswith("Show all (") and "more" in label
    button.click()
    full = page.evaluate(
        "() => document.querySelector('#panel-under-test .long pre').textContent.length"
    )
    assert full > found["preview"]
    assert page.locator("#panel-under-test .long .show-all").count() < 2
