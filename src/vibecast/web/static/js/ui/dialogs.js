// The player's small dialogs: add a note (time and scene position picked by clicking),
// share (create, copy, expiry, revoke) and export (format, resolution, progress, download).

import { jobView } from "../api.js";
import { el, clear } from "./dom.js";
import { formatTime, parseTime } from "../player/format.js";

function dialog(title, cls) {
  const box = el(`div.dialog.${cls}`, { role: "dialog", "aria-label": title, hidden: true });
  box.style.right = "16px";
  box.style.bottom = "120px";
  return box;
}

/** Add a note: text, time (defaults to now; a click on the timeline or scene picks it). */
export class AnnotationForm {
  constructor({ onSave }) {
    this.onSave = onSave;
    this.root = dialog("Add a note", "annotation-form");
    this.text = el("textarea", { "aria-label": "Note text", maxlength: "10000", placeholder: "What happens here?" });
    this.time = el("input.time-input", { "aria-label": "Note time", type: "text" });
    this.where = el("span.hint", { text: "" });
    this.error = el("div.error-text");
    this.position = null;
    this.root.append(
      el("h2", { text: "Add a note" }),
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
    this.root.hidden = false;
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

/** Share: create the link (copied), show when it expires, revoke it. */
export class ShareDialog {
  constructor(source, replay, notify) {
    this.source = source;
    this.notify = notify;
    this.root = dialog("Share", "share-dialog");
    this.body = el("div");
    this.root.append(el("h2", { text: "Share this replay" }), this.body);
    this.shared = !!replay.is_public;
    this.render(null);
  }

  get open() {
    return !this.root.hidden;
  }

  toggle() {
    this.root.hidden = !this.root.hidden;
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
        el("div.row", {}, el("button.primary", { type: "button", text: "Copy link", onclick: () => this.copy(url) }), el("span.hint.expiry", { text: link.expires_at ? `Expires ${new Date(link.expires_at).toLocaleString()}` : "" })),
      );
    } else {
      this.body.append(el("p.hint", { text: this.shared ? "A share link exists. A new link replaces it; revoking stops it at once." : "Private. Sharing creates a secret link." }));
    }
    const row = el("div.row", {}, el("button.primary", { type: "button", text: link || this.shared ? "New link" : "Create link", onclick: () => this.create() }));
    if (link || this.shared) row.append(el("button.danger", { type: "button", text: "Revoke", onclick: () => this.revoke() }));
    this.body.append(row);
    if (error) this.body.append(el("div.error-text", { text: error }));
  }

  async create() {
    try {
      const link = await this.source.share();
      this.shared = true;
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
      this.render(null);
      this.notify("Link revoked");
    } catch (err) {
      this.render(null, err.message);
    }
  }
}

const POLL_MS = 1000;
const POLL_CLOSED_MS = 5000;

/**
 * Export to video (issue 6's API): choose, start, follow progress (a <progress> bar and the
 * state), cancel, download. Closing the dialog does not cancel: the job goes on on the server
 * and is still followed, every 5 s instead of every second, until it ends, so reopening shows
 * where it is or its download at once. Cancel is the one way to stop it (as on the replay
 * browser's card, js/browser/exporter.js). Following ends with the job (complete, failed,
 * cancelled) or at the first status that cannot be read.
 */
export class ExportDialog {
  constructor(source, api) {
    this.source = source;
    this.api = api;
    this.root = dialog("Export video", "export-dialog");
    this.format = el("select", { "aria-label": "Format" }, el("option", { value: "mp4", text: "MP4 (H.264)" }), el("option", { value: "webm", text: "WebM (VP9)" }));
    this.resolution = el("select", { "aria-label": "Resolution" }, el("option", { value: "1080p", text: "1080p" }), el("option", { value: "720p", text: "720p" }));
    this.button = el("button.primary", { type: "button", text: "Export", onclick: () => this.start() });
    this.cancelButton = el("button.export-cancel", { type: "button", text: "Cancel", title: "Stop this export", hidden: true, onclick: () => this.cancel() });
    this.bar = el("progress.export-progress", { max: "1", "aria-label": "Export progress", hidden: true });
    this.status = el("div.hint.export-status", { role: "status" });
    this.bar.style.width = "100%";
    this.root.append(el("h2", { text: "Export video" }), el("div.row", {}, this.format, this.resolution, this.button, this.cancelButton), this.bar, this.status);
    this.jobId = null; // the job followed, null when none (or once Cancel was pressed)
    this.timer = null;
  }

  get open() {
    return !this.root.hidden;
  }

  toggle() {
    this.root.hidden = !this.root.hidden;
    if (this.open && this.jobId && this.timer !== null) this.step(this.jobId); // fresh at once
  }

  close() {
    this.root.hidden = true;
  }

  async start() {
    if (this.jobId) return;
    this.running(true);
    this.cancelButton.hidden = true; // nothing to cancel until the job exists
    this.bar.hidden = true;
    this.status.textContent = "Starting the export…";
    let job;
    try {
      job = await this.source.startExport({ format: this.format.value, resolution: this.resolution.value });
    } catch (err) {
      this.status.textContent = `The export could not start: ${err.message}`;
      this.running(false);
      return;
    }
    this.follow(job.job_id);
  }

  follow(jobId) {
    this.jobId = jobId;
    this.root.dataset.jobId = jobId;
    this.running(true);
    this.step(jobId);
  }

  async step(jobId) {
    clearTimeout(this.timer);
    this.timer = null;
    let job;
    try {
      job = await this.api.exportStatus(jobId);
    } catch (err) {
      if (this.jobId !== jobId) return;
      this.bar.hidden = true;
      this.status.textContent = `Cannot follow the export: ${err.message}`;
      this.running(false);
      return;
    }
    if (this.jobId !== jobId) return; // cancelled (or replaced) while the answer came
    if (this.show(job)) return;
    clearTimeout(this.timer); // one timer however many steps were in flight
    this.timer = setTimeout(() => this.step(jobId), this.open ? POLL_MS : POLL_CLOSED_MS);
  }

  /** Show a job's state; whether it has ended (and the dialog can start another). */
  show(job) {
    const view = jobView(job);
    this.bar.hidden = view.ended;
    if (view.ended) {
      clear(this.status);
      if (view.href) this.status.append(`${view.text} `, el("a", { href: view.href, download: "", text: "Download the video" }));
      else this.status.textContent = view.text;
      this.running(false);
      return true;
    }
    if (view.progress !== null) this.bar.value = view.progress;
    else this.bar.removeAttribute("value"); // indeterminate while waiting for a worker
    this.status.textContent = view.text;
    return false;
  }

  async cancel() {
    const jobId = this.jobId;
    if (!jobId) return;
    this.jobId = null; // stops following: an answer still on its way is dropped
    clearTimeout(this.timer);
    this.timer = null;
    this.cancelButton.disabled = true;
    this.status.textContent = "Cancelling…";
    try {
      const job = await this.api.cancelExport(jobId);
      if (!this.show(job)) this.follow(jobId); // finished meanwhile: show() says so
    } catch (err) {
      // still running: say why Cancel did nothing, then keep following
      this.jobId = jobId;
      this.status.textContent = `Cannot cancel: ${err.message}`;
      this.timer = setTimeout(() => this.step(jobId), POLL_MS);
    } finally {
      this.cancelButton.disabled = false;
    }
  }

  running(on) {
    this.button.disabled = on;
    this.format.disabled = on;
    this.resolution.disabled = on;
    this.cancelButton.hidden = !on;
    if (!on) {
      this.jobId = null;
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
