// The control row: ◀◀ -10 s, play/pause, +10 s ▶▶, speed (select + 0.5/1/2/4/8 one click),
// skip idle, go to time, mute, save, share, export, note, bookmark, help.
// `readOnly` (a share link, an embed, a replay the reader does not own): no Note, Bookmark, Share
// or Export — they are not built, so neither a click nor the keyboard (Tab, Enter) reaches them.
// `download`: Save, for a signed-in reader (the API serves the file to whoever may read it).

import { el } from "./dom.js";
import { SPEEDS } from "../player/clock.js";
import { SKIP_MS } from "../player/player.js";
import { formatTime, parseTime } from "../player/format.js";

const QUICK = [0.5, 1, 2, 4, 8];
const LIVE_EDGE_MS = 2000;
/** Keys that step a focused, closed <select> from one option to the next. */
const STEP_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "PageUp", "PageDown", "Home", "End"]);

export class Controls {
  constructor(player, { readOnly, download, actions }) {
    this.player = player;
    const btn = (label, title, onclick, cls = "") => el(`button${cls}`, { type: "button", title, "aria-label": title, text: label, onclick });
    // An icon and a word; narrower windows show the icon alone (the title still says it all).
    const iconBtn = (icon, label, title, onclick, cls = "") =>
      el(`button.icon-label${cls}`, { type: "button", title, "aria-label": title, onclick }, el("span.icon", { text: icon, "aria-hidden": "true" }), el("span.label", { text: label }));
    this.back = btn("◀◀ 10s", "Back 10 seconds (←)", () => player.skip(-SKIP_MS), ".back");
    // Both labels are laid out in the same cell, the inactive one invisible (player.css): the
    // button is as wide as the wider of the two, so nothing after it moves when it toggles.
    this.playButton = el(
      "button.play.primary",
      { type: "button", title: "Play / pause (Space)", "aria-label": "Play / pause (Space)", "aria-pressed": "false", onclick: () => player.toggle() },
      el("span.play-label", { text: "▶ Play" }),
      el("span.pause-label", { text: "❚❚ Pause" }),
    );
    this.fwd = btn("10s ▶▶", "Forward 10 seconds (→)", () => player.skip(SKIP_MS), ".forward");
    this.prevEv = btn("|◀", "Previous event (Shift+←)", () => player.stepPrev(), ".step-prev");
    this.nextEv = btn("▶|", "Next event (Shift+→)", () => player.stepNext(), ".step-next");
    this.speed = el("select.speed", { "aria-label": "Speed", title: "Speed (- / +)" }, SPEEDS.map((s) => el("option", { value: String(s), text: `${s}×` })));
    // A speed chosen (with the pointer, or from the open list) gives the keyboard back to the
    // player, as "Go to…" does: a focused select would keep Space, ←/→ and ↑/↓ for itself.
    // Stepping through the closed select with the arrow keys keeps it focused for the next
    // step; Enter or Esc then gives the keys back.
    let stepping = false;
    this.speed.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        this.speed.blur();
        return;
      }
      stepping = STEP_KEYS.has(ev.key) && !ev.altKey;
      if (stepping) setTimeout(() => (stepping = false)); // the change it makes comes first
    });
    this.speed.addEventListener("change", () => {
      player.setSpeed(Number(this.speed.value));
      if (!stepping) this.speed.blur();
    });
    this.quick = el("div.group.speed-quick", {}, QUICK.map((s) => btn(`${s}×`, `Speed ${s}×`, () => player.setSpeed(s), `.speed-${String(s).replace(".", "_")}`)));
    this.idle = btn("Skip idle", "Skip idle time (gaps over 2 s play as 2 s)", () => player.setSkipIdle(!player.skipIdle), ".skip-idle");
    this.goto = el("input.time-input", { type: "text", placeholder: "Go to…", "aria-label": "Go to time", title: "Go to time: 1:30, 90s, 1m30s or ms" });
    this.goto.addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter") return;
      const ms = parseTime(this.goto.value);
      if (ms === null) {
        this.goto.setCustomValidity("Use 1:30, 90s, 1m30s or milliseconds");
        this.goto.reportValidity();
        return;
      }
      this.goto.setCustomValidity("");
      player.seek(ms);
      this.goto.blur();
    });
    this.mute = iconBtn("♪", "Off", "Tool sounds on / off (M)", actions.toggleMute, ".mute");
    this.muteLabel = this.mute.querySelector(".label");
    this.live = btn("● Live", "Jump to the live edge", () => player.jumpToLive(), ".jump-live");
    this.live.hidden = true;
    this.status = el("span.status", { role: "status" });
    const owner = [];
    if (!readOnly) {
      owner.push(iconBtn("✎", "Note", "Add a note here", actions.note, ".note.owner-only"));
      owner.push(iconBtn("★", "Bookmark", "Bookmark this moment", actions.bookmark, ".bookmark.owner-only"));
    }
    if (download) {
      // its word stays at every width (player.css): an arrow alone did not say what it saves
      owner.push(iconBtn("⇩", "Save", "Save the replay as a .vibecast file (download)", actions.save, ".save"));
    }
    if (!readOnly) {
      owner.push(btn("Share", "Share a secret link", actions.share, ".share.owner-only"));
      this.exportButton = btn("Export", "Export a video", actions.export, ".export.owner-only");
      this.exportButton.hidden = true;
      owner.push(this.exportButton);
    }
    this.root = el(
      "div.controls",
      { role: "toolbar", "aria-label": "Player controls" },
      el("div.group", {}, this.back, this.playButton, this.fwd, this.prevEv, this.nextEv),
      el("div.group", {}, this.speed, this.quick, this.idle),
      this.goto,
      this.live,
      this.status,
      el("div.group.end", {}, this.mute, ...owner, btn("?", "Keyboard shortcuts (?)", actions.help, ".help")),
    );
    this.key = "";
  }

  /** Reflect the player's state (cheap when nothing changed). */
  update({ muted, live, status, statusError }) {
    const p = this.player;
    // "Live" is offered only when behind the live edge (at it, the header's LIVE badge says so)
    const behind = live && p.position < p.duration - LIVE_EDGE_MS;
    const key = `${p.playing}|${p.speed}|${p.skipIdle}|${muted}|${behind}|${status}|${statusError}`;
    if (key === this.key) return;
    this.key = key;
    this.playButton.setAttribute("aria-pressed", p.playing ? "true" : "false");
    if (this.speed.value !== String(p.speed)) this.speed.value = String(p.speed);
    for (const b of this.quick.children) b.setAttribute("aria-pressed", b.textContent === `${p.speed}×` ? "true" : "false");
    this.idle.setAttribute("aria-pressed", p.skipIdle ? "true" : "false");
    this.muteLabel.textContent = muted ? "Off" : "On";
    this.mute.setAttribute("aria-pressed", muted ? "false" : "true");
    this.live.hidden = !behind;
    this.status.textContent = status || "";
    this.status.classList.toggle("error", !!statusError);
  }
}

export { formatTime };
