// The video export's render page (static/export.html): the player's composition without
// controls, at the viewport's size, driven frame by frame by the exporter through
// window.vibecastExport (the render contract in docs/player.md):
//
//   ready: Promise<void>                                   modules loaded
//   load({replay, events, annotations}) → {durationMs}     data given directly, no network
//   renderAt(ms) → signature                               the player's state at ms, painted;
//                                                          same ms → same pixels, whatever came before

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

async function renderAt(ms) {
  if (!composition) throw new Error("renderAt: call load() first");
  const t = Math.max(0, Math.min(Number(ms) || 0, timeline.durationMs));
  composition.layout(1);
  const signature = composition.renderAt(t);
  await nextPaint();
  return signature;
}

window.vibecastExport = { ready: Promise.resolve(), load, renderAt };
