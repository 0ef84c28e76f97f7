// The timeline bar (canvas): a marker per tool call coloured by tool, a row of tool icons,
// the user's prompts (a light speech-bubble badge that wins its slot of the icon row: they
// mark where each turn starts, and a replay of a few prompts and long idle gaps has little
// else), annotation and bookmark markers, errors standing out, a hover tooltip, click to seek
// (on a note's or bookmark's marker: to its moment, and `onAnnotation` opens it) and drag to
// scrub. The markers are drawn once per change of the loaded events into a layer; a frame only
// copies the layer and draws the playhead.

import { el } from "./dom.js";
import { formatTime } from "../player/format.js";
import { ERROR_COLOR, isError, isToolCall, toolColor, toolGlyph, toolLabel } from "../player/tools.js";
import { summarize } from "./panel.js";

const H = 64;
const ICON_ROW = [16, 34];
const MARK_ROW = [36, 56];
const ICON_SPACING = 20;
const PLAYHEAD_REACH = 7; // CSS px the playhead's line and knob (radius 5, antialiased) reach from x
const PROMPT_COLOR = "#dbe6ff";
const PROMPT_INK = "#1b2a4a";
const CLICK_SLOP = 4; // CSS px a press may move and still be a click (not a drag)

/** Is this a prompt the user typed (a turn starts)? */
export function isPrompt(event) {
  return event.type === "user_prompt_submit";
}

/** The tooltip's words for an event: what it is, the tool named once, an error said once. */
export function eventTip(event) {
  const summary = summarize(event);
  const label = event.tool ? toolLabel(event.tool) : "";
  const tool = label && !summary.startsWith(label) ? `${label} · ` : "";
  const error = isError(event) && !/\bfailed\b/.test(summary) ? "Error · " : "";
  return `${formatTime(event.relative_time_ms || 0)} · ${error}${tool}${summary}`;
}

/** "Note" / "Bookmark": what an annotation is, as a reader says it. */
export function kindLabel(annotation) {
  return annotation.kind === "bookmark" ? "Bookmark" : "Note";
}

/** The tooltip's words for a note or bookmark; a bookmark without a label is just "Bookmark". */
export function annotationTip(annotation) {
  const kind = kindLabel(annotation);
  const text = String(annotation.text || "").trim();
  return `${formatTime(annotation.timestamp_ms)} · ${kind}${text ? `: ${text}` : ""}`;
}

export class TimelineBar {
  constructor({ interactive = true, onSeek, onScrub, onPick, onAnnotation } = {}) {
    this.root = el("div.timeline-bar");
    this.canvas = el("canvas.timeline-canvas", { "aria-label": "Timeline" });
    this.tooltip = el("div.timeline-tooltip", { role: "tooltip", hidden: true });
    this.root.append(this.canvas, this.tooltip);
    this.ctx = this.canvas.getContext("2d");
    this.layer = document.createElement("canvas");
    this.layerKey = "";
    this.width = 0;
    this.dpr = 1;
    this.timeline = null;
    this.annotations = [];
    this.annotationsVersion = 0;
    this.position = 0;
    this.lastKey = "";
    this.onSeek = onSeek || (() => {});
    this.onScrub = onScrub || (() => {});
    this.onPick = onPick || null;
    this.onAnnotation = onAnnotation || null; // a click on a note's or bookmark's marker
    this.promptSlots = new Map(); // icon-row slot -> the prompt its badge shows
    if (interactive) this._wire();
  }

