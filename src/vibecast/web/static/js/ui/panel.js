// The now-showing panel: the current tool and file, the current event in full (prompt,
// assistant text, thinking collapsed, tool input, Edit as a diff, Bash command and output,
// a Read's file or a sentence saying its contents were not stored, errors, images), and a feed
// of what came before. At the opening, while only the session's bookkeeping has happened (its
// summary, the slash command's text), it shows the first prompt: what the session is about.
// Rebuilt only when the current event changes.

import { el, clear, clip, show } from "./dom.js";
import { formatTime } from "../player/format.js";
import { eventTime } from "../player/timeline.js";
import { isError, toolColor, toolFile, toolGlyph, toolLabel } from "../player/tools.js";

const FEED_SIZE = 40;

// Bookkeeping rather than activity: a session's summary (its title), a slash command's
// expanded text, the session starting. At the opening they say less than the first prompt.
const BOOKKEEPING = new Set(["summary", "system", "session_start"]);

/**
 * The event the panel shows for the state at `index`: that event, except at the opening — while
 * everything up to it but the first prompt is bookkeeping — where it is the first prompt
 * (`firstPrompt`: its index, -1 if none is loaded), even before it plays.
 */
export function shownIndex(timeline, index, firstPrompt) {
  if (firstPrompt < 0 || index === firstPrompt) return index;
  for (let i = 0; i <= index; i++) {
    if (i !== firstPrompt && !BOOKKEEPING.has(timeline.events[i].type)) return index;
  }
  return firstPrompt;
}

/** Line diff of two texts: common head and tail kept, the middle as - and + lines. */
export function lineDiff(before, after) {
  const a = String(before ?? "").split("\n");
  const b = String(after ?? "").split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const out = [];
  for (const line of a.slice(Math.max(0, head - 2), head)) out.push([" ", line]);
  for (const line of a.slice(head, a.length - tail)) out.push(["-", line]);
  for (const line of b.slice(head, b.length - tail)) out.push(["+", line]);
  for (const line of a.slice(a.length - tail, a.length - tail + 2)) out.push([" ", line]);
  return out;
}

// What a panel shows of a long text or diff before "Show all": laying out 20,000 characters
// costs a frame or more (the player's frame budget is 16 ms), a preview a fraction of one.
const PREVIEW_CHARS = 3000;
const PREVIEW_LINES = 80;
const DIFF_PREVIEW_LINES = 120;
const DIFF_MAX_LINES = 800;

function moreButton(what, onclick) {
  return el("button.show-all", { type: "button", text: `Show all (${what})`, onclick });
}

function diffLines(block, lines) {
  for (const [mark, line] of lines) {
    block.append(el(`span.${mark === "+" ? "add" : mark === "-" ? "del" : "ctx"}`, { text: `${mark} ${line}\n` }));
  }
}

function diffBlock(before, after) {
  const lines = lineDiff(before, after).slice(0, DIFF_MAX_LINES);
  const block = el("pre.diff");
  diffLines(block, lines.slice(0, DIFF_PREVIEW_LINES));
  if (lines.length <= DIFF_PREVIEW_LINES) return block;
  const more = moreButton(`${lines.length - DIFF_PREVIEW_LINES} more lines`, () => {
    diffLines(block, lines.slice(DIFF_PREVIEW_LINES));
    more.remove();
  });
  return el("div.long", {}, block, more);
}

/** The first PREVIEW_LINES lines / PREVIEW_CHARS characters of `text` (null: all of it). */
function preview(text) {
  let end = Math.min(text.length, PREVIEW_CHARS);
  let lines = 0;
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10 && ++lines >= PREVIEW_LINES) {
      end = i;
      break;
    }
  }
  return end < text.length ? text.slice(0, end) : null;
}

/** A titled block. `subject`: what the title is about (a file path, a command's description),
 * shown in its own case after the title (headings are styled in capitals; paths are not). */
function section(title, body, { collapsed = false, cls = "", subject = "" } = {}) {
  const head = subject ? [title, " ", el("span.subject", { text: subject })] : [title];
  if (collapsed) {
    return el(`details.section${cls ? `.${cls}` : ""}`, {}, el("summary", {}, ...head), body);
  }
  return el(`div.section${cls ? `.${cls}` : ""}`, {}, el("h4", {}, ...head), body);
}

function pre(text, cls = "") {
  const full = String(text ?? "");
  const head = preview(full);
  const block = el(`pre${cls ? `.${cls}` : ""}`, { text: head === null ? full : head });
  if (head === null) return block;
  const more = moreButton(`${(full.length - head.length).toLocaleString("en")} more characters`, () => {
    block.textContent = clip(full);
    more.remove();
  });
  return el("div.long", {}, block, more);
}

