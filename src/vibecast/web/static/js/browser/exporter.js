// Video export from the browser, once the server offers it (the export issue): start a job,
// follow its progress, offer the download. Without it the button stays disabled and says why.

import { cancelExport, downloadPath, exportStatus, features, queuedText, startExport } from "../api.js";
import { el, replaceChildren } from "./dom.js";

const POLL_MS = 1000;

/** Whether this server runs exports (its `/api/health` features, asked once per page). */
export async function exportAvailable() {
  return (await features()).has("export");
}

/** A panel that runs one export of `replay` and shows how it goes. */
export function exportPanel(replay, report) {
  const status = el("p", { class: "vb-export-status", role: "status" }, "Starting the export…");
  const cancel = el("button", { type: "button", class: "vb-button vb-export-cancel", hidden: true }, "Cancel");
  const panel = el("div", { class: "vb-export", role: "region", "aria-label": "Export" }, status, cancel);
  const follow = async (jobId) => {
    panel.dataset.jobId = jobId;
    cancel.hidden = false;
    cancel.addEventListener("click", () => cancelExport(jobId).catch(report));
    for (;;) {
      let job;
      try {
        job = await exportStatus(jobId);
      } catch (err) {
        report(err);
        return;
      }
      if (job.status === "complete") {
        const href = downloadPath(job.download_url);
        const link = href ? el("a", { href, class: "vb-button vb-primary", download: "" }, "Download video") : null;
        replaceChildren(panel, el("p", { class: "vb-export-status", role: "status" }, "Video ready."), link);
        return;
      }
      if (job.status === "failed" || job.status === "cancelled") {
        cancel.hidden = true;
        status.textContent = `Export ${job.status}${job.error ? `: ${job.error}` : "."}`;
        return;
      }
      const progress = Number.isFinite(job.progress) ? ` ${Math.round(job.progress * 100)} %` : "";
      status.textContent = job.status === "queued" ? queuedText(job) : `Export ${job.status}${progress}…`;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (!panel.isConnected) return;
    }
  };
  startExport(replay.id, { format: "mp4", resolution: "1080p" })
    .then((job) => follow(job.job_id))
    .catch((err) => {
      status.textContent = "The export could not start.";
      report(err);
    });
  return panel;
}
