// The player's small dialogs: add a note (time and scene position picked by clicking),
// share (create, copy, expiry, revoke) and export (format, resolution, progress, download).

import { ExportJob } from "../api.js";
import { el, clear } from "./dom.js";
import { formatTime, parseTime } from "../player/format.js";
import { dateTime } from "../browser/format.js";

const GAP_PX = 8;
const placed = new Set(); // every dialog box, placed together
let watching = false;

/**
 * Keep the dialogs above the timeline and the controls, whatever their height: one row on a
 * desktop, three on a phone (where a fixed offset hid the timeline the note form asks to
 * click). Measured on opening, then again whenever the bar or the controls change size (they
 * wrap) or the window does; each dialog scrolls if the space above is too short for it.
 */
function placeDialogs() {
  const below = document.querySelector(".timeline-bar") || document.querySelector(".controls");
  if (!below) return;
  if (!watching) {
    watching = true;
    const observer = new ResizeObserver(placeDialogs);
    for (const node of [below, document.querySelector(".controls"), document.documentElement]) if (node) observer.observe(node);
    window.addEventListener("resize", placeDialogs);
  }
  const viewport = document.documentElement.clientHeight;
  const top = below.getBoundingClientRect().top;
  const bottom = Math.max(GAP_PX, Math.round(viewport - top + GAP_PX));
  for (const box of placed) {
    box.style.bottom = `${bottom}px`;
    box.style.maxHeight = `${Math.max(120, Math.round(top - 2 * GAP_PX))}px`;
  }
}

/**
 * Keep `box`, a fixed dialog, above the timeline and the controls from now on, and place it now:
 * call it as the box opens (the dialogs here do, through `reveal`).
 */
export function placeAboveControls(box) {
  if (!placed.has(box)) {
    placed.add(box);
    box.style.right = "16px";
    box.style.bottom = "120px"; // until measured
    box.style.overflowY = "auto";
  }
  placeDialogs();
}

/** Show or hide a dialog (placed above the controls as it opens). */
function reveal(box, open) {
  box.hidden = !open;
  if (open) placeAboveControls(box);
}

/** A dialog box: its heading and a close button (×) beside it; `onClose` closes it. */
function dialog(title, cls, onClose, heading = title) {
  return el(
    `div.dialog.${cls}`,
    { role: "dialog", "aria-label": title, hidden: true },
    el(
      "div.dialog-head",
      {},
      el("h2", { text: heading }),
      el("button.dialog-close", { type: "button", "aria-label": "Close", title: "Close (Esc)", text: "×", onclick: onClose }),
    ),
  );
}

/** Add a note: text, time (defaults to now; a click on the timeline or scene picks it). */
export class AnnotationForm {
  constructor({ onSave }) {
    this.onSave = onSave;
    this.root = dialog("Add a note", "annotation-form", () => this.close());
    this.text = el("textarea", { "aria-label": "Note text", maxlength: "10000", placeholder: "What happens here?" });
    this.time = el("input.time-input", { "aria-label": "Note time", type: "text" });
    this.where = el("span.hint", { text: "" });
    this.error = el("div.error-text");
    this.position = null;
    this.root.append(
      this.text,
      el("div.row", {}, el("label", { text: "at " }), this.time, this.where),
      el("p.hint", { text: "Click the timeline or the scene to choose the moment (and place)." }),
      this.error,
      el("div.row", {}, el("button.primary", { type: "button", text: "Save note", onclick: () => this.save() }), el("button", { type: "button", text: "Cancel", onclick: () => this.close() })),
    );
  }

  get open() {
    return !this.root.hidden;
  }

  show(t) {
    reveal(this.root, true);
    this.text.value = "";
    this.error.textContent = "";
    this.position = null;
    this.where.textContent = "";
    this.pick(t);
    this.text.focus();
  }

  pick(t, position = null) {
    this.time.value = formatTime(t);
    this.time.dataset.ms = String(Math.round(t));
    if (position) {
      this.position = position;
      this.where.textContent = `scene (${Math.round(position.x)}, ${Math.round(position.y)})`;
    }
  }

  close() {
    this.root.hidden = true;
  }

  async save() {
    const text = this.text.value.trim();
    if (!text) {
      this.error.textContent = "Write something first.";
      return;
    }
    const typed = parseTime(this.time.value);
    const ms = this.time.value === formatTime(Number(this.time.dataset.ms)) ? Number(this.time.dataset.ms) : typed;
    if (ms === null || !Number.isFinite(ms)) {
      this.error.textContent = "Time: use 1:30, 90s or milliseconds.";
      return;
    }
    try {
      await this.onSave({ timestamp_ms: ms, text, position: this.position });
      this.close();
    } catch (err) {
      this.error.textContent = err.message || String(err);
    }
  }
}

/** Share: create the link (copied), show when it expires, show my notes on it, revoke it. */
export class ShareDialog {
  constructor(source, replay, notify) {
    this.source = source;
    this.notify = notify;
    this.root = dialog("Share", "share-dialog", () => this.close(), "Share this replay");
    this.body = el("div");
    this.root.append(this.body);
    this.shared = !!replay.is_public;
    this.shareNotes = !!replay.share_notes;
    this.render(null);
  }

