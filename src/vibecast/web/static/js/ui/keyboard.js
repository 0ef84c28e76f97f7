// Keyboard shortcuts (see KEYS in help.js). Keys typed into a form field are left alone.
// They play, seek and show, never write: adding a note or bookmark, sharing and exporting are
// the owner's buttons alone (absent on read-only pages), so no key does them for a non-owner.

import { SKIP_MS } from "../player/player.js";

export function bindKeys(target, { player, help, jumpAnnotation, toggleMute, closeDialogs }) {
  target.addEventListener("keydown", (ev) => {
    const field = ev.target && ev.target.closest && ev.target.closest("input, textarea, select, [contenteditable]");
    if (field) {
      if (ev.key === "Escape") field.blur();
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const key = ev.key;
    let handled = true;
    if (key === " " || key === "k" || key === "K") player.toggle();
    else if (key === "ArrowLeft" && ev.shiftKey) player.stepPrev();
    else if (key === "ArrowRight" && ev.shiftKey) player.stepNext();
    else if (key === "ArrowLeft" || key === "j" || key === "J") player.skip(-SKIP_MS);
    else if (key === "ArrowRight" || key === "l" || key === "L") player.skip(SKIP_MS);
    else if (key === ",") player.stepPrev();
    else if (key === ".") player.stepNext();
    else if (/^[0-9]$/.test(key)) player.seek((player.duration * Number(key)) / 10);
    else if (key === "[") jumpAnnotation(-1);
    else if (key === "]") jumpAnnotation(+1);
    else if (key === "-" || key === "_") player.slower();
    else if (key === "+" || key === "=") player.faster();
    else if (key === "m" || key === "M") toggleMute();
    else if (key === "?") help.toggle();
    else if (key === "Escape") {
      help.hide();
      closeDialogs();
    } else handled = false;
    if (handled) ev.preventDefault();
  });
}
