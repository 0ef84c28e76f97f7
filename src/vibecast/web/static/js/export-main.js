// The video export's render page (static/export.html): the player's composition without
// controls, at the viewport's size, driven frame by frame by the exporter through
// window.vibecastExport (the render contract in docs/player.md):
//
//   ready: Promise<void>                                   modules loaded
//   load({replay, events, annotations}) → {durationMs}     data given directly, no network
//   renderAt(ms) → signature                               the player's state at ms, painted;
//                                                          same ms → same pixels, whatever came before
//
// and, for the exporter's fast path (no waiting for animation frames: a CDP screenshot makes
// its own fresh compositor frame):
//
//   regions() → {name: [x, y, w, h]}          the boxes that change (header, stage, panel, bar tiles)
//   regionKeys(times) → [[key per region]]    each region's picture key at each time, nothing drawn
//   drawAt(ms) → signature                    draw the state at ms now, without waiting for a paint
//   readCanvases([[ms, [name]]]) → [[jpeg data URL | null]]
//                                             draw at each ms and read canvas regions back (null:
//                                             not a canvas alone there, e.g. pop-ups over the scene)

import { Timeline } from "./player/timeline.js";
import { Composition } from "./ui/composition.js";

function nextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
}

let composition = null;
let timeline = null;

async function load({ replay, events, annotations } = {}) {
  if (!replay || typeof replay !== "object") throw new Error("load: replay is required");
  if (!Array.isArray(events)) throw new Error("load: events must be an array");
  timeline = new Timeline(Math.max(0, (replay.metadata && replay.metadata.duration_ms) || 0));
  timeline.insert(events, 0, Number.MAX_SAFE_INTEGER);
  timeline.coverage = [[0, Number.MAX_SAFE_INTEGER]];
  composition = new Composition({ timeline, interactive: false });
  composition.setTitle(replay.title || (replay.metadata && replay.metadata.session_name) || "");
  composition.setAnnotations(Array.isArray(annotations) ? annotations : []);
  document.getElementById("app").replaceChildren(composition.root);
  if (document.fonts) await document.fonts.ready;
  await nextPaint();
  composition.layout(1);
  composition.renderAt(0); // warm up: the first frame the exporter asks for is then like any other
  await nextPaint();
  return { durationMs: timeline.durationMs };
}

function clampTime(ms) {
  if (!composition) throw new Error("call load() first");
  return Math.max(0, Math.min(Number(ms) || 0, timeline.durationMs));
}

function drawAt(ms) {
  const t = clampTime(ms);
  composition.layout(1);
  return composition.renderAt(t);
}

async function renderAt(ms) {
  const signature = drawAt(ms);
  await nextPaint();
  return signature;
}

// The timeline bar is read in vertical tiles: as the playhead moves, one or two tiles change
// and the others keep a picture already taken (played, or not yet).
const BAR_TILE = 80;

function barTiles() {
  const width = composition.bar.canvas.width;
  const tiles = [];
  for (let from = 0; from < width; from += BAR_TILE) tiles.push([from, Math.min(width, from + BAR_TILE)]);
  return tiles;
}

function regions() {
  clampTime(0);
  const out = {};
  for (const [name, node] of Object.entries(composition.regions())) {
    const r = node.getBoundingClientRect();
    const x = Math.floor(r.left);
    const y = Math.floor(r.top);
    const box = [x, y, Math.ceil(r.right) - x, Math.ceil(r.bottom) - y];
    if (name !== "bar") out[name] = box;
    else barTiles().forEach(([from, to], i) => (out[`bar:${i}`] = [x + from, y, to - from, box[3]]));
  }
  return out;
}

function regionKeys(times) {
  composition.layout(1);
  const tiles = barTiles();
  return times.map((ms) => {
    const t = clampTime(ms);
    const { bar, ...keys } = composition.regionKeysAt(t);
    return [...Object.values(keys), ...tiles.map(([from, to]) => composition.bar.tileKeyAt(timeline, t, from, to))];
  });
}

const JPEG_QUALITY = 0.9;

const scratch = document.createElement("canvas");

/** A region's pixels from the canvas that alone paints it now, as a JPEG data URL, or null
 * (DOM over it, or not a canvas). */
function readCanvas(name) {
  if (name === "stage") return composition.popups.childElementCount ? null : composition.canvas.toDataURL("image/jpeg", JPEG_QUALITY);
  if (!name.startsWith("bar:")) return null;
  const [from, to] = barTiles()[Number(name.slice(4))];
  const bar = composition.bar.canvas;
  scratch.width = to - from;
  scratch.height = bar.height;
  scratch.getContext("2d").drawImage(bar, from, 0, to - from, bar.height, 0, 0, to - from, bar.height);
  return scratch.toDataURL("image/jpeg", JPEG_QUALITY);
}

function readCanvases(items) {
  composition.layout(1);
  return items.map(([ms, names]) => {
    composition.renderAt(clampTime(ms));
    return names.map(readCanvas);
  });
}

window.vibecastExport = { ready: Promise.resolve(), load, renderAt, drawAt, regions, regionKeys, readCanvases };
