// Video export from the browser, once the server offers it (the export issue): choose the
// format and resolution, start a job, follow its progress, stop it, offer the download — the
// job run by `ExportJob` (api.js) as in the player's Export dialog. Without the feature the
// card's button stays disabled and says why.

import { ExportJob, features, startExport } from "../api.js";
import { el } from "./dom.js";

/** Whether this server runs exports (its `/api/health` features, asked once per page). */
export async function exportAvailable() {
  return (await features()).has("export");
}

const panels = new Map(); // replay id → its panel, for the page's life

/**
 * The export panel of `replay`: built the first time it is asked for, then the same one, with
 * its job, however often it is closed and reopened and whichever card shows it (the list is
 * rebuilt on every search, page and live refresh). Opening it starts nothing. `{root, shown()}`:
 * call `shown()` once `root` is in the page, to ask the running job's state at once.
 */
export function exportPanel(replay) {
  let panel = panels.get(replay.id);
  if (!panel) {
    panel = buildPanel(replay);
    panels.set(replay.id, panel);
  }
  return panel;
}

/** The panel of `replayId` if one was built, else null. */
export function existingExportPanel(replayId) {
  return panels.get(replayId) || null;
}

function buildPanel(replay) {
  const option = (value, text) => el("option", { value }, text);
  const format = el("select", { class: "vb-select vb-export-format", "aria-label": "Format" }, option("mp4", "MP4 (H.264)"), option("webm", "WebM (VP9)"));
  const resolution = el("select", { class: "vb-select vb-export-resolution", "aria-label": "Resolution" }, option("1080p", "1080p"), option("720p", "720p"));
  const start = el("button", { type: "button", class: "vb-button vb-primary vb-export-start" }, "Export");
  const stop = el("button", { type: "button", class: "vb-button vb-export-cancel", title: "Stop this export (no video is made)", hidden: true }, "Stop export");
  const bar = el("progress", { class: "vb-export-progress", max: "1", "aria-label": "Export progress", hidden: true });
  const status = el("p", { class: "vb-export-status", role: "status" });
  const download = el("a", { class: "vb-button vb-primary vb-export-download", download: "", hidden: true }, "Download video");
  const root = el(
    "div",
    { class: "vb-export", role: "region", "aria-label": "Export video" },
    el("div", { class: "vb-export-row" }, format, resolution, start, stop),
    bar,
    el("div", { class: "vb-export-outcome" }, status, download),
  );
  const render = (state) => {
    if (state.jobId) root.dataset.jobId = state.jobId;
    start.disabled = format.disabled = resolution.disabled = state.busy;
    stop.hidden = !state.following; // following: a started job, still running
    stop.disabled = state.stopping;
    bar.hidden = !state.following;
    if (state.progress !== null) bar.value = state.progress;
    else bar.removeAttribute("value"); // indeterminate while waiting for the exporter
    status.textContent = state.text;
    status.hidden = !state.text;
    download.hidden = !state.href;
    if (state.href) download.setAttribute("href", state.href);
    else download.removeAttribute("href");
  };
  const job = new ExportJob((options) => startExport(replay.id, options), { onChange: render, seen: () => root.isConnected });
  start.addEventListener("click", () => job.start({ format: format.value, resolution: resolution.value }));
  stop.addEventListener("click", () => job.cancel());
  render(job.state);
  return { root, shown: () => job.refresh() };
}
