// Video export from the browser, once the server offers it (the export issue): start a job,
// follow its progress, offer the download. Without it the button stays disabled and says why.

import { cancelExport, exportStatus, features, jobView, startExport } from "../api.js";
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
      const view = jobView(job);
      if (view.href) {
        const link = el("a", { href: view.href, class: "vb-button vb-primary", download: "" }, "Download video");
        replaceChildren(panel, el("p", { class: "vb-export-status", role: "status" }, view.text), link);
        return;
      }
      status.textContent = view.text;
      if (view.ended) {
        cancel.hidden = true;
        return;
      }
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
