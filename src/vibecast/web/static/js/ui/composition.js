// The player's fixed composition: title and time on top, the workshop scene with annotation
// pop-ups, the now-showing panel beside it, the timeline bar below. The live player, the
// public viewer and the video export page all render through `renderAt(t)` here, so a video
// frame at t shows what the player shows at t. Two options are the player's alone, so a video
// frame stays as it was: `minTextPx` (the scene's text never smaller than that on screen, for
// phones) and `popupActions` (an owner's Edit / Delete buttons on their notes' pop-ups).

import { el } from "./dom.js";
import { formatTime } from "../player/format.js";
import { SceneModel } from "../scene/model.js";
import { WorkshopScene } from "../scene/draw.js";
import { NowShowing } from "./panel.js";
import { TimelineBar } from "./timeline-bar.js";

const POPUP_MS = 4000;

/** FNV-1a of a string, as 8 hex digits: the frame signature. */
export function hashString(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

export class Composition {
  constructor({ timeline, interactive = true, compact = false, barHandlers = {}, attachmentUrl = null, imageDecoding = "async", minTextPx = 0, popupActions = null } = {}) {
    this.timeline = timeline;
    this.model = new SceneModel();
    this.camera = null; // the viewer's override {zoom, panX, panY}, or null: follow the recording
    this.annotations = [];
    this.title = el("h1.replay-title", { text: "" });
    this.clockText = el("div.clock", { "aria-live": "off" });
    this.liveBadge = el("span.live-badge", { text: "LIVE", hidden: true });
    this.header = el("header.comp-header", {}, el("div.title-wrap", {}, this.title, this.liveBadge), this.clockText);
    this.canvas = el("canvas.scene-canvas", { "aria-label": "Workshop scene" });
    this.popups = el("div.popups", { "aria-live": "polite" });
    this.stage = el("div.stage", {}, this.canvas, this.popups);
    this.scene = new WorkshopScene(this.canvas, { minTextPx });
    this.popupActions = popupActions; // (annotation) => [button, ...] | null
    this.panel = new NowShowing({ compact, attachmentUrl, imageDecoding });
    this.bar = new TimelineBar({ interactive, ...barHandlers });
    this.root = el("div.composition", {}, this.header, el("div.middle", {}, this.stage, this.panel.root), this.bar.root);
    if (compact) this.root.classList.add("compact");
    this.popupKey = "";
  }

  setTitle(text) {
    this.title.textContent = text || "Untitled replay";
  }

  setAnnotations(list) {
    this.annotations = [...list].sort((a, b) => a.timestamp_ms - b.timestamp_ms);
    this.bar.setAnnotations(this.annotations);
    this.popupKey = "";
  }

  /** Size canvases to their boxes (call after layout changes). */
  layout(dpr = window.devicePixelRatio || 1) {
    const stageBox = this.stage.getBoundingClientRect();
    this.scene.setViewport(stageBox.width, stageBox.height, dpr);
    const barBox = this.bar.root.getBoundingClientRect();
    this.bar.setViewport(barBox.width, dpr);
  }

  /** Annotations shown at t: those of the last POPUP_MS (a function of t, like the scene). */
  popupsAt(t) {
    const showing = this.annotations.filter((a) => a.timestamp_ms <= t && t - a.timestamp_ms < POPUP_MS && a.text);
    return { showing, key: showing.map((a) => a.id).join(",") };
  }

  _popups(t) {
    const { showing, key } = this.popupsAt(t);
    if (key === this.popupKey) return key;
    this.popupKey = key;
    this.popups.replaceChildren(
      ...showing.slice(-3).map((a) => {
        const popup = el(`div.popup.${a.kind === "bookmark" ? "bookmark" : "note"}`, { dataset: a.id ? { id: String(a.id) } : undefined }, el("span.popup-time", { text: formatTime(a.timestamp_ms) }), el("span.popup-text", { text: a.text }));
        const actions = this.popupActions ? this.popupActions(a) : null;
        if (actions && actions.length) popup.append(el("span.popup-actions", {}, ...actions));
        return popup;
      }),
    );
    return key;
  }

  /** Draw the pop-ups again at the next frame (who may edit them became known). */
  refreshPopups() {
    this.popupKey = "";
  }

  /** The composition's parts that change, each a fixed box: what the exporter captures (the scene
   * canvas covers the stage and its pop-ups; the bar's border around its canvas never changes). */
  regions() {
    return { header: this.header, stage: this.canvas, panel: this.panel.root, bar: this.bar.canvas };
  }

  /**
   * Each region's key at t, computed without drawing (equal keys, equal pixels), in the order of
   * regions(): the exporter scans many frames at once and draws only those whose picture changes.
   */
  regionKeysAt(t, { live = false } = {}) {
    const tl = this.timeline;
    this.model.update(tl);
    return {
      header: this.headerKeyAt(t, { live }),
      stage: `${this.scene.frameAt(this.model, t, this.camera).key}#${this.popupsAt(t).key}`,
      panel: `${tl.version}:${tl.indexAt(t)}`,
      bar: this.bar.keyAt(tl, t),
    };
  }

  /** The header's clock text at t. */
  clockAt(t) {
    return `${formatTime(t)} / ${formatTime(this.timeline.durationMs)}`;
  }

  /** The header's key at t (title, clock, live badge): equal keys, equal header pixels. */
  headerKeyAt(t, { live = false } = {}) {
    return `${this.clockAt(t)}#${live}#${this.title.textContent}`;
  }

  /** Draw everything at replay time t; returns the frame signature (changes iff pixels do). */
  renderAt(t, { live = false } = {}) {
    const tl = this.timeline;
    this.model.update(tl);
    const sceneKey = this.scene.drawAt(this.model, t, this.camera);
    const barKey = this.bar.draw(tl, t);
    this.panel.update(tl, tl.indexAt(t));
    const clock = this.clockAt(t);
    if (this.clockText.textContent !== clock) this.clockText.textContent = clock;
    this.liveBadge.hidden = !live;
    const popupKey = this._popups(t);
    return hashString(`${sceneKey}#${barKey}#${this.panel.key}#${clock}#${popupKey}#${live}#${this.title.textContent}`);
  }
}
