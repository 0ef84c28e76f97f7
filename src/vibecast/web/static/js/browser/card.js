// One replay in the list: what it is (title, live mark, date, duration, counts, tools) and what
// can be done with it (Play, Share, Export, Delete with a confirmation inside the page).

import { deleteReplay } from "../api.js";
import { el, isLocalUrl, replaceChildren } from "./dom.js";
import { existingExportPanel, exportPanel } from "./exporter.js";
import { dateTime, duration, plural, recordedAt, titleOf, topTools } from "./format.js";
import { sharePanel } from "./share.js";

/**
 * The replay's picture: its thumbnail, drawn by the server on first request for a finished
 * replay that has none yet (where the server can draw: the export feature), else a mark.
 */
function thumbnailOf(replay, live, canExport) {
  const mark = () => el("div", { class: "vb-thumb vb-thumb-empty", "aria-hidden": "true" }, live ? "●" : "▶");
  let url = isLocalUrl(replay.thumbnail_url) ? replay.thumbnail_url : null;
  if (!url && !live && canExport) url = `/api/replays/${encodeURIComponent(replay.id)}/thumbnail`;
  if (!url) return mark();
  const image = el("img", { class: "vb-thumb", src: url, alt: "", loading: "lazy" });
  image.addEventListener("error", () => image.replaceWith(mark()), { once: true });
  return image;
}

/**
 * The card of `replay`. `context`: `{canExport, report(err), onDeleted(replay)}`.
 */
export function replayCard(replay, context) {
  const meta = replay.metadata || {};
  const live = replay.status === "recording";
  const title = titleOf(replay);
  const files = (meta.files_touched || []).length;
  const playUrl = `/replays/${encodeURIComponent(replay.id)}`;
  const extra = el("div", { class: "vb-card-extra" });
  const thumbnail = thumbnailOf(replay, live, context.canExport);

  // One panel open at a time under the buttons; the share and delete panels are built anew
  // each time, the export panel is kept with its job (exporter.js).
  const buttons = {};
  const toggle = (name, build) => {
    const open = extra.dataset.open !== name;
    extra.dataset.open = open ? name : "";
    for (const [key, button] of Object.entries(buttons)) button.setAttribute("aria-expanded", String(open && key === name));
    if (open) replaceChildren(extra, build());
    else replaceChildren(extra);
  };
  const toggleExport = () => {
    const panel = exportPanel(replay);
    toggle("export", () => panel.root);
    if (panel.root.isConnected) panel.shown();
  };

  const shareBadge = el("span", { class: "vb-badge vb-shared", hidden: !replay.is_public }, "shared");
  buttons.share = el(
    "button",
    {
      type: "button",
      class: "vb-button vb-share-button",
      "aria-expanded": "false",
      onclick: () =>
        toggle("share", () =>
          sharePanel(
            replay,
            (isPublic) => {
              replay.is_public = isPublic;
              shareBadge.hidden = !isPublic;
            },
            context.report,
          ),
        ),
    },
    "Share",
  );
  buttons.export = el(
    "button",
    {
      type: "button",
      class: "vb-button vb-export-button",
      "aria-expanded": "false",
      disabled: !context.canExport,
      title: context.canExport ? "Export as a video" : "Video export is not available on this server yet",
      onclick: toggleExport,
    },
    "Export",
  );
  buttons.delete = el(
    "button",
    {
      type: "button",
      class: "vb-button vb-danger vb-delete-button",
      "aria-expanded": "false",
      onclick: () => toggle("delete", () => confirmDelete(replay, context, () => toggle("delete"))),
    },
    "Delete",
  );
  const actions = el(
    "div",
    { class: "vb-actions" },
    el("a", { class: "vb-button vb-primary vb-play", href: playUrl }, live ? "Watch live" : "Play"),
    buttons.share,
    buttons.export,
    buttons.delete,
  );
  // The list is rebuilt (search, page, every 5 s while a replay is live) while the old card is
  // still in the page: an export panel open there stays open in this card, its job followed.
  const kept = context.canExport ? existingExportPanel(replay.id) : null;
  if (kept && kept.root.isConnected) toggle("export", () => kept.root);

  const tools = topTools(replay).map(([tool, count]) =>
    el("li", { class: "vb-tool", title: `${tool}: ${count}` }, tool, el("span", { class: "vb-tool-count" }, String(count))),
  );
  return el(
    "li",
    { class: `vb-card${live ? " vb-live" : ""}`, dataset: { replayId: replay.id } },
    el("a", { class: "vb-thumb-link", href: playUrl, tabindex: "-1", "aria-hidden": "true" }, thumbnail),
    el(
      "div",
      { class: "vb-card-body" },
      el(
        "h3",
        { class: "vb-title" },
        el("a", { href: playUrl }, title),
        live ? el("span", { class: "vb-badge vb-live-badge", title: "Recording in progress" }, "● LIVE") : null,
        shareBadge,
      ),
      el(
        "p",
        { class: "vb-facts" },
        el("time", { datetime: meta.recorded_date || "" }, dateTime(recordedAt(replay))),
        " · ",
        el("span", { class: "vb-duration" }, duration(meta.duration_ms)),
        " · ",
        el("span", { class: "vb-events" }, plural(meta.event_count || 0, "event")),
        " · ",
        el("span", { class: "vb-files" }, plural(files, "file")),
      ),
      replay.description ? el("p", { class: "vb-description" }, replay.description) : null,
      tools.length ? el("ul", { class: "vb-tools", "aria-label": "Tools used" }, tools) : null,
      actions,
      extra,
    ),
  );
}

/** The in-page "Delete for good?" question; `close()` puts it away (Cancel). */
function confirmDelete(replay, context, close) {
  const box = el(
    "div",
    { class: "vb-confirm", role: "alertdialog", "aria-label": "Delete this replay?" },
    el("p", {}, "Delete “", titleOf(replay), "” for good? Its events, notes and share link go with it."),
  );
  const yes = el(
    "button",
    {
      type: "button",
      class: "vb-button vb-danger vb-confirm-delete",
      onclick: async () => {
        yes.disabled = true;
        try {
          await deleteReplay(replay.id);
        } catch (err) {
          yes.disabled = false;
          context.report(err);
          return;
        }
        context.onDeleted(replay);
      },
    },
    "Delete",
  );
  const no = el("button", { type: "button", class: "vb-button", onclick: close }, "Cancel");
  box.appendChild(el("div", { class: "vb-confirm-buttons" }, yes, no));
  return box;
}
