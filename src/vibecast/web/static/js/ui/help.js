// The keyboard map and the `?` help overlay listing it.

import { el } from "./dom.js";

export const KEYS = [
  ["Space / K", "Play / pause"],
  ["← / J", "Back 10 s"],
  ["→ / L", "Forward 10 s"],
  ["Shift+← / Shift+→", "Previous / next event"],
  [", / .", "Step one event back / forward"],
  ["0 – 9", "Jump to 0 % – 90 %"],
  ["[ / ]", "Previous / next annotation or bookmark"],
  ["- / +", "Slower / faster"],
  ["M", "Mute / unmute tool sounds"],
  ["?", "This help"],
  ["Esc", "Close dialogs"],
];

export class HelpOverlay {
  constructor() {
    const rows = KEYS.map(([key, what]) => el("tr", {}, el("td", {}, el("kbd", { text: key })), el("td", { text: what })));
    this.root = el(
      "div.help-overlay",
      { hidden: true, role: "dialog", "aria-label": "Keyboard shortcuts" },
      el("div.help-box", {}, el("h2", { text: "Keyboard shortcuts" }), el("table", {}, el("tbody", {}, rows)), el("p.hint", { text: "Press ? or Esc to close." })),
    );
    this.root.addEventListener("click", (ev) => {
      if (ev.target === this.root) this.hide();
    });
  }

  get open() {
    return !this.root.hidden;
  }

  toggle() {
    this.root.hidden = !this.root.hidden;
  }

  hide() {
    this.root.hidden = true;
  }
}
