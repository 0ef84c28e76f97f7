// The search form and its state, kept in the page's URL so a reload or a shared link of the
// browser shows the same list. The API does the filtering (docs/api.md, Listing).

import { el } from "./dom.js";

export const PAGE_SIZE = 20;
/** The filters a list can have, as the API and the page's URL name them. */
export const FIELDS = ["q", "tool", "file", "since", "until", "status"];
const STATUSES = new Set(["recording", "complete"]);

/** The filters of a URL's query: `{q, tool, file, since, until, status, offset}` (strings,
 * offset a number). */
export function readFilters(search = window.location.search) {
  const params = new URLSearchParams(search);
  const filters = {};
  for (const name of FIELDS) filters[name] = (params.get(name) || "").slice(0, 500);
  if (!STATUSES.has(filters.status)) filters.status = "";
  const offset = Number.parseInt(params.get("offset") || "0", 10);
  filters.offset = Number.isFinite(offset) && offset > 0 ? offset : 0;
  return filters;
}

export function writeFilters(filters) {
  const params = new URLSearchParams();
  for (const name of FIELDS) if (filters[name]) params.set(name, filters[name]);
  if (filters.offset) params.set("offset", String(filters.offset));
  const query = params.toString();
  window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
}

/** The API's query for these filters and one page. */
export function apiQuery(filters) {
  const query = { limit: PAGE_SIZE, offset: filters.offset || 0 };
  for (const name of FIELDS) if (filters[name]) query[name] = filters[name];
  return query;
}

/** The filters behind the phone's "Filters" toggle: every one but the text, which stays in view. */
const FOLDED = FIELDS.filter((name) => name !== "q");

/** How many of the folded filters `filters` sets (the toggle's "Filters · 2"). */
export function foldedCount(filters) {
  return FOLDED.filter((name) => filters[name]).length;
}

/**
 * The form; `onChange(filters)` on submit (offset back to 0) or Clear. On a phone (CSS, below
 * 640 px) only the text search shows, beside a "Filters · n" toggle for the rest: the list
 * starts on the first screen. The toggle starts open when the URL sets one of those filters, so
 * what narrows the list is in view; on wider windows it is hidden and every field shows.
 */
export function filterForm(filters, onChange) {
  const input = (name, label, attrs = {}) =>
    el(
      "label",
      { class: "vb-field", dataset: { field: name } },
      el("span", { class: "vb-label" }, label),
      el("input", { name, maxlength: 500, ...attrs }),
    );
  const count = el("span", { class: "vb-filter-count", "aria-hidden": "true" });
  const toggle = el(
    "button",
    { type: "button", class: "vb-button vb-filters-toggle", "aria-controls": "vb-more-filters", "aria-expanded": "false" },
    "Filters",
    count,
  );
  const more = el(
    "div",
    { class: "vb-more-filters", id: "vb-more-filters", role: "group", "aria-label": "More filters" },
    input("tool", "Tool", { placeholder: "Bash, Edit…", list: "vb-tools" }),
    input("file", "File", { placeholder: "part of a path" }),
    input("since", "From", { type: "date" }),
    input("until", "To", { type: "date" }),
    el(
      "label",
      { class: "vb-field", dataset: { field: "status" } },
      el("span", { class: "vb-label" }, "Status"),
      el(
        "select",
        { name: "status" },
        el("option", { value: "" }, "Any"),
        el("option", { value: "recording" }, "Live now"),
        el("option", { value: "complete" }, "Finished"),
      ),
    ),
    el(
      "div",
      { class: "vb-filter-buttons" },
      el("button", { type: "submit", class: "vb-button vb-primary" }, "Search"),
      el("button", { type: "button", class: "vb-button vb-clear" }, "Clear"),
    ),
  );
  const form = el(
    "form",
    { class: "vb-filters", role: "search", "aria-label": "Search replays" },
    input("q", "Text", { type: "search", placeholder: "in prompts and titles", id: "vb-q" }),
    toggle,
    more,
    el("datalist", { id: "vb-tools" }),
  );
  const setOpen = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    form.dataset.filtersOpen = String(open);
  };
  const showCount = (applied) => {
    const n = foldedCount(applied);
    count.textContent = n ? `· ${n}` : "";
    toggle.setAttribute("aria-label", n ? `Filters, ${n} active` : "Filters");
  };
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  setOpen(foldedCount(filters) > 0);
  showCount(filters);
  const inputs = Array.from(form.querySelectorAll("input[name], select[name]"));
  for (const input of inputs) input.value = filters[input.name] || "";
  const collect = () => {
    const data = new FormData(form);
    const next = { offset: 0 };
    for (const name of FIELDS) next[name] = String(data.get(name) || "").trim();
    return next;
  };
  const apply = (next) => {
    showCount(next);
    onChange(next);
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply(collect());
  });
  form.querySelector(".vb-clear").addEventListener("click", () => {
    for (const input of inputs) input.value = "";
    apply(collect());
  });
  return form;
}

/** Offer the tools seen so far as completions of the tool field. */
export function offerTools(form, replays) {
  const list = form.querySelector("#vb-tools");
  if (!list) return;
  const known = new Set(Array.from(list.options, (o) => o.value));
  for (const replay of replays) {
    for (const tool of Object.keys((replay.metadata && replay.metadata.tool_breakdown) || {})) {
      if (known.has(tool)) continue;
      known.add(tool);
      list.appendChild(el("option", { value: tool }));
    }
  }
}
