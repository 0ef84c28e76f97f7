// The workshop scene on a 2D canvas. `drawAt(model, t, camera)` is a pure function of the
// loaded events (through the SceneModel), the replay time, the viewport and the viewer's camera
// override: every animation is a function of replay time, so seeking to t draws exactly what
// playing to t draws. A frame whose visible state did not change is not repainted.
//
// Text sizes are in world units, so they shrink with the camera: on a phone the whole zone is
// ~370 px wide and a 13-unit bubble would be 5 px. `minTextPx` (the player sets it; the video
// export does not, so its frames keep the design sizes) enlarges every text of the scene, and
// the pill or bubble around it, by one factor so that the smallest is at least that many CSS
// px on screen; a bubble then holds fewer characters and stays inside the canvas.
//
// An agent's label (name and tool, below it) is kept inside the canvas in the player and the
// video alike: near a side it moves along, near the bottom it goes above the agent (its speech
// bubble above it), and one moved along does not cover a neighbour's label. A label inside the
// canvas does not move, so design-size frames (a video's, a desktop's) stay as they were.

import { STATIONS, stationById, toolLabel, ERROR_COLOR } from "../player/tools.js";
import { cameraTransform, slotOffset, stationPoint, zoneOrigin, ZONE_H, ZONE_W } from "./layout.js";
import { WALK_MS } from "./model.js";

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif";
const MONO = "ui-monospace, 'DejaVu Sans Mono', monospace";
// The busy-station ring is decoration: stepped at ~8 Hz (10 phases per 1.2 s cycle) instead of
// every display frame, so a video needs few distinct pictures for it (the player shows the same).
const PULSE_MS = 1200;
const PULSE_STEPS = 10;

// How far a busy station's glow and ring reach from its point (world units): the ring's radius
// is up to 90, drawn 3 wide.
const GLOW_REACH = 96;
// Antialiasing and glyph overhang around a part's drawn box (world units).
const EDGE = 4;
// The smallest text of the scene (an agent's tool line), world units: what minTextPx is about.
const SMALLEST_TEXT = 12;
const BUBBLE_CHARS = 34;
const MARGIN = 4; // CSS px a moved bubble or label keeps from the canvas's edges
const LABEL_GAP = 5; // world units between an agent's body and its label

/** `size` world units of text enlarged `k` times, as a CSS font size (0.1 steps: few fonts). */
function fontPx(size, k) {
  return `${Math.round(size * k * 10) / 10}px`;
}

function itemKey(i) {
  return `${i.agent.key}|${i.agent.station}|${i.agent.tool}|${i.x}|${i.y}|${i.walking}|${i.pulse}|${i.fade}|${i.flash}|${i.speech}|${i.dots}`;
}

/** An agent's body radius (world units): the main agent is drawn larger than subagents. */
function agentRadius(agent) {
  return agent.main ? 22 : 15;
}

function ease(x) {
  return x < 0.5 ? 2 * x * x : 1 - (-2 * x + 2) ** 2 / 2;
}

function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

