// The video export's render page (static/export.html): the player's composition without
// controls, at the viewport's size, driven frame by frame by the exporter through
// window.vibecastExport (the render contract in docs/player.md):
//
//   ready: Promise<void>                                   modules loaded
//   load({replay, events, annotations, images}) → {durationMs}
//                                                          data given directly, no network;
//                                                          images: sha256s served at /attachments/
//   renderAt(ms) → signature                               the player's state at ms, painted;
//                                                          same ms → same pixels, whatever came before
//
// and, for the exporter's fast path (no waiting for animation frames: a CDP screenshot makes
// its own fresh compositor frame):
//
//   regions() → {name: [x, y, w, h]}          the boxes that change (header, scene tiles, panel, bar tiles)
//   regionKeys(times) → JSON {strings, frames} each region's picture key at each time, nothing drawn
//                                             (frames[i][region] indexes strings)
//   drawAt(ms) → signature                    draw the state at ms now, without waiting for a paint
//   readCanvases([[ms, [name]]]) → JSON [[jpeg data URL | null]]
//                                             draw at each ms and read canvas regions back (null:
//                                             not a canvas alone there, e.g. pop-ups over the scene)
//   headerAtlas(times) → JSON {keys, boxes}   copies of the header, each with the clock of one of
//                                             the next distinct header keys at `times`, stacked over
//                                             the page for one screenshot (drawAt/renderAt remove it)

import { Timeline } from "./player/timeline.js";
import { Composition } from "./ui/composition.js";

function nextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
}

let composition = null;
let timeline = null;

// The attached images the exporter serves (sha256 -> element), loaded and decoded before the
// first frame and kept: the panel's <img> then finds each in the document's available images
// and paints it in the very frame it appears in, as the player shows it once loaded.
let images = new Map();

async function loadImages(shas) {
  images = new Map();
  await Promise.all(
    shas.map(async (sha) => {
      const img = new Image();
      img.src = `/attachments/${sha}`;
      try {
        await img.decode();
        images.set(sha, img);
      } catch {
        // not an image the browser can show: the panel says what it was, as the player does
      }
    }),
  );
}

async function load({ replay, events, annotations, images: shas = [] } = {}) {
  if (!replay || typeof replay !== "object") throw new Error("load: replay is required");
  if (!Array.isArray(events)) throw new Error("load: events must be an array");
  await loadImages(Array.isArray(shas) ? shas : []);
  timeline = new Timeline(Math.max(0, (replay.metadata && replay.metadata.duration_ms) || 0));
  timeline.insert(events, 0, Number.MAX_SAFE_INTEGER);
  timeline.coverage = [[0, Number.MAX_SAFE_INTEGER]];
  const attachmentUrl = (sha) => (images.has(sha) ? images.get(sha).src : null);
  composition = new Composition({ timeline, interactive: false, attachmentUrl, imageDecoding: "sync" });
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
  clearAtlas();
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

// The scene is read in tiles too, each keyed by the scene's items over it (WorkshopScene
// footprints): a walking agent or a pulsing station changes a few tiles, not the whole scene.
const STAGE_TILE = 128;

function stageTiles() {
  const { width, height } = composition.canvas;
  const tiles = [];
  for (let y = 0; y < height; y += STAGE_TILE) {
    for (let x = 0; x < width; x += STAGE_TILE) tiles.push([x, y, Math.min(width, x + STAGE_TILE), Math.min(height, y + STAGE_TILE)]);
  }
  return tiles;
}

function stageTileKeys(t) {
  const scene = composition.scene;
  const frame = scene.frameAt(composition.model, t, composition.camera);
  const base = `${frame.key.split(";", 6).join(",")}#${composition.popupsAt(t).key}#`;
  const { width, height } = composition.canvas;
  const cols = Math.ceil(width / STAGE_TILE);
  const rows = Math.ceil(height / STAGE_TILE);
  const over = Array.from({ length: cols * rows }, () => "");
  for (const [x0, y0, x1, y1, key] of scene.footprints(frame)) {
    const c0 = Math.max(0, Math.floor(x0 / STAGE_TILE));
    const c1 = Math.min(cols - 1, Math.floor(x1 / STAGE_TILE));
    const r0 = Math.max(0, Math.floor(y0 / STAGE_TILE));
    const r1 = Math.min(rows - 1, Math.floor(y1 / STAGE_TILE));
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) over[r * cols + c] += `${key};`;
  }
  return over.map((items) => base + items);
}

