// A note or a bookmark, opened from its marker on the timeline, from its pop-up over the scene,
// or right after a bookmark is made: its moment and text, and for its author Edit (a bookmark's
// label), Delete (asked here, in the page: no browser dialog) and Save. Who may change it is the
// server's rule (only an annotation's author, on their own replay: server/routes/annotations.py);
// the card offers the buttons only to them. A teammate reading someone's public replay opens it
// to read; the share link and the embed never build it.

import { el, clear } from "./dom.js";
import { placeAboveControls } from "./dialogs.js";
import { formatTime } from "../player/format.js";
import { kindLabel } from "./timeline-bar.js";

const NOTE_MAX = 10000; // the API's NoteText limit

export class NoteCard {
  /**
   * `canEdit(annotation)`: whether the viewer wrote it. `onSave(annotation, text)` and
   * `onDelete(annotation)` resolve once the server agreed (and throw its error otherwise);
   * `onSeek(ms)`: go to the annotation's moment.
   */
  constructor({ canEdit, onSave, onDelete, onSeek }) {
    this.canEdit = canEdit;
    this.onSave = onSave;
    this.onDelete = onDelete;
    this.onSeek = onSeek;
    this.annotation = null;
    this.mode = "view"; // view | edit | confirm
    this.busy = false;
    this.root = el("div.dialog.note-card", { role: "dialog", "aria-label": "Note", hidden: true });
    this.root.addEventListener("keydown", (ev) => this._key(ev));
  }

  get open() {
    return !this.root.hidden;
  }

  /** The annotation shown, or null. */
  get shown() {
    return this.open ? this.annotation : null;
  }

  /** Show `annotation`; `mode`: "view", "edit" (its text or label) or "confirm" (delete?). */
  show(annotation, mode = "view", { hint = "" } = {}) {
    this.annotation = annotation;
    this.mode = this.canEdit(annotation) ? mode : "view";
    this.hint = hint;
    this.root.hidden = false;
    this._render();
    // Above the timeline and the controls like the dialogs, so the marker it was opened from
    // stays in view.
    placeAboveControls(this.root);
  }

  close() {
    this.root.hidden = true;
    this.annotation = null;
  }

  /** The annotation changed (saved here, or elsewhere) or is gone: show its new state. */
  update(list) {
    if (!this.open || !this.annotation) return;
    const now = list.find((a) => a.id === this.annotation.id);
    if (!now) {
      this.close();
      return;
    }
    this.annotation = now;
    if (this.mode === "view") this._render();
  }

  _render(error = "") {
    const a = this.annotation;
    const kind = kindLabel(a);
    const mine = this.canEdit(a);
    this.root.setAttribute("aria-label", `${kind} at ${formatTime(a.timestamp_ms)}`);
    this.root.classList.toggle("bookmark", a.kind === "bookmark");
    clear(this.root);
    const time = el("button.note-time", { type: "button", text: formatTime(a.timestamp_ms), title: `Go to ${formatTime(a.timestamp_ms)}`, onclick: () => this.onSeek(a.timestamp_ms) });
    const close = el("button.dialog-close.note-close", { type: "button", text: "×", title: "Close (Esc)", "aria-label": "Close", onclick: () => this.close() });
    this.root.append(el("div.note-head", {}, el("h2", { text: kind }), time, close));
    if (this.hint) this.root.append(el("p.hint", { text: this.hint }));
    if (this.mode === "edit") this._editor(a, error);
    else if (this.mode === "confirm") this._confirm(a, error);
    else this._view(a, mine, error);
  }

  _view(a, mine, error) {
    const text = String(a.text || "");
    this.root.append(el(`p.note-text${text ? "" : ".empty"}`, { text: text || (a.kind === "bookmark" ? "No label" : "") }));
    if (error) this.root.append(el("div.error-text", { role: "alert", text: error }));
    if (!mine) return;
    this.root.append(
      el(
        "div.row",
        {},
        el("button.note-edit", { type: "button", text: a.kind === "bookmark" ? (text ? "Edit label" : "Add a label") : "Edit", onclick: () => this._mode("edit") }),
        el("button.note-delete.danger", { type: "button", text: "Delete", onclick: () => this._mode("confirm") }),
      ),
    );
  }