  setViewport(width, dpr = 1) {
    const w = Math.max(1, Math.round(width));
    if (w === this.width && dpr === this.dpr) return;
    this.width = w;
    this.dpr = dpr;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(H * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${H}px`;
    this.layerKey = "";
    this.lastKey = "";
  }

  setAnnotations(list) {
    this.annotations = [...list].sort((a, b) => a.timestamp_ms - b.timestamp_ms);
    this.annotationsVersion++;
  }

  xOf(t) {
    const d = this.timeline ? Math.max(1, this.timeline.durationMs) : 1;
    return 8 + ((this.width - 16) * Math.max(0, Math.min(t, d))) / d;
  }

  tOf(x) {
    const d = this.timeline ? Math.max(1, this.timeline.durationMs) : 1;
    return Math.max(0, Math.min(d, ((x - 8) / Math.max(1, this.width - 16)) * d));
  }

  _layer() {
    const tl = this.timeline;
    const key = `${this.width}@${this.dpr}:${tl.version}:${tl.durationMs}:${this.annotationsVersion}`;
    if (key === this.layerKey) return this.layer;
    this.layerKey = key;
    this.layer.width = this.canvas.width;
    this.layer.height = this.canvas.height;
    const ctx = this.layer.getContext("2d");
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = "#121822";
    ctx.fillRect(0, 0, this.width, H);
    // loaded ranges
    ctx.fillStyle = "#1c2433";
    for (const [a, b] of tl.coverage) ctx.fillRect(this.xOf(a), MARK_ROW[0], Math.max(1, this.xOf(b) - this.xOf(a)), MARK_ROW[1] - MARK_ROW[0]);
    // one marker per tool call; errors full height in red
    const buckets = new Map();
    const errors = [];
    const prompts = [];
    for (const e of tl.events) {
      if (isError(e)) errors.push(e);
      if (isPrompt(e)) prompts.push(e);
      if (!isToolCall(e)) continue;
      const x = Math.round(this.xOf(e.relative_time_ms || 0));
      ctx.fillStyle = toolColor(e.tool);
      ctx.fillRect(x, MARK_ROW[0] + 3, 1.5, MARK_ROW[1] - MARK_ROW[0] - 6);
      const slot = Math.floor(x / ICON_SPACING);
      const counts = buckets.get(slot) || new Map();
      counts.set(e.tool, (counts.get(e.tool) || 0) + 1);
      buckets.set(slot, counts);
    }
    // prompts: a light line across the markers (under the errors' red, which stays on top)
    ctx.fillStyle = PROMPT_COLOR;
    for (const e of prompts) ctx.fillRect(Math.round(this.xOf(e.relative_time_ms || 0)) - 1, MARK_ROW[0], 2, MARK_ROW[1] - MARK_ROW[0]);
    for (const e of errors) {
      const x = Math.round(this.xOf(e.relative_time_ms || 0));
      ctx.fillStyle = ERROR_COLOR;
      ctx.fillRect(x - 1, MARK_ROW[0], 3, MARK_ROW[1] - MARK_ROW[0]);
      ctx.beginPath();
      ctx.moveTo(x - 4, MARK_ROW[1] + 6);
      ctx.lineTo(x + 4, MARK_ROW[1] + 6);
      ctx.lineTo(x, MARK_ROW[1]);
      ctx.fill();
    }
    // tool icon row: the most used tool of each slot; a slot with a prompt shows the prompt
    const promptSlots = new Map();
    for (const e of prompts) {
      const slot = Math.floor(Math.round(this.xOf(e.relative_time_ms || 0)) / ICON_SPACING);
      if (!promptSlots.has(slot)) promptSlots.set(slot, e);
    }
    this.promptSlots = promptSlots;
    ctx.font = "bold 10px ui-monospace, 'DejaVu Sans Mono', monospace";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (const [slot, counts] of buckets) {
      if (promptSlots.has(slot)) continue;
      let best = null;
      let n = 0;
      for (const [tool, c] of counts) if (c > n) [best, n] = [tool, c];
      const cx = slot * ICON_SPACING + ICON_SPACING / 2;
      const cy = (ICON_ROW[0] + ICON_ROW[1]) / 2;
      ctx.fillStyle = toolColor(best);
      ctx.beginPath();
      ctx.arc(cx, cy, 7.5, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = "#0d1117";
      ctx.fillText(toolGlyph(best), cx, cy + 0.5);
    }
    for (const slot of promptSlots.keys()) this._promptBadge(ctx, slot * ICON_SPACING + ICON_SPACING / 2, (ICON_ROW[0] + ICON_ROW[1]) / 2);
    // annotations (yellow) and bookmarks (blue) on top
    for (const a of this.annotations) {
      const x = this.xOf(a.timestamp_ms);
      ctx.fillStyle = a.kind === "bookmark" ? "#58a6ff" : "#f5d547";
      ctx.beginPath();
      ctx.moveTo(x - 5, 2);
      ctx.lineTo(x + 5, 2);
      ctx.lineTo(x, 12);
      ctx.fill();
    }
    return this.layer;
  }

  /** A prompt's badge in the icon row: a speech bubble (its tail down to the markers) with a ">". */
  _promptBadge(ctx, cx, cy) {
    ctx.fillStyle = PROMPT_COLOR;
    ctx.beginPath();
    ctx.roundRect(cx - 8, cy - 7.5, 16, 14, 4);
    ctx.moveTo(cx - 3, cy + 6);
    ctx.lineTo(cx, cy + 10);
    ctx.lineTo(cx + 3, cy + 6);
    ctx.fill();
    ctx.strokeStyle = PROMPT_INK;
    ctx.lineWidth = 1.75;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(cx - 2, cy - 4);
    ctx.lineTo(cx + 2, cy - 0.5);
    ctx.lineTo(cx - 2, cy + 3);
    ctx.stroke();
  }

  /**
   * The key of columns [from, to) (device pixels) of the picture draw() paints: away from the
   * playhead those columns are wholly played or wholly not, whatever its exact position (the
   * video exporter then reuses their picture). PLAYHEAD_REACH must cover what draw() paints
   * around the playhead.
   */
  tileKeyAt(timeline, position, from, to) {
    const px = Math.round(this.xOf(position) * this.dpr);
    const reach = PLAYHEAD_REACH * this.dpr;
    const where = px + reach < from ? "ahead" : px - reach >= to ? "played" : px;
    return `${where}:${this.width}:${timeline.version}:${this.annotationsVersion}`;
  }

  /** The key of the picture draw() paints: the playhead's device pixel and what is drawn under it. */
  keyAt(timeline, position) {
    const px = Math.round(this.xOf(position) * this.dpr);
    return `${px}:${this.width}:${timeline.version}:${this.annotationsVersion}`;
  }

  /** Draw with the playhead at `position`; cheap when nothing moved a pixel. */
  draw(timeline, position) {
    this.timeline = timeline;
    this.position = position;
    const key = this.keyAt(timeline, position);
    if (key === this.lastKey) return key;
    this.lastKey = key;
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this._layer(), 0, 0);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const x = Math.round(this.xOf(position) * this.dpr) / this.dpr; // whole device pixels, as the key says
    // the played part, as in any video player: a tint over the markers and an accent line
    ctx.fillStyle = "rgba(255,255,255,0.07)";
    ctx.fillRect(8, MARK_ROW[0], x - 8, MARK_ROW[1] - MARK_ROW[0]);
    ctx.fillStyle = "#ffb86b";
    ctx.fillRect(8, MARK_ROW[1] - 3, Math.max(0, x - 8), 3);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(x - 1, 0, 2, H);
    ctx.beginPath();
    ctx.arc(x, MARK_ROW[1] + 2, 5, 0, Math.PI * 2);
    ctx.fill();
    return key;
  }

  /** What is under (x, y): the nearest annotation; in the icon row, a prompt's badge; else the
   * nearest tool call, error or prompt within 5 px (a prompt wins a tie). */
  hitAt(x, y = null) {
    let best = null;
    let dist = 6;
    for (const a of this.annotations) {
      const d = Math.abs(this.xOf(a.timestamp_ms) - x);
      if (d < dist) [best, dist] = [{ annotation: a }, d];
    }
    if (best) return best;
    if (y !== null && y >= ICON_ROW[0] - 2 && y <= ICON_ROW[1] + 2) {
      const prompt = this.promptSlots.get(Math.floor(x / ICON_SPACING));
      if (prompt) return { event: prompt };
    }
    const tl = this.timeline;
    if (!tl) return null;
    const t = this.tOf(x);
    const span = (5 * Math.max(1, tl.durationMs)) / Math.max(1, this.width - 16);
    const from = tl.indexAt(t - span) + 1;
    for (let i = Math.max(0, from); i < tl.events.length && tl.times[i] <= t + span; i++) {
      const e = tl.events[i];
      if (!e.tool && !isError(e) && !isPrompt(e)) continue;
      const d = Math.abs(this.xOf(tl.times[i]) - x) - (isPrompt(e) ? 0.5 : 0);
      if (d < dist || (isError(e) && d < 6)) [best, dist] = [{ event: e }, d];
    }
    return best;
  }

  _wire() {
    let dragging = false;
    let downX = 0;
    const local = (ev) => {
      const rect = this.canvas.getBoundingClientRect();
      return ev.clientX - rect.left;
    };
    this.canvas.addEventListener("pointerdown", (ev) => {
      const x = local(ev);
      if (this.onPick) {
        this.onPick(this.tOf(x));
        return;
      }
      dragging = true;
      downX = x;
      this.canvas.setPointerCapture(ev.pointerId);
      this.onScrub(this.tOf(x), true);
    });
    this.canvas.addEventListener("pointermove", (ev) => {
      const x = local(ev);
      if (dragging) this.onScrub(this.tOf(x), false);
      this._tip(x, ev.clientY - this.canvas.getBoundingClientRect().top);
    });
    const end = (ev) => {
      if (!dragging) return;
      dragging = false;
      const x = local(ev);
      const hit = this.onAnnotation && ev.type === "pointerup" && Math.abs(x - downX) <= CLICK_SLOP ? this.hitAt(x) : null;
      if (hit && hit.annotation) {
        this.onSeek(hit.annotation.timestamp_ms);
        this.onAnnotation(hit.annotation);
        return;
      }
      this.onSeek(this.tOf(x));
    };
    this.canvas.addEventListener("pointerup", end);
    this.canvas.addEventListener("pointercancel", end);
    this.canvas.addEventListener("pointerleave", () => {
      this.tooltip.hidden = true;
    });
  }

  _tip(x, y = null) {
    const hit = this.hitAt(x, y);
    const t = this.tOf(x);
    let text = formatTime(t);
    if (hit && hit.annotation) text = annotationTip(hit.annotation);
    else if (hit && hit.event) text = eventTip(hit.event);
    this.tooltip.textContent = text.length > 160 ? `${text.slice(0, 159)}…` : text;
    this.tooltip.hidden = false;
    const w = this.tooltip.offsetWidth;
    this.tooltip.style.left = `${Math.max(0, Math.min(this.width - w, x - w / 2))}px`;
  }
}
