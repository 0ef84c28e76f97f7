"""The now-showing panel stays cheap enough for a 60 FPS frame: long texts show a preview with
"Show all", and the feed is updated in place while playing forward — and either way shows
exactly what a panel built from scratch at that moment shows."""

from __future__ import annotations

from pathlib import Path
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


_SHOW = """async ([tool, key]) => {
  const { eventTime } = await import('/static/js/player/timeline.js');
  const { player } = window.vibecastPlayer;
  const events = player.timeline.events;
  const i = events.findIndex((e) => e.tool === tool && e.toolInput
    && typeof e.toolInput[key] === 'string' && e.toolInput[key] !== e.toolInput[key].toUpperCase());
  if (i < 0) return null;
  player.seek(eventTime(events[i]));
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const head = [...document.querySelectorAll('.now-detail .section h4')]
    .find((h) => h.querySelector('.subject'));
  // the head's file line: is its first character drawn left of the second (a leading "/" kept)?
  const file = document.querySelector('.now-head .tool-file');
  const text = file.firstChild;
  let leadFirst = null;
  if (text && text.length > 1) {
    const at = (n) => { const r = document.createRange(); r.setStart(text, n);
      r.setEnd(text, n + 1); return r.getBoundingClientRect().left; };
    leadFirst = at(0) < at(1);
  }
  return { expected: events[i].toolInput[key], file: file.textContent, leadFirst,
           subject: head ? head.querySelector('.subject').innerText : null,
           heading: head ? head.innerText : null };
}"""


def test_paths_shown_in_their_own_case(web_server: Any, page: Any, screenshots_dir: Path) -> None:
    """Headings are styled in capitals, but an Edit's file path and a Bash command's description
    keep their case (paths are case-sensitive): innerText honours text-transform."""
    _open(page, f"{web_server.url}/replays/{web_server.replay(SESSION).id}")
    for tool, key, heading in [("Edit", "file_path", "EDIT"), ("Bash", "description", "$")]:
        shown = page.evaluate(_SHOW, [tool, key])
        assert shown is not None, f"the shared transcript has a {tool} with a {key}"
        page.locator(".now-showing").screenshot(
            path=str(screenshots_dir / f"player-panel-{tool.lower()}-heading.png")
        )
        assert shown["subject"] == shown["expected"], shown
        assert shown["heading"] == f"{heading} {shown['expected']}", shown  # still a heading
        if tool == "Edit":  # the head's file line: the whole path, its leading "/" first
            assert shown["file"] == shown["expected"] and shown["leadFirst"] is True, shown