const TYPE_LABELS = {
  pre_tool_use: "Tool call",
  post_tool_use: "Tool result",
  post_tool_use_failure: "Tool failed",
  permission_request: "Permission asked",
  user_prompt_submit: "Prompt",
  assistant_message: "Assistant",
  assistant_thinking: "Thinking",
  stop: "Turn ends",
  subagent_start: "Subagent starts",
  subagent_stop: "Subagent ends",
  session_start: "Session starts",
  session_end: "Session ends",
  notification: "Notification",
  pre_compact: "Compacting context",
  post_compact: "Context compacted",
  summary: "Summary",
};

/** An event type as a reader says it: "post_tool_use" → "Tool result". */
export function typeLabel(type) {
  const known = TYPE_LABELS[type];
  if (known) return known;
  const words = String(type || "event").replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** One line saying what an event is, for the feed and tooltips. */
export function summarize(event) {
  const tool = event.tool ? toolLabel(event.tool) : "";
  const file = toolFile(event);
  switch (event.type) {
    case "pre_tool_use": {
      const input = event.toolInput || {};
      const detail = file || input.command || input.description || input.query || "";
      return `${tool} ${String(detail).split("\n")[0]}`.trim();
    }
    case "post_tool_use":
      if (event.success === false) return `${tool} failed${event.error ? `: ${String(event.error).split("\n")[0]}` : ""}`;
      return `${tool} done${event.duration ? ` (${event.duration} ms)` : ""}`;
    case "post_tool_use_failure":
      return `${tool} failed: ${String(event.error || "").split("\n")[0]}`;
    case "user_prompt_submit":
      return `Prompt: ${String(event.prompt || "").split("\n")[0]}`;
    case "assistant_message":
      return String(event.text || "").split("\n")[0];
    case "assistant_thinking":
      return "Thinking…";
    case "stop":
    case "subagent_stop":
      return `${event.type === "stop" ? "Stop" : "Subagent stop"}${event.response ? `: ${String(event.response).split("\n")[0]}` : ""}`;
    case "subagent_start":
      return `Subagent starts${event.agentType ? ` (${event.agentType})` : ""}`;
    case "notification":
      return `Notification: ${event.message || ""}`;
    default:
      return String(event.text || event.message || event.type || "").split("\n")[0];
  }
}

const RASTER = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

function sizeText(bytes) {
  if (!Number.isFinite(bytes)) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 102.4) / 10} KB`;
  return `${Math.round(bytes / 104857.6) / 10} MB`;
}

/** What an attachment is, in words: "image/png · 12.3 KB". */
function describe(a) {
  return [a.mediaType || a.kind || "file", sizeText(a.size)].filter(Boolean).join(" · ");
}

/**
 * One attachment: the image itself when the server serves it (a raster image with a stored
 * blob; the server checks again), else a line saying what it was.
 */
function attachmentView(a, attachmentUrl, decoding) {
  const url = a.blob && attachmentUrl && (!a.mediaType || RASTER.has(a.mediaType)) ? attachmentUrl(a.blob) : null;
  if (!url) {
    const why = a.blob ? (a.mediaType && !RASTER.has(a.mediaType) ? "not shown" : "not in this view") : "not stored";
    return el("div.attachment.placeholder", { text: `${describe(a)} (${why})` });
  }
  const img = el("img", { src: url, alt: `Attached ${describe(a)}`, decoding });
  const figure = el(
    "figure.attachment.image",
    {},
    el("a", { href: url, target: "_blank", rel: "noopener noreferrer", title: "Open full size" }, img),
    el("figcaption", { text: describe(a) }),
  );
  img.addEventListener("error", () => figure.replaceWith(el("div.attachment.placeholder", { text: `${describe(a)} (not available)` })), { once: true });
  return figure;
}

function attachmentsBlock(event, attachmentUrl, decoding) {
  const list = Array.isArray(event.attachments) ? event.attachments : [];
  if (!list.length) return null;
  const images = list.filter((a) => a.kind === "image").length;
  const title = images === list.length ? (images === 1 ? "Image" : `Images (${images})`) : "Attachments";
  return section(title, el("div.attachments", {}, list.map((a) => attachmentView(a, attachmentUrl, decoding))));
}

// What a Read returns (Claude Code's `toolUseResult`): `{type, file: {filePath, content |
// base64 | cells, numLines, startLine, totalLines}}`. The file-content policy
// (vibecast/redact/files.py) drops the payload and adds its `bytes` and a keyed `digest`.
const READ_TYPES = new Set(["text", "image", "notebook", "pdf"]);
const FILE_PAYLOADS = ["content", "base64", "cells"];
const NOT_STORED = { text: "File contents", image: "Image", notebook: "Notebook contents", pdf: "PDF" };

/** The `file` of a Read's result, or null if the result is something else. */
function readFile(response) {
  if (!response || typeof response !== "object" || !READ_TYPES.has(response.type)) return null;
  const file = response.file;
  return file && typeof file === "object" && !Array.isArray(file) ? file : null;
}

function count(n, word) {
  return `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;
}

/** Which lines a Read covered: "120 lines", or "lines 41–80 of 300" for part of a file. */
function linesText(file) {
  const n = file.numLines;
  if (!Number.isInteger(n) || n < 0) return "";
  const start = Number.isInteger(file.startLine) && file.startLine > 0 ? file.startLine : 1;
  const total = file.totalLines;
  if (Number.isInteger(total) && n > 0 && (start > 1 || n < total)) {
    return `lines ${start.toLocaleString("en")}–${(start + n - 1).toLocaleString("en")} of ${total.toLocaleString("en")}`;
  }
  return count(n, "line");
}

/** A Read's result as a reader wants it: the file's text, or a sentence saying it was not kept. */
function readResult(response, file) {
  const payload = FILE_PAYLOADS.find((key) => key in file);
  const path = typeof file.filePath === "string" ? file.filePath : "";
  if (payload === "content" && typeof file.content === "string") {
    return section("File", pre(file.content, "code"), { subject: path });
  }
  if (payload) return null; // an image's or a notebook's kept payload: shown as the data it is
  const facts = [linesText(file), sizeText(file.bytes)].filter(Boolean);
  const what = NOT_STORED[response.type] || "File contents";
  const sentence = `${what} not stored (redaction policy)${facts.length ? ` · ${facts.join(" · ")}` : ""}`;
  return section("Result", el("p.not-stored", { text: sentence }));
}

/** The full view of one event (its pre event, if any, gives the tool input of a post). */
export function renderEvent(event, pre_, attachmentUrl = null, imageDecoding = "async") {
  const parts = [];
  // What went wrong first, right under the tool heading: a failed call's error shows without
  // scrolling, above its input and output (an Edit's diff, a Write's content can be long).
  if (event.error) parts.push(section("Error", pre(event.error, "error"), { cls: "error" }));
  const input = event.toolInput || (pre_ && pre_.toolInput) || null;
  if (event.prompt) parts.push(section(event.type === "subagent_start" ? "Task prompt" : "Prompt", pre(event.prompt, "prompt")));
  if (event.assistantText) parts.push(section("Assistant", pre(event.assistantText)));
  if (event.text) parts.push(section(event.type === "assistant_message" ? "Assistant" : "Text", pre(event.text)));
  if (event.thinking) parts.push(section("Thinking", pre(event.thinking, "thinking"), { collapsed: true }));
  if (event.message) parts.push(section("Message", pre(event.message)));
  if (event.response) parts.push(section("Response", pre(event.response)));
  const tool = event.tool || "";
  if (input) {
    if ((tool === "Edit" || tool === "MultiEdit") && typeof input === "object") {
      const edits = tool === "MultiEdit" && Array.isArray(input.edits) ? input.edits : [input];
      const box = el("div");
      for (const edit of edits.slice(0, 50)) box.append(diffBlock(edit.old_string, edit.new_string));
      parts.push(section("Edit", box, { subject: input.file_path || "" }));
    } else if (tool === "Bash" && typeof input === "object" && input.command) {
      parts.push(section(input.description ? "$" : "Command", pre(input.command, "command"), { subject: input.description || "" }));
    } else if (tool === "Write" && typeof input === "object" && typeof input.content === "string") {
      parts.push(section("Write", pre(input.content, "code"), { subject: input.file_path || "" }));
    } else {
      parts.push(section("Input", pre(show(input), "code")));
    }
  }
  if (event.toolResponse !== undefined) {
    const response = event.toolResponse;
    if (response && typeof response === "object" && ("stdout" in response || "stderr" in response)) {
      if (response.stdout) parts.push(section("Output", pre(response.stdout, "output")));
      if (response.stderr) parts.push(section("stderr", pre(response.stderr, "output error")));
    } else if (!isError(event) || !event.error) {
      const file = readFile(response);
      parts.push((file && readResult(response, file)) || section("Result", pre(show(response), "output")));
    }
  }
  const attachments = attachmentsBlock(event, attachmentUrl, imageDecoding);
  if (attachments) parts.push(attachments);
  if (!parts.length && event.raw) parts.push(section("Record", pre(show(event.raw), "code")));
  return parts;
}

export class NowShowing {
  /** `attachmentUrl(sha256)`: where the source serves an attached image (null: nowhere).
   * `imageDecoding`: the images' `decoding` ("sync" where a frame must show them as soon as
   * they are in the panel: the video export, which has them all loaded first). */
  constructor({ compact = false, attachmentUrl = null, imageDecoding = "async" } = {}) {
    this.attachmentUrl = attachmentUrl;
    this.imageDecoding = imageDecoding;
    this.root = el("aside.now-showing");
    this.head = el("div.now-head");
    this.detail = el("div.now-detail");
    this.feed = el("ol.feed", { "aria-label": "What came before" });
    if (compact) this.root.classList.add("compact");
    this.root.append(this.head, this.detail, el("h3.feed-title", { text: "Earlier" }), this.feed);
    this.key = null;
    this.preById = new Map();
    this.version = -1;
    this.firstPrompt = -1;
    this.feedRange = null;
  }

  /** Show the state at event index `index` of `timeline` (-1: before the first event). */
  update(timeline, index) {
    if (timeline.version !== this.version) {
      this.version = timeline.version;
      this.preById.clear();
      for (const e of timeline.events) if (e.type === "pre_tool_use" && e.toolUseId) this.preById.set(e.toolUseId, e);
      this.firstPrompt = timeline.events.findIndex((e) => e.type === "user_prompt_submit");
    }
    const key = `${timeline.version}:${index}`;
    if (key === this.key) return false;
    this.key = key;
    // back to the top while the layout is clean (after the DOM changes it would force a layout)
    if (this.detail.scrollTop !== 0) this.detail.scrollTop = 0;
    this._head(timeline, index);
    clear(this.detail);
    const shown = shownIndex(timeline, index, this.firstPrompt);
    const event = shown >= 0 ? timeline.events[shown] : null;
    if (event) {
      const meta = el("div.event-meta", {}, el("span.type", { text: typeLabel(event.type), title: event.type }), el("span.time", { text: `${event.timeEstimated ? "~" : ""}${formatTime(eventTime(event))}` }));
      if (shown > index) meta.append(el("span.next", { text: "up next" }));
      if (event.agentType || event.parentToolUseId) meta.append(el("span.agent", { text: event.agentType || "subagent" }));
      this.detail.append(meta, ...renderEvent(event, event.toolUseId ? this.preById.get(event.toolUseId) : null, this.attachmentUrl, this.imageDecoding));
      if (isError(event)) this.detail.classList.add("has-error");
      else this.detail.classList.remove("has-error");
    } else {
      this.detail.append(el("p.empty", { text: "Press play to start the replay." }));
    }
    this._feed(timeline, Math.min(index, Math.max(shown, 0)));
    return true;
  }

  /**
   * The FEED_SIZE events before `index`, newest first (reading down: now, earlier, even
   * earlier), so the newest shows without scrolling from script. Playing forward adds the new
   * items and drops the oldest instead of rebuilding the list.
   */
  _feed(timeline, index) {
    const from = Math.max(0, index - FEED_SIZE);
    const shown = this.feedRange;
    const sameData = shown && shown.version === timeline.version;
    if (sameData && index >= shown.to && index - shown.to < FEED_SIZE && from >= shown.from) {
      const fresh = [];
      for (let i = index - 1; i >= shown.to; i--) fresh.push(this._feedItem(timeline.events[i]));
      this.feed.prepend(...fresh);
      for (let n = from - shown.from; n > 0 && this.feed.lastChild; n--) this.feed.lastChild.remove();
    } else {
      const items = [];
      for (let i = index - 1; i >= from; i--) items.push(this._feedItem(timeline.events[i]));
      this.feed.replaceChildren(...items);
    }
    this.feedRange = { version: timeline.version, from, to: Math.max(from, index) };
  }

  _feedItem(e) {
    const glyph = el("span.glyph", { text: e.tool ? toolGlyph(e.tool) : "·" });
    if (e.tool) glyph.style.color = toolColor(e.tool);
    return el(`li${isError(e) ? ".error" : ""}`, {}, el("span.time", { text: formatTime(eventTime(e)) }), glyph, el("span.text", { text: summarize(e) }));
  }

  /** The spec's mock-up line: the tool in use and its file. */
  _head(timeline, index) {
    clear(this.head);
    let current = null;
    for (let i = index; i >= 0 && i > index - 200; i--) {
      const e = timeline.events[i];
      if (e.tool) {
        current = e;
        break;
      }
    }
    const glyph = el("span.tool-glyph", { text: current ? toolGlyph(current.tool) : "·" });
    if (current) glyph.style.background = toolColor(current.tool);
    this.head.append(
      glyph,
      el(
        "div.tool-line",
        {},
        el("div.tool-name", { text: current ? toolLabel(current.tool) : "No tool yet" }),
        el("div.tool-file", { text: current ? toolFile(current) : "" }),
      ),
    );
  }
}