function shortText(text, max) {
  const flat = String(text).replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The small drawing on each station: simple shapes in the station's colour. */
function drawStationIcon(ctx, id, color) {
  ctx.save();
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = 3;
  ctx.lineCap = "round";
  switch (id) {
    case "bookshelf":
      for (let row = 0; row < 2; row++) {
        for (let i = 0; i < 5; i++) {
          ctx.globalAlpha = 0.55 + 0.09 * ((i * 3 + row) % 5);
          ctx.fillRect(-22 + i * 9, -20 + row * 20, 7, 16);
        }
      }
      ctx.globalAlpha = 1;
      ctx.strokeRect(-26, -24, 52, 44);
      break;
    case "desk":
      ctx.strokeRect(-26, -6, 52, 8);
      ctx.beginPath();
      ctx.moveTo(-22, 2);
      ctx.lineTo(-22, 20);
      ctx.moveTo(22, 2);
      ctx.lineTo(22, 20);
      ctx.stroke();
      ctx.fillRect(-12, -22, 20, 14);
      break;
    case "workbench":
      ctx.strokeRect(-26, 0, 52, 8);
      ctx.beginPath();
      ctx.moveTo(-10, -24);
      ctx.lineTo(10, -4);
      ctx.stroke();
      ctx.fillRect(-18, -28, 14, 9);
      break;
    case "terminal":
      roundRect(ctx, -26, -22, 52, 36, 5);
      ctx.stroke();
      ctx.font = `bold 16px ${MONO}`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(">_", 0, -4);
      ctx.fillRect(-8, 16, 16, 5);
      break;
    case "scanner":
      ctx.beginPath();
      ctx.arc(-4, -6, 14, 0, Math.PI * 2);
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(6, 4);
      ctx.lineTo(20, 18);
      ctx.stroke();
      break;
    case "antenna":
      ctx.beginPath();
      ctx.moveTo(0, 22);
      ctx.lineTo(0, -10);
      ctx.stroke();
      for (let r = 8; r <= 20; r += 6) {
        ctx.beginPath();
        ctx.arc(0, -12, r, -Math.PI * 0.8, -Math.PI * 0.2);
        ctx.stroke();
      }
      break;
    case "portal":
      ctx.beginPath();
      ctx.ellipse(0, 0, 20, 26, 0, 0, Math.PI * 2);
      ctx.stroke();
      ctx.globalAlpha = 0.35;
      ctx.beginPath();
      ctx.ellipse(0, 0, 13, 18, 0, 0, Math.PI * 2);
      ctx.fill();
      break;
    case "taskboard":
      ctx.strokeRect(-24, -22, 48, 40);
      for (let i = 0; i < 3; i++) {
        ctx.fillRect(-16, -13 + i * 11, 6, 6);
        ctx.fillRect(-6, -12 + i * 11, 22, 3);
      }
      break;
    default:
      ctx.beginPath();
      ctx.arc(0, 0, 18, 0, Math.PI * 2);
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(0, 0, 6, 0, Math.PI * 2);
      ctx.fill();
  }
  ctx.restore();
}

export class WorkshopScene {
  /** `minTextPx`: the smallest the scene's text may be on screen, CSS px (0: as designed). */
  constructor(canvas, { minTextPx = 0 } = {}) {
    this.canvas = canvas;
    this.minTextPx = minTextPx;
    this.ctx = canvas.getContext("2d");
    this.widths = new Map(); // "font\ntext" -> measured width
    this.width = 0;
    this.height = 0;
    this.dpr = 1;
    this.staticLayer = null;
    this.staticKey = "";
    this.lastKey = "";
    this.transform = null;
  }

  /** Size the canvas to `width`×`height` CSS pixels at device pixel ratio `dpr`. */
  setViewport(width, height, dpr = 1) {
    const w = Math.max(1, Math.round(width));
    const h = Math.max(1, Math.round(height));
    if (w === this.width && h === this.height && dpr === this.dpr) return;
    this.width = w;
    this.height = h;
    this.dpr = dpr;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.lastKey = "";
    this.staticKey = "";
  }

  /** How many times the scene's text is enlarged at camera scale `scale` (1: not at all). */
  textScale(scale) {
    if (!this.minTextPx || !(scale > 0)) return 1;
    return Math.max(1, this.minTextPx / (SMALLEST_TEXT * scale));
  }

  /** Canvas CSS pixel → world point of the last drawn frame (for annotations on the scene). */
  toWorld(px, py) {
    const tf = this.transform;
    if (!tf) return null;
    return { x: (px - tf.x) / tf.scale, y: (py - tf.y) / tf.scale };
  }

  _static(zones, tf) {
    // the zones' sessions are in the key: the empty workshop drawn before the first events
    // land must not keep its bare "session" label once they name the session
    const key = `${this.width}x${this.height}@${this.dpr}:${zones.join("\u0000")}:${tf.scale.toFixed(4)},${tf.x.toFixed(1)},${tf.y.toFixed(1)}`;
    if (key === this.staticKey && this.staticLayer) return this.staticLayer;
    const layer = this.staticLayer || document.createElement("canvas");
    layer.width = this.canvas.width;
    layer.height = this.canvas.height;
    const ctx = layer.getContext("2d");
    const k = this.textScale(tf.scale);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const bg = ctx.createLinearGradient(0, 0, 0, this.height);
    bg.addColorStop(0, "#11161f");
    bg.addColorStop(1, "#0a0d13");
    ctx.fillStyle = bg;
    ctx.fillRect(0, 0, this.width, this.height);
    ctx.transform(tf.scale, 0, 0, tf.scale, tf.x, tf.y);
    zones.forEach((session, zone) => {
      const [ox, oy] = zoneOrigin(zone);
      ctx.save();
      ctx.shadowColor = "rgba(0,0,0,0.5)";
      ctx.shadowBlur = 30 * tf.scale;
      roundRect(ctx, ox, oy, ZONE_W, ZONE_H, 36);
      ctx.fillStyle = "#1a2130";
      ctx.fill();
      ctx.restore();
      ctx.save();
      roundRect(ctx, ox, oy, ZONE_W, ZONE_H, 36);
      ctx.clip();
      const tile = 50;
      for (let y = 0; y < ZONE_H; y += tile) {
        for (let x = 0; x < ZONE_W; x += tile) {
          if (((x + y) / tile) % 2 === 0) {
            ctx.fillStyle = "rgba(255,255,255,0.025)";
            ctx.fillRect(ox + x, oy + y, tile, tile);
          }
        }
      }
      ctx.restore();
      roundRect(ctx, ox, oy, ZONE_W, ZONE_H, 36);
      ctx.strokeStyle = "#2c3850";
      ctx.lineWidth = 3;
      ctx.stroke();
      ctx.fillStyle = "#6b7a93";
      ctx.font = `600 ${fontPx(20, k)} ${FONT}`;
      ctx.textAlign = "left";
      ctx.textBaseline = "top";
      // a share link's sessions are aliases ("shared-<hex>"): named by their hex like the rest
      const name = session ? `session ${String(session).replace(/^shared-/, "").slice(0, 8)}` : "session";
      ctx.fillText(zones.length > 1 ? `Zone ${zone + 1} · ${name}` : name, ox + 28, oy + 20);
      for (const station of STATIONS) {
        const [sx, sy] = stationPoint(zone, station.id);
        ctx.save();
        ctx.translate(sx, sy);
        ctx.shadowColor = "rgba(0,0,0,0.45)";
        ctx.shadowBlur = 16 * tf.scale;
        ctx.shadowOffsetY = 6 * tf.scale;
        roundRect(ctx, -44, -40, 88, 80, 16);
        ctx.fillStyle = "#232c3d";
        ctx.fill();
        ctx.shadowColor = "transparent";
        ctx.strokeStyle = `${station.color}66`;
        ctx.lineWidth = 2;
        ctx.stroke();
        drawStationIcon(ctx, station.id, station.color);
        ctx.fillStyle = "#a9b4c6";
        ctx.font = `500 ${fontPx(15, k)} ${FONT}`;
        ctx.textAlign = "center";
        // above the station: an agent stands at its front (below), where it would hide the name
        ctx.textBaseline = "bottom";
        ctx.fillText(station.label, 0, -46);
        ctx.restore();
      }
    });
    this.staticKey = key;
    this.staticLayer = layer;
    return layer;
  }

  /**
   * Draw the scene at replay time t. `camera`: the viewer's override `{zoom, panX, panY}` or
   * null to follow the recorded scene_state. Returns the frame's key (equal keys, equal pixels).
   */
  drawAt(model, t, camera = null) {
    const { key, state, tf, items } = this.frameAt(model, t, camera);
    this.transform = tf;
    if (key === this.lastKey) return key;
    this.lastKey = key;
    this._paint(state, tf, items);
    return key;
  }

  /** What drawAt(t) would paint, and its key, without painting (the exporter asks for many). */
  frameAt(model, t, camera = null) {
    const state = model.stateAt(t);
    const tf = cameraTransform(this.width, this.height, state.zones.length, camera ? null : state.camera, camera);
    const items = [];
    for (const agent of state.agents) {
      const [ax, ay] = stationPoint(agent.zone, agent.from);
      const [bx, by] = stationPoint(agent.zone, agent.station);
      const [ox, oy] = slotOffset(agent.slot);
      const k = ease(agent.walk);
      const walking = agent.walk < 1;
      const bob = walking ? Math.abs(Math.sin((agent.walk * WALK_MS) / 90)) * 6 : 0;
      const x = ax + (bx - ax) * k + ox;
      const y = ay + (by - ay) * k + oy - bob;
      const pulse = agent.activeFor >= 0 && !walking ? Math.floor((agent.activeFor % PULSE_MS) / (PULSE_MS / PULSE_STEPS)) / PULSE_STEPS : -1;
      items.push({
        agent,
        x: Math.round(x * 2) / 2,
        y: Math.round(y * 2) / 2,
        walking, // between stations: its label neither moves for a neighbour's nor moves one
        pulse,
        fade: Math.round(agent.fade * 10) / 10, // 10 steps: arriving and leaving need few pictures
        flash: Math.round(agent.flash * 15) / 15,
        speech: agent.speech ? `${agent.speech.kind}:${agent.speech.start}` : "",
        dots: agent.speech ? Math.floor(agent.speechAge / 400) % 4 : 0,
      });
    }
    this._placeLabels(items, tf); // a function of the items and tf: all in the key below
    const key = [
      this.width,
      this.height,
      this.dpr,
      tf.scale.toFixed(4),
      tf.x.toFixed(1),
      tf.y.toFixed(1),
      state.zones.join("\u0000"), // the zones' labels (the static layer)
      ...items.map(itemKey),
    ].join(";");
    return { key, state, tf, items };
  }

  /**
   * Where each item of a frameAt() frame paints, as canvas-pixel boxes [x0, y0, x1, y1, key]:
   * the video exporter keys tiles of the scene by the parts drawn over them. Each part of an
   * agent (body, label, speech bubble) and each busy station's glow has its own box, measured as
   * _agent and _paint lay them out, and a key made of only what its pixels depend on (not who
   * the agent is): equal keys, equal pixels, and a tile changes only when a part over it does.
   */
  footprints({ tf, items }) {
    const s = tf.scale * this.dpr;
    const k = this.textScale(tf.scale);
    const out = [];
    const box = (x, y, [x0, y0, x1, y1], key) => {
      const cx = (tf.x + x * tf.scale) * this.dpr;
      const cy = (tf.y + y * tf.scale) * this.dpr;
      out.push([cx + (x0 - EDGE) * s, cy + (y0 - EDGE) * s, cx + (x1 + EDGE) * s, cy + (y1 + EDGE) * s, key]);
    };
    for (const item of items) {
      const a = item.agent;
      if (item.pulse >= 0 || item.flash > 0) {
        const [sx, sy] = stationPoint(a.zone, a.station);
        box(sx, sy, [-GLOW_REACH, -GLOW_REACH, GLOW_REACH, GLOW_REACH], `glow:${sx},${sy}|${a.station}|${item.pulse}|${item.flash}`);
      }
      const r = agentRadius(a);
      const at = `${item.x},${item.y}|${item.fade}|${a.main}`;
      box(item.x, item.y, [-r - 2, -r - 2, r + 2, r * 1.25], `body:${at}|${item.flash > 0}`);
      const place = item.label;
      const { label } = place;
      const moved = place.dx || place.top !== r + LABEL_GAP ? `|${place.dx}|${place.top}` : "";
      box(item.x, item.y, place.box, `label:${at}|${label.name}|${label.tool}${moved}`);
      if (a.speech) {
        const bubble = this._bubbleText(a.speech, place.lift, item.dots, k);
        const dx = this._bubbleShift(item, tf, bubble.w, k);
        const [x0, y0, x1, y1] = bubble.box;
        const shifted = dx || place.lift !== r ? `|${dx}|${place.lift}` : "";
        box(item.x, item.y, [x0 + dx, y0, x1 + dx, y1], `bubble:${at}|${a.speech.kind}|${bubble.text}${shifted}`);
      }
    }
    return out;
  }

  /** The width of `text` in `font`, remembered: the exporter lays out every frame's labels. */
  _textWidth(font, text) {
    const key = `${font}\n${text}`;
    let width = this.widths.get(key);
    if (width === undefined) {
      if (this.widths.size >= 4096) this.widths.clear();
      this.ctx.font = font;
      width = this.ctx.measureText(text).width;
      this.widths.set(key, width);
    }
    return width;
  }

  /** An agent's label (name, tool): texts, fonts (enlarged `k` times) and its pill's size
   * (where it goes: _labelPlace). */
  _label(a, k = 1) {
    const name = shortText(a.label || "agent", 18);
    const tool = a.tool ? shortText(toolLabel(a.tool), 22) : "";
    const nameFont = `600 ${fontPx(a.main ? 15 : 13, k)} ${FONT}`;
    const toolFont = `500 ${fontPx(12, k)} ${FONT}`;
    let w = this._textWidth(nameFont, name);
    if (tool) w = Math.max(w, this._textWidth(toolFont, tool));
    const h = (tool ? 38 : 21) * k;
    const pad = 6 * k;
    return { name, tool, nameFont, toolFont, w, h, pad };
  }

  /**
   * Where an agent's label is drawn, in world units from the agent: `dx` sideways, `top` of its
   * pill, `box`, and `lift` (how far above the agent its speech bubble starts). Below the agent
   * unless that crosses the canvas's bottom edge, then above it (the bubble above the label);
   * moved sideways as far as needed to stay inside the canvas (a phone's enlarged label near a
   * side was cut off). An agent the viewer moved out of the canvas keeps its label with it.
   */
  _labelPlace(item, tf, label, r) {
    const below = r + LABEL_GAP;
    const [cx, cy] = [tf.x + item.x * tf.scale, tf.y + item.y * tf.scale];
    if (cx < 0 || cx > this.width || cy < 0 || cy > this.height) return this._labelAt(label, r, 0, false, below);
    const dx = this._shiftInside(item.x, tf, label.w + 2 * label.pad);
    const above = tf.y + (item.y + below + label.h) * tf.scale > this.height - MARGIN;
    return this._labelAt(label, r, dx, above, above ? -below - label.h : below);
  }

  /** A label's place `dx` sideways with its pill's top at `top`, above or below its agent. */
  _labelAt(label, r, dx, above, top) {
    const half = label.w / 2 + label.pad;
    return { label, dx, above, top, lift: above ? -top : r, box: [dx - half, top, dx + half, top + label.h] };
  }

  /**
   * Sets each item's `label` place: _labelPlace's, then, for a label moved sideways, off the
   * visible labels placed before it (_offNeighbours): a phone enlarges the labels of agents side
   * by side at a station past the space between them, and the one moved off the edge hid its
   * neighbour's. Labels that did not move are left as they were drawn before (a video's).
   * Agents are taken top to bottom, then left to right; only standing ones take part (a label
   * moved for a walking neighbour, or a walker's moved for them, followed its bob and jumped as
   * it passed: the labels flickered).
   */
  _placeLabels(items, tf) {
    const k = this.textScale(tf.scale);
    const placed = []; // the visible standing agents' label boxes, in world units
    for (const item of [...items].sort((p, q) => p.y - q.y || p.x - q.x)) {
      const r = agentRadius(item.agent);
      let place = this._labelPlace(item, tf, this._label(item.agent, k), r);
      if (item.walking) {
        item.label = place;
        continue;
      }
      if (place.dx) place = this._offNeighbours(item, tf, place, r, placed);
      const [x0, y0, x1, y1] = place.box;
      if (item.fade > 0) placed.push([item.x + x0, item.y + y0, item.x + x1, item.y + y1]);
      item.label = place;
    }
  }

  /**
   * `place` (an item's label) moved just past each box of `placed` it covers — below it, or
   * above it for a label above its agent — while it stays inside the canvas; at most as many
   * moves as there are boxes, so it cannot go round in circles.
   */
  _offNeighbours(item, tf, place, r, placed) {
    const h = place.label.h;
    for (let tries = placed.length; tries > 0; tries--) {
      const [x0, y0, x1, y1] = place.box;
      const hit = placed.find(([a0, b0, a1, b1]) => item.x + x0 < a1 && a0 < item.x + x1 && item.y + y0 < b1 && b0 < item.y + y1);
      if (!hit) break;
      const top = (place.above ? hit[1] - LABEL_GAP - h : hit[3] + LABEL_GAP) - item.y;
      const [from, to] = [tf.y + (item.y + top) * tf.scale, tf.y + (item.y + top + h) * tf.scale];
      if (from < MARGIN || to > this.height - MARGIN) break;
      place = this._labelAt(place.label, r, place.dx, place.above, top);
    }
    return place;
  }

  /** A speech bubble's text, font and size as drawn `r` world units above an agent's center
   * (text enlarged `k` times: fewer characters), and its box. */
  _bubbleText(speech, r, dots, k = 1) {
    const chars = k > 1 ? Math.max(18, Math.round(BUBBLE_CHARS / Math.sqrt(k))) : BUBBLE_CHARS;
    const text = speech.kind === "think" ? `thinking${".".repeat(dots)}` : shortText(speech.text || "…", chars);
    const font = `${speech.kind === "think" ? "italic " : ""}${fontPx(13, k)} ${FONT}`;
    const w = Math.min(300 * k, this._textWidth(font, text) + 20 * k);
    const h = 28 * k;
    const y = -r - 12 - h;
    return { text, font, w, h, y, box: [-w / 2, y, w / 2, -r - 4] };
  }

  /** How far (world units) a bubble `w` wide moves sideways to stay inside the canvas: only
   * when the text is enlarged (on a small screen; a video's frames keep their design). */
  _bubbleShift(item, tf, w, k) {
    return k > 1 ? this._shiftInside(item.x, tf, w) : 0;
  }

  /** How far (world units, in half units) a part `w` wide centred on world x `x` moves
   * sideways to keep MARGIN px from the canvas's sides (the left side wins if both cross). */
  _shiftInside(x, tf, w) {
    const cx = tf.x + x * tf.scale;
    const half = (w / 2) * tf.scale;
    let dx = 0;
    if (cx + half > this.width - MARGIN) dx = this.width - MARGIN - (cx + half);
    if (cx - half + dx < MARGIN) dx = MARGIN - (cx - half);
    return Math.round((dx / tf.scale) * 2) / 2;
  }

  _paint(state, tf, items) {
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this._static(state.zones, tf), 0, 0);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.transform(tf.scale, 0, 0, tf.scale, tf.x, tf.y);
    // busy stations glow; failed calls flash red
    for (const item of items) {
      const a = item.agent;
      if (item.pulse < 0 && item.flash <= 0) continue;
      const [sx, sy] = stationPoint(a.zone, a.station);
      const color = item.flash > 0 ? ERROR_COLOR : stationById(a.station).color;
      ctx.save();
      ctx.translate(sx, sy);
      roundRect(ctx, -46, -42, 92, 84, 17);
      ctx.strokeStyle = color;
      ctx.lineWidth = 4;
      ctx.globalAlpha = item.flash > 0 ? 0.4 + 0.6 * item.flash : 1;
      ctx.stroke();
      if (item.pulse >= 0) {
        ctx.globalAlpha = 0.6 * (1 - item.pulse);
        ctx.beginPath();
        ctx.arc(0, 0, 50 + item.pulse * 40, 0, Math.PI * 2);
        ctx.lineWidth = 3;
        ctx.stroke();
      }
      ctx.restore();
    }
    // agents, back to front
    const sorted = [...items].sort((p, q) => p.y - q.y);
    const k = this.textScale(tf.scale);
    for (const item of sorted) this._agent(ctx, item, tf, k);
  }

  _agent(ctx, item, tf, k) {
    const a = item.agent;
    const r = agentRadius(a);
    const body = a.main ? "#ffb86b" : "#8be9fd";
    ctx.save();
    ctx.globalAlpha = Math.max(0, Math.min(1, item.fade));
    ctx.translate(item.x, item.y);
    ctx.fillStyle = "rgba(0,0,0,0.35)";
    ctx.beginPath();
    ctx.ellipse(0, r * 0.95, r * 0.9, r * 0.3, 0, 0, Math.PI * 2);
    ctx.fill();
    const g = ctx.createRadialGradient(-r * 0.35, -r * 0.4, r * 0.2, 0, 0, r);
    g.addColorStop(0, "#fff6e8");
    g.addColorStop(0.25, body);
    g.addColorStop(1, a.main ? "#c26a1b" : "#2b8ea8");
    ctx.fillStyle = g;
    ctx.beginPath();
    ctx.arc(0, 0, r, 0, Math.PI * 2);
    ctx.fill();
    if (item.flash > 0) {
      ctx.strokeStyle = ERROR_COLOR;
      ctx.lineWidth = 3;
      ctx.stroke();
    }
    ctx.fillStyle = "#1b1f27";
    ctx.beginPath();
    ctx.arc(-r * 0.32, -r * 0.12, r * 0.12, 0, Math.PI * 2);
    ctx.arc(r * 0.32, -r * 0.12, r * 0.12, 0, Math.PI * 2);
    ctx.fill();
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    // labels on a dark pill: legible where they cross a station's label or another agent
    const { label, box, top, dx, lift } = item.label;
    const { name, tool, nameFont, toolFont, h } = label;
    ctx.fillStyle = "rgba(13,17,23,0.78)";
    roundRect(ctx, box[0], top, box[2] - box[0], h, 6 * k);
    ctx.fill();
    ctx.font = nameFont;
    ctx.fillStyle = "#e6ebf2";
    ctx.fillText(name, dx, top + 3 * k);
    if (tool) {
      ctx.font = toolFont;
      ctx.fillStyle = "#9fb0c8";
      ctx.fillText(tool, dx, top + 21 * k);
    }
    if (a.speech) this._bubble(ctx, a.speech, lift, item, tf, k);
    ctx.restore();
  }

  _bubble(ctx, speech, lift, item, tf, k) {
    const { text, font, w, h, y } = this._bubbleText(speech, lift, item.dots, k);
    const dx = this._bubbleShift(item, tf, w, k);
    ctx.font = font;
    ctx.fillStyle = speech.kind === "prompt" ? "#2f4a7a" : "#f1f4f9";
    roundRect(ctx, dx - w / 2, y, w, h, 10 * k);
    ctx.fill();
    // the tail stays under the agent, inside the bubble however far it moved
    const tail = dx === 0 ? 0 : Math.max(dx - w / 2 + 10 * k + 6, Math.min(dx + w / 2 - 10 * k - 6, 0));
    ctx.beginPath();
    ctx.moveTo(tail - 6, y + h);
    ctx.lineTo(0, y + h + 8);
    ctx.lineTo(tail + 6, y + h);
    ctx.fill();
    ctx.fillStyle = speech.kind === "prompt" ? "#f1f4f9" : "#1b1f27";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(text, dx, y + h / 2, w - 12 * k);
  }
}
