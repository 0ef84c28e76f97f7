// The replay browser ("My Replays", `/`): the caller's replays newest first, searched and
// filtered by the API, a page at a time; live recordings marked; a "New recording" panel.

import { listReplays } from "../api.js";
import { capturePanel } from "./capture.js";
import { replayCard } from "./card.js";
import { el, replaceChildren } from "./dom.js";
import { exportAvailable } from "./exporter.js";
import { apiQuery, FIELDS, filterForm, offerTools, PAGE_SIZE, readFilters, writeFilters } from "./filters.js";

const LIVE_REFRESH_MS = 5000;

function header(body, onNewRecording) {
  const user = body.dataset.userName;
  const account =
    body.dataset.mode === "server" && user
      ? el(
          "form",
          { method: "post", action: "/logout", class: "vb-account" },
          el("span", {}, "Logged in as ", el("b", {}, user)),
          el("button", { type: "submit", class: "vb-button" }, "Log out"),
        )
      : null;
  return el(
    "header",
    { class: "vb-header" },
    el("h1", {}, "My Replays"),
    el(
      "div",
      { class: "vb-header-actions" },
      el("button", { type: "button", class: "vb-button vb-primary", id: "vb-new-recording", onclick: onNewRecording }, "New recording"),
      account,
    ),
  );
}

function main() {
  const body = document.body;
  const app = document.getElementById("app");
  let filters = readFilters();
  let refreshTimer = null;
  let loading = 0;

  const message = el("div", { class: "vb-message", role: "alert", hidden: true });
  const summary = el("p", { class: "vb-summary", role: "status" });
  const list = el("ol", { class: "vb-list", id: "vb-list", "aria-label": "Replays" });
  const pager = el("nav", { class: "vb-pager", "aria-label": "Pages" });
  const capture = capturePanel();

  const report = (err) => {
    message.hidden = false;
    message.textContent = err && err.message ? err.message : String(err);
  };

  const load = async () => {
    const ticket = ++loading;
    writeFilters(filters);
    let page;
    let canExport;
    try {
      [page, canExport] = await Promise.all([listReplays(apiQuery(filters)), exportAvailable()]);
    } catch (err) {
      if (ticket === loading) report(err);
      return;
    }
    if (ticket !== loading) return; // a newer search answered first
    message.hidden = true;
    if (page.replays.length === 0 && page.total > 0 && filters.offset > 0) {
      filters = { ...filters, offset: Math.max(0, page.total - PAGE_SIZE) }; // past the end
      load();
      return;
    }
    offerTools(form, page.replays);
    const context = {
      canExport,
      report,
      onDeleted: () => load(),
    };
    replaceChildren(list, page.replays.map((replay) => replayCard(replay, context)));
    const filtered = FIELDS.some((k) => filters[k]);
    if (page.total === 0) {
      summary.textContent = filtered ? "No replay matches these filters." : "No replays yet.";
      if (!filtered) capture.hidden = false;
    } else {
      const first = page.offset + 1;
      const last = page.offset + page.replays.length;
      summary.textContent = `${first}–${last} of ${page.total} replay${page.total === 1 ? "" : "s"}`;
    }
    renderPager(page);
    clearTimeout(refreshTimer);
    if (page.replays.some((r) => r.status === "recording")) {
      refreshTimer = setTimeout(load, LIVE_REFRESH_MS); // live durations and counts move
    }
    body.dataset.loaded = "true";
  };

  const go = (offset) => {
    filters = { ...filters, offset };
    load();
  };

  const renderPager = (page) => {
    const previous = el("button", { type: "button", class: "vb-button vb-prev", disabled: page.offset <= 0, onclick: () => go(Math.max(0, page.offset - PAGE_SIZE)) }, "← Newer");
    const next = el("button", { type: "button", class: "vb-button vb-next", disabled: page.offset + page.replays.length >= page.total, onclick: () => go(page.offset + PAGE_SIZE) }, "Older →");
    replaceChildren(pager, previous, next);
  };

  const form = filterForm(filters, (next) => {
    filters = next;
    load();
  });

  replaceChildren(
    app,
    header(body, () => {
      capture.hidden = !capture.hidden;
      if (!capture.hidden) capture.scrollIntoView({ block: "nearest" });
    }),
    capture,
    form,
    message,
    summary,
    list,
    pager,
  );
  load();
}

main();
