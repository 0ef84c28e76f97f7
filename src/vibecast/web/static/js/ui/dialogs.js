// The player's small dialogs: add a note (time and scene position picked by clicking),
// share (create, copy, expiry, revoke) and export (format, resolution, progress, download).

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

/** Export to video (issue 6's API): choose, start, follow progress, download. */
export class ExportDialog {
  constructor(source, api) {
    this.source = source;
    this.api = api;
    this.root = dialog("Export video", "export-dialog");
    this.format = el("select", { "aria-label": "Format" }, el("option", { value: "mp4", text: "MP4 (H.264)" }), el("option", { value: "webm", text: "WebM (VP9)" }));
    this.resolution = el("select", { "aria-label": "Resolution" }, el("option", { value: "1080p", text: "1080p" }), el("option", { value: "720p", text: "720p" }));
    this.status = el("div.hint.export-status");
    this.button = el("button.primary", { type: "button", text: "Export", onclick: () => this.start() });
    this.root.append(el("h2", { text: "Export video" }), el("div.row", {}, this.format, this.resolution, this.button), this.status);
    this.timer = null;
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

  async start() {
    this.button.disabled = true;
    clear(this.status);
    try {
      const job = await this.source.startExport({ format: this.format.value, resolution: this.resolution.value });
      this.poll(job.job_id);
    } catch (err) {
      this.status.textContent = err.message;
      this.button.disabled = false;
    }
  }

  poll(jobId) {
    const step = async () => {
      try {
        const job = await this.api.exportStatus(jobId);
        const pct = Number.isFinite(job.progress) ? ` ${Math.round(job.progress * (job.progress <= 1 ? 100 : 1))} %` : "";
        clear(this.status);
        if (job.status === "complete" && job.download_url) {
          this.status.append(el("a", { href: job.download_url, download: "", text: "Download the video" }));
          this.button.disabled = false;
          return;
        }
        if (job.status === "failed" || job.status === "cancelled") {
          this.status.textContent = `Export ${job.status}${job.error ? `: ${job.error}` : ""}`;
          this.button.disabled = false;
          return;
        }
        this.status.textContent = `${job.status}${pct}`;
        this.timer = setTimeout(step, 1000);
      } catch (err) {
        this.status.textContent = err.message;
        this.button.disabled = false;
      }
    };
    step();
  }
}
