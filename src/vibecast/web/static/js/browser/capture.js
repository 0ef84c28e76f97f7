// "New recording": how recording starts (Claude Code hooks), and whether it is set up here.

import { request } from "../api.js";
import { el, replaceChildren } from "./dom.js";

function line(ok, text) {
  return el("li", { class: ok ? "vb-ok" : "vb-missing" }, el("span", { class: "vb-mark", "aria-hidden": "true" }, ok ? "✓" : "✗"), text);
}

/** The panel; fills itself from GET /api/capture/status. */
export function capturePanel() {
  const facts = el("ul", { class: "vb-capture-facts" }, el("li", {}, "Checking…"));
  const panel = el(
    "section",
    { class: "vb-capture", id: "vb-capture", "aria-labelledby": "vb-capture-title", hidden: true },
    el("h2", { id: "vb-capture-title" }, "New recording"),
    el(
      "p",
      {},
      "vibecast records every Claude Code session on this machine through Claude Code's hooks. Install them once:",
    ),
    el("pre", { class: "vb-command" }, el("code", {}, "vibecast hooks install")),
    el(
      "p",
      {},
      "Then start Claude Code as usual: the session appears here, marked live, while it runs. ",
      "Past sessions can be imported with ",
      el("code", {}, "vibecast import"),
      ".",
    ),
    facts,
  );
  request("GET", "/api/capture/status")
    .then((status) => {
      if (status.mode === "server") {
        // Hooks spool on the machine that runs Claude Code; a recorder there writes into this
        // server's database as its user (docs/operations.md, "Team capture").
        const you = document.body.dataset.userName || "NAME";
        replaceChildren(
          facts,
          el("li", {}, "On the machine where you run Claude Code, with VIBECAST_DATABASE_URL set to this server's database:"),
          el("li", {}, el("pre", { class: "vb-command" }, el("code", {}, `vibecast hooks install\nvibecast --user ${you} record`))),
          el("li", {}, status.recorder_running
            ? "This server's own machine is recorded too (its sessions, not yours)."
            : "This server does not record its own machine."),
        );
        return;
      }
      const items = [
        line(status.hooks_installed, status.hooks_installed ? "Capture hooks are installed." : "Capture hooks are not installed: run vibecast hooks install."),
      ];
      if (status.hooks_installed && status.hooks_missing.length) {
        items.push(line(false, `Some events are not captured yet: ${status.hooks_missing.join(", ")}.`));
      }
      if (status.hooks_installed && !status.programs_present) {
        items.push(line(false, "The hook program is missing: run vibecast hooks install again."));
      }
      items.push(line(status.recorder_running, status.recorder_running ? "The recorder is running." : "The recorder is not running (vibecast serve or vibecast record starts it)."));
      if (status.spool_events) items.push(el("li", {}, `${status.spool_events} captured events wait to be recorded.`));
      if (status.settings_error) items.push(line(false, status.settings_error));
      replaceChildren(facts, items);
      panel.dataset.hooks = status.hooks_installed ? "installed" : "missing";
    })
    .catch(() => replaceChildren(facts, el("li", {}, "Could not ask the server whether capture is set up.")));
  return panel;
}