function regions() {
  clampTime(0);
  const out = {};
  for (const [name, node] of Object.entries(composition.regions())) {
    const r = node.getBoundingClientRect();
    const x = Math.floor(r.left);
    const y = Math.floor(r.top);
    const box = [x, y, Math.ceil(r.right) - x, Math.ceil(r.bottom) - y];
    if (name === "bar") barTiles().forEach(([from, to], i) => (out[`bar:${i}`] = [x + from, y, to - from, box[3]]));
    else if (name === "stage") stageTiles().forEach(([x0, y0, x1, y1], i) => (out[`stage:${i}`] = [x + x0, y + y0, x1 - x0, y1 - y0]));
    else out[name] = box;
  }
  return out;
}

// Keys travel as {strings, frames}: each distinct key once, and per frame the index of each
// region's key in `strings` (a 1080p frame has over a hundred regions, most keys repeat).
function regionKeys(times) {
  composition.layout(1);
  const tiles = barTiles();
  const order = Object.keys(composition.regions());
  const strings = [];
  const index = new Map();
  const ref = (key) => {
    let i = index.get(key);
    if (i === undefined) {
      i = strings.push(key) - 1;
      index.set(key, i);
    }
    return i;
  };
  const frames = times.map((ms) => {
    const t = clampTime(ms);
    const { bar, stage, ...keys } = composition.regionKeysAt(t);
    return order.flatMap((name) => {
      if (name === "bar") return tiles.map(([from, to]) => ref(composition.bar.tileKeyAt(timeline, t, from, to)));
      if (name === "stage") return stageTileKeys(t).map(ref);
      return [ref(keys[name])];
    });
  });
  return JSON.stringify({ strings, frames }); // one string: much faster through the driver than nested arrays
}

const JPEG_QUALITY = 0.9;

const scratch = document.createElement("canvas");

/** A region's pixels from the canvas that alone paints it now, as a JPEG data URL, or null
 * (DOM over it, or not a canvas). */
function readCanvas(name) {
  const [kind, index] = name.split(":");
  let source = null;
  let box = null;
  if (kind === "stage" && !composition.popups.childElementCount) {
    source = composition.canvas;
    box = stageTiles()[Number(index)];
  } else if (kind === "bar") {
    source = composition.bar.canvas;
    const [from, to] = barTiles()[Number(index)];
    box = [from, 0, to, source.height];
  }
  if (!source || !box) return null;
  const [x0, y0, x1, y1] = box;
  scratch.width = x1 - x0;
  scratch.height = y1 - y0;
  scratch.getContext("2d").drawImage(source, x0, y0, x1 - x0, y1 - y0, 0, 0, x1 - x0, y1 - y0);
  return scratch.toDataURL("image/jpeg", JPEG_QUALITY);
}

function readCanvases(items) {
  composition.layout(1);
  const urls = items.map(([ms, names]) => {
    composition.renderAt(clampTime(ms));
    return names.map(readCanvas);
  });
  return JSON.stringify(urls); // one string: the driver validates nested values one by one
}

// The header changes once a second (its clock) and a screenshot costs a compositor frame (~30 ms)
// whatever its size: so the pictures of many seconds' headers are taken at once, from copies of
// the header laid out exactly like it (same width, same 48 px row, on whole pixels: the same
// glyph positions), stacked over the page. tests/export/test_regions.py checks that they equal
// the page's own header at the same times.
let atlas = null;

function clearAtlas() {
  if (atlas) atlas.remove();
  atlas = null;
}

function headerAtlas(times) {
  clearAtlas();
  const header = composition.header;
  const box = header.getBoundingClientRect();
  const width = Math.round(box.width);
  const height = Math.round(box.height);
  const capacity = Math.max(1, Math.floor(window.innerHeight / height));
  const keys = [];
  const clocks = [];
  const seen = new Set();
  for (const ms of times) {
    const t = clampTime(ms);
    const key = composition.headerKeyAt(t);
    if (seen.has(key)) continue;
    seen.add(key);
    keys.push(key);
    clocks.push(composition.clockAt(t));
    if (keys.length >= capacity) break;
  }
  atlas = document.createElement("div");
  atlas.style.cssText =
    `position:fixed;left:${Math.round(box.left)}px;top:0;width:${width}px;z-index:2147483647;` +
    `display:grid;grid-template-rows:repeat(${keys.length},${height}px);background:var(--bg)`;
  for (const clock of clocks) {
    const copy = header.cloneNode(true);
    copy.querySelector(".clock").textContent = clock;
    atlas.append(copy);
  }
  document.body.append(atlas);
  const boxes = keys.map((_, i) => [Math.round(box.left), i * height, width, height]);
  return JSON.stringify({ keys, boxes });
}

window.vibecastExport = { ready: Promise.resolve(), load, renderAt, drawAt, regions, regionKeys, readCanvases, headerAtlas };