  _editor(a, error) {
    const bookmark = a.kind === "bookmark";
    const field = bookmark
      ? el("input.note-input", { type: "text", maxlength: String(NOTE_MAX), "aria-label": "Bookmark label", placeholder: "Label (optional)" })
      : el("textarea.note-input", { maxlength: String(NOTE_MAX), "aria-label": "Note text", placeholder: "What happens here?" });
    field.value = String(a.text || "");
    this.field = field;
    this.root.append(field);
    if (error) this.root.append(el("div.error-text", { role: "alert", text: error }));
    this.root.append(
      el(
        "div.row",
        {},
        el("button.primary.note-save", { type: "button", text: bookmark ? "Save label" : "Save", onclick: () => this._save() }),
        // just made: closing keeps the bookmark as it is, without a label
        el("button.note-cancel", { type: "button", text: this.hint ? "Skip" : "Cancel", onclick: () => (this.hint ? this.close() : this._mode("view")) }),
        el("span.hint", { text: bookmark ? "Enter saves" : "Ctrl+Enter saves" }),
        el("button.note-delete.danger", { type: "button", text: "Delete", onclick: () => this._mode("confirm") }),
      ),
    );
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
  }

  _confirm(a, error) {
    const kind = kindLabel(a).toLowerCase();
    this.root.append(el("p.note-text", { text: String(a.text || "") || "No label" }));
    this.root.append(el("p.note-confirm", { role: "alert", text: `Delete this ${kind} for good?` }));
    if (error) this.root.append(el("div.error-text", { role: "alert", text: error }));
    const yes = el("button.danger.note-confirm-delete", { type: "button", text: `Delete ${kind}`, onclick: () => this._delete() });
    this.root.append(el("div.row", {}, yes, el("button.note-keep", { type: "button", text: "Keep", onclick: () => this._mode("view") })));
    yes.focus();
  }

  _mode(mode) {
    this.mode = mode;
    this.hint = "";
    this._render();
  }

  async _save() {
    if (this.busy) return;
    const a = this.annotation;
    const text = this.field.value.trim();
    if (!text && a.kind !== "bookmark") {
      this._render("Write something first (or delete the note).");
      return;
    }
    if (text === String(a.text || "").trim()) {
      this._mode("view");
      return;
    }
    await this._ask(a, () => this.onSave(a, text), (saved) => {
      this.annotation = saved || { ...a, text };
      this._mode("view");
    });
  }

  async _delete() {
    if (this.busy) return;
    const a = this.annotation;
    await this._ask(a, () => this.onDelete(a), () => this.close());
  }

  /**
   * Ask the server (`request()`) about `a`, one request at a time; then `done(answer)`, or its
   * error shown — only while the card still shows `a` (it may have been closed or moved on).
   */
  async _ask(a, request, done) {
    this.busy = true;
    try {
      const answer = await request();
      if (this.annotation && this.annotation.id === a.id) done(answer);
    } catch (err) {
      if (this.annotation && this.annotation.id === a.id) this._render(err.message || String(err));
    } finally {
      this.busy = false;
    }
  }

  _key(ev) {
    // a key meant for the card's button or field, not the player's shortcuts (Space: play)
    if (ev.target instanceof HTMLButtonElement && (ev.key === " " || ev.key === "Enter")) {
      ev.stopPropagation();
      return;
    }
    if (ev.key === "Escape") {
      ev.stopPropagation();
      if (this.mode === "view" || this.hint) this.close();
      else this._mode("view");
      return;
    }
    const editing = this.mode === "edit" && ev.target === this.field;
    if (editing && ev.key === "Enter" && (this.field.tagName === "INPUT" || ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      this._save();
    }
  }
}

/** The Edit and Delete buttons on an annotation's pop-up over the scene. */
export function popupButtons(annotation, card) {
  const what = `${kindLabel(annotation).toLowerCase()} at ${formatTime(annotation.timestamp_ms)}`;
  return [
    el("button.popup-edit", { type: "button", text: "Edit", "aria-label": `Edit the ${what}`, onclick: () => card.show(annotation, "edit") }),
    el("button.popup-delete", { type: "button", text: "Delete", "aria-label": `Delete the ${what}`, onclick: () => card.show(annotation, "confirm") }),
  ];
}