  /** "Show my notes on the link": saved at once, on the link there is (it keeps working). */
  notesBox() {
    const box = el("input", { type: "checkbox", checked: this.shareNotes });
    const hint = el("span.hint", { text: "Anyone with the link sees your notes (not your bookmarks)." });
    box.addEventListener("change", async () => {
      const wanted = box.checked;
      box.disabled = true;
      try {
        const answer = await this.source.setShareNotes(wanted);
        this.shareNotes = !!answer.share_notes;
        this.notify(this.shareNotes ? "Your notes show on the link" : "Your notes are hidden from the link");
      } catch (err) {
        this.notify(err.message, true);
      }
      box.checked = this.shareNotes;
      box.disabled = false;
    });
    return el("div.share-notes", {}, el("label", {}, box, " Show my notes on the link"), hint);
  }

  get open() {
    return !this.root.hidden;
  }

  toggle() {
    reveal(this.root, !this.open);
  }

  close() {
    this.root.hidden = true;
  }

  render(link, error = "") {
    clear(this.body);
    if (link) {
      const url = el("input.share-url", { type: "text", readonly: true, "aria-label": "Share link", value: link.share_url });
      this.body.append(
        el("p.hint", { text: "Anyone with this link can watch the replay, without logging in. It is shown only now." }),
        url,
        el("div.row", {}, el("button.primary", { type: "button", text: "Copy link", onclick: () => this.copy(url) }), el("span.hint.expiry", { text: link.expires_at ? `Expires ${dateTime(new Date(link.expires_at))}` : "" })),
      );
    } else {
      this.body.append(el("p.hint", { text: this.shared ? "A share link exists. A new link replaces it; revoking stops it at once." : "Private. Sharing creates a secret link." }));
    }
    if (link || this.shared) this.body.append(this.notesBox());
    const row = el("div.row", {}, el("button.primary", { type: "button", text: link || this.shared ? "New link" : "Create link", onclick: () => this.create() }));
    if (link || this.shared) row.append(el("button.danger", { type: "button", text: "Revoke", onclick: () => this.revoke() }));
    this.body.append(row);
    if (error) this.body.append(el("div.error-text", { text: error }));
  }

  async create() {
    try {
      const link = await this.source.share();
      this.shared = true;
      this.shareNotes = !!link.share_notes; // a new link keeps the choice of the one it replaces
      this.render(link);
      const url = this.body.querySelector(".share-url");
      if (url) await this.copy(url, true);
    } catch (err) {
      this.render(null, err.message);
    }
  }

  async copy(input, quiet = false) {
    try {
      await navigator.clipboard.writeText(input.value);
      this.notify("Link copied");
    } catch {
      input.select();
      if (!quiet) this.notify("Select the link and copy it (Ctrl+C)");
    }
  }

  async revoke() {
    try {
      await this.source.revokeShare();
      this.shared = false;
      this.shareNotes = false; // revoking hides them; a later link starts with them hidden
      this.render(null);
      this.notify("Link revoked");
    } catch (err) {
      this.render(null, err.message);
    }
  }
}

/**
 * Export to video (issue 6's API): choose, start, follow progress (a <progress> bar and the
 * state), stop, download — the job run by `ExportJob` (api.js), as on the replay browser's
 * card (js/browser/exporter.js). Closing the dialog does not stop the job: it goes on on the
 * server and is still followed, every 5 s instead of every second, until it ends, so reopening
 * shows where it is or its download at once. "Stop export" is the one way to stop it; once a
 * job has ended another can start.
 */
export class ExportDialog {
  constructor(source) {
    this.root = dialog("Export video", "export-dialog", () => this.close());
    this.format = el("select", { "aria-label": "Format" }, el("option", { value: "mp4", text: "MP4 (H.264)" }), el("option", { value: "webm", text: "WebM (VP9)" }));
    this.resolution = el("select", { "aria-label": "Resolution" }, el("option", { value: "1080p", text: "1080p" }), el("option", { value: "720p", text: "720p" }));
    this.button = el("button.primary", { type: "button", text: "Export", onclick: () => this.start() });
    this.cancelButton = el("button.export-cancel", { type: "button", text: "Stop export", title: "Stop this export (no video is made)", hidden: true, onclick: () => this.job.cancel() });
    this.bar = el("progress.export-progress", { max: "1", "aria-label": "Export progress", hidden: true });
    this.status = el("div.hint.export-status", { role: "status" });
    this.bar.style.width = "100%";
    this.root.append(el("div.row", {}, this.format, this.resolution, this.button, this.cancelButton), this.bar, this.status);
    this.job = new ExportJob((options) => source.startExport(options), { onChange: (state) => this.render(state), seen: () => this.open });
  }

  get open() {
    return !this.root.hidden;
  }

  toggle() {
    reveal(this.root, !this.open);
    if (this.open) this.job.refresh(); // fresh at once
  }

  close() {
    this.root.hidden = true;
  }

  start() {
    this.job.start({ format: this.format.value, resolution: this.resolution.value });
  }

  render(state) {
    if (state.jobId) this.root.dataset.jobId = state.jobId;
    this.button.disabled = state.busy;
    this.format.disabled = state.busy;
    this.resolution.disabled = state.busy;
    this.cancelButton.hidden = !state.following; // following: a started job, still running
    this.cancelButton.disabled = state.stopping;
    this.bar.hidden = !state.following;
    if (state.progress !== null) this.bar.value = state.progress;
    else this.bar.removeAttribute("value"); // indeterminate while waiting for a worker
    clear(this.status);
    this.status.append(state.text);
    if (state.href) this.status.append(" ", el("a", { href: state.href, download: "", text: "Download the video" }));
  }
}
