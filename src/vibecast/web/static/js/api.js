// The one fetch client for the vibecast REST API (docs/api.md).
//
// Every call returns parsed JSON or throws an ApiError carrying the HTTP status, the API's
// error code and its message. A "source" hides whether a replay is read as its owner
// (/api/replays/{id}) or through a public share link (/api/s/{token}), so the player is
// written once for both.

/** An API answer that is not 2xx (or a network failure, status 0). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** Largest window the API accepts (docs/api.md, Limits). */
export const MAX_WINDOW_MS = 3_600_000;
/** Most events per response. */
export const MAX_EVENTS = 5000;

function query(params) {
  const parts = [];
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

/** fetch + JSON + typed errors. `body` is sent as JSON; 204 answers resolve to null. */
export async function request(method, path, { params, body, signal } = {}) {
  const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin", signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path + query(params), init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, "network_error", `cannot reach the server: ${err && err.message ? err.message : err}`);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = data && data.error ? data.error : {};
    throw new ApiError(
      response.status,
      error.code || `http_${response.status}`,
      error.message || `${method} ${path}: HTTP ${response.status}`,
    );
  }
  return data;
}

const enc = encodeURIComponent;
const SHA256 = /^[0-9a-f]{64}$/;

/** Replays of the caller: `{replays, total, limit, offset}`; filters as in docs/api.md. */
export function listReplays(filters = {}) {
  return request("GET", "/api/replays", { params: filters });
}

let featureList = null;

/**
 * What this server offers (`GET /api/health` → `features`: "export", "share", ...), asked once
 * per page. Resolves to a Set; an unreachable server offers nothing.
 */
export function features() {
  if (featureList === null) {
    featureList = request("GET", "/api/health")
      .then((health) => new Set(Array.isArray(health && health.features) ? health.features : []))
      .catch(() => new Set());
  }
  return featureList;
}

export function me() {
  return request("GET", "/api/me");
}

export function deleteReplay(id) {
  return request("DELETE", `/api/replays/${enc(id)}`);
}

export function editReplay(id, { title, description } = {}) {
  return request("PATCH", `/api/replays/${enc(id)}`, { body: { title, description } });
}

/** Create (or re-create) the secret link: `{is_public, share_url, share_token, expires_at}`. */
export function share(id, expiresInDays) {
  const body = { is_public: true };
  if (expiresInDays) body.expires_in_days = expiresInDays;
  return request("POST", `/api/replays/${enc(id)}/share`, { body });
}

export function revokeShare(id) {
  return request("DELETE", `/api/replays/${enc(id)}/share`);
}

/**
 * Show (or hide) the owner's notes on the current link, which keeps working:
 * `{is_public, share_url: null, share_token: null, expires_at, share_notes}`; 409 without a link.
 */
export function setShareNotes(id, shareNotes) {
  return request("POST", `/api/replays/${enc(id)}/share`, { body: { share_notes: !!shareNotes } });
}

/** Start a video export (issue 6): `{job_id, status}`. */
export function startExport(id, options = {}) {
  return request("POST", `/api/replays/${enc(id)}/export`, { body: options });
}

/** An export job: `{status, progress?, download_url?, error?}`. */
export function exportStatus(jobId) {
  return request("GET", `/api/replays/exports/${enc(jobId)}`);
}

export function cancelExport(jobId) {
  return request("DELETE", `/api/replays/exports/${enc(jobId)}`);
}

/** What a queued export waits for, in words: in server mode, say so when no worker runs. */
export function queuedText(job) {
  if (job.workers_online === 0) return "Queued: no export worker is running (an admin starts one with vibecast worker).";
  return "Queued: waiting for the exporter…";
}

/** A finished export's `download_url` as a path on the page's own origin: the server names its
 * URLs after VIBECAST_PUBLIC_URL, which may not be the address this page was opened at (and a
 * `download` link works same-origin only); null for anything not http(s). */
export function downloadPath(url) {
  if (typeof url !== "string" || !url) return null;
  try {
    const parsed = new URL(url, window.location.origin);
    return /^https?:$/.test(parsed.protocol) ? parsed.pathname + parsed.search : null;
  } catch {
    return null;
  }
}

/** What an export job's status says, as the player's dialog and the browser's card both show
 * it: whether it has ended, a line of text, the download path once complete, and how far it is
 * (0-1) while processing, else null. */
export function jobView(job) {
  const ended = job.status === "complete" || job.status === "failed" || job.status === "cancelled";
  const href = job.status === "complete" ? downloadPath(job.download_url) : null;
  const progress = job.status === "processing" && Number.isFinite(job.progress) ? Math.min(1, Math.max(0, job.progress)) : null;
  let text;
  if (job.status === "complete") text = "Video ready.";
  else if (ended) text = `Export ${job.status}${job.error ? `: ${job.error}` : "."}`;
  else if (job.status === "queued") text = queuedText(job);
  else if (progress !== null) text = `Processing: ${Math.round(progress * 100)} %`;
  else text = `${job.status}…`;
  return { ended, text, href, progress };
}

const FOLLOW_SEEN_MS = 1000;
const FOLLOW_UNSEEN_MS = 5000;

/**
 * One replay's video export at a time, as the player's Export dialog and the browser card's
 * panel both run it (each only draws `state`): start a job, follow it until it ends (every
 * second while `seen()`, every 5 s otherwise, so a closed panel still knows where its job is
 * when reopened), stop it. Once it ends (complete, failed, cancelled), or at the first status
 * that cannot be read, another can start.
 *
 * `state`: `{busy, jobId, following, progress, text, href, stopping}` — `busy` while a job
 * starts or runs (no other may start), `following` while a started job has not ended (its
 * progress 0-1, or null while it waits), `text` what to say, `href` the download once
 * complete, `stopping` while a cancel is on its way.
 */
export class ExportJob {
  /** `begin(options)` → `{job_id}`; `onChange(state)` after every change. */
  constructor(begin, { onChange, seen = () => true }) {
    this.begin = begin;
    this.onChange = onChange;
    this.seen = seen;
    this.jobId = null; // the job followed, null when none (or while a cancel is on its way)
    this.timer = null;
    this.state = { busy: false, jobId: null, following: false, progress: null, text: "", href: null, stopping: false };
  }

  set(changes) {
    this.state = { ...this.state, ...changes };
    this.onChange(this.state);
  }

  async start(options) {
    if (this.state.busy) return;
    this.set({ busy: true, jobId: null, following: false, progress: null, text: "Starting the export…", href: null });
    let job;
    try {
      job = await this.begin(options);
    } catch (err) {
      this.end(`The export could not start: ${err.message}`);
      return;
    }
    this.follow(job.job_id);
  }

  follow(jobId) {
    this.jobId = jobId;
    this.set({ busy: true, jobId, following: true, stopping: false });
    this.step(jobId);
  }

  /** Ask at once (a panel reopened on a running job shows where it is now). */
  refresh() {
    if (this.jobId && this.timer !== null) this.step(this.jobId);
  }

  async step(jobId) {
    clearTimeout(this.timer);
    this.timer = null;
    let job;
    try {
      job = await exportStatus(jobId);
    } catch (err) {
      if (this.jobId === jobId) this.end(`Cannot follow the export: ${err.message}`);
      return;
    }
    if (this.jobId !== jobId) return; // stopped (or replaced) while the answer came
    if (this.show(job)) return;
    clearTimeout(this.timer); // one timer however many steps were in flight
    this.timer = setTimeout(() => this.step(jobId), this.seen() ? FOLLOW_SEEN_MS : FOLLOW_UNSEEN_MS);
  }

  /** Show a job's state; whether it has ended. */
  show(job) {
    const view = jobView(job);
    if (view.ended) {
      this.end(view.text, view.href);
      return true;
    }
    this.set({ following: true, progress: view.progress, text: view.text });
    return false;
  }

  async cancel() {
    const jobId = this.jobId;
    if (!jobId) return;
    this.jobId = null; // stops following: an answer still on its way is dropped
    clearTimeout(this.timer);
    this.timer = null;
    this.set({ stopping: true, text: "Stopping the export…" });
    try {
      const job = await cancelExport(jobId);
      if (!this.show(job)) this.follow(jobId); // finished meanwhile: show() says so
    } catch (err) {
      // still running: say why it did not stop, then keep following
      this.jobId = jobId;
      this.set({ stopping: false, text: `Cannot stop the export: ${err.message}` });
      this.timer = setTimeout(() => this.step(jobId), FOLLOW_SEEN_MS);
    }
  }

  end(text, href = null) {
    this.jobId = null;
    clearTimeout(this.timer);
    this.timer = null;
    this.set({ busy: false, following: false, progress: null, text, href, stopping: false });
  }
}

/** Where a replay's portable file downloads from (owner only). */
export function replayFileUrl(id) {
  return `/api/replays/${enc(id)}/file`;
}

class Source {
  constructor(base, kind) {
    this.base = base;
    this.kind = kind;
  }

  get readOnly() {
    return this.kind !== "owner";
  }

  /** The replay and its first events: `{replay, events, from_ms, to_ms, truncated, next_from_ms}`. */
  get({ fromMs, toMs, eventsLimit, signal } = {}) {
    return request("GET", this.base, {
      params: { from_ms: fromMs, to_ms: toMs, events_limit: eventsLimit },
      signal,
    });
  }

  /** One page of a window: `{events, from_ms, to_ms, truncated, next_from_ms}`. */
  eventsPage(fromMs, toMs, limit, signal) {
    return request("GET", `${this.base}/events`, {
      params: { from_ms: Math.max(0, Math.floor(fromMs)), to_ms: Math.floor(toMs), limit },
      signal,
    });
  }

  /**
   * Every event with fromMs <= relative_time_ms <= toMs, following `truncated/next_from_ms`
   * and splitting windows longer than the API's hour.
   */
  async events(fromMs, toMs, { limit = MAX_EVENTS, signal } = {}) {
    const out = [];
    let low = Math.max(0, Math.floor(fromMs));
    const end = Math.floor(toMs);
    while (low <= end) {
      const high = Math.min(end, low + MAX_WINDOW_MS - 1);
      const page = await this.eventsPage(low, high, limit, signal);
      for (const event of page.events) out.push(event);
      if (page.truncated && page.next_from_ms > low) {
        low = page.next_from_ms;
      } else {
        low = high + 1;
      }
    }
    return out;
  }

  /** Where an image an event attaches is served (`sha256`: its blob), or null if malformed. */
  attachmentUrl(sha256) {
    return SHA256.test(String(sha256)) ? `${this.base}/attachments/${sha256}` : null;
  }

  /** Report a playback for /metrics (best effort). */
  played(p95Fps) {
    const body = {};
    if (Number.isFinite(p95Fps)) body.p95_fps = Math.round(p95Fps * 10) / 10;
    return request("POST", `${this.base}/played`, { body });
  }
}

/** A replay read by its owner (or a public replay of someone else, read-only by the API). */
export class OwnerSource extends Source {
  constructor(replayId) {
    super(`/api/replays/${enc(replayId)}`, "owner");
    this.replayId = replayId;
  }

  annotations(kind) {
    return request("GET", `${this.base}/annotations`, { params: { kind } });
  }

  addAnnotation({ timestamp_ms, text, position, kind }) {
    const body = { timestamp_ms: Math.max(0, Math.round(timestamp_ms)), text };
    if (position) body.position = position;
    if (kind) body.kind = kind;
    return request("POST", `${this.base}/annotations`, { body });
  }

  editAnnotation(annotationId, fields) {
    return request("PATCH", `${this.base}/annotations/${enc(annotationId)}`, { body: fields });
  }

  deleteAnnotation(annotationId) {
    return request("DELETE", `${this.base}/annotations/${enc(annotationId)}`);
  }

  bookmarks() {
    return request("GET", `${this.base}/bookmarks`);
  }

  addBookmark(timestampMs, text) {
    const body = { timestamp_ms: Math.max(0, Math.round(timestampMs)) };
    if (text) body.text = text;
    return request("POST", `${this.base}/bookmarks`, { body });
  }

  deleteBookmark(bookmarkId) {
    return request("DELETE", `${this.base}/bookmarks/${enc(bookmarkId)}`);
  }

  share(expiresInDays) {
    return share(this.replayId, expiresInDays);
  }

  revokeShare() {
    return revokeShare(this.replayId);
  }

  setShareNotes(shareNotes) {
    return setShareNotes(this.replayId, shareNotes);
  }

  delete() {
    return deleteReplay(this.replayId);
  }

  fileUrl() {
    return replayFileUrl(this.replayId);
  }

  startExport(options) {
    return startExport(this.replayId, options);
  }

  /**
   * Follow a recording in progress (Server-Sent Events). `onEvent(recordedEvent)` per event,
   * `onEnd(replay)` when recording stops, `onGone()` if it is deleted. Reconnects on timeout
   * from the last seen time. Returns `close()`.
   */
  live({ fromMs = 0, onEvent, onEnd, onGone, onError } = {}) {
    let last = fromMs;
    let source = null;
    let closed = false;
    const open = () => {
      source = new EventSource(`${this.base}/live${query({ from_ms: last })}`);
      source.addEventListener("event", (message) => {
        let event;
        try {
          event = JSON.parse(message.data);
        } catch {
          return;
        }
        if (Number.isFinite(event.relative_time_ms)) last = Math.max(last, event.relative_time_ms);
        if (onEvent) onEvent(event);
      });
      source.addEventListener("end", (message) => {
        close();
        let replay = null;
        try {
          replay = JSON.parse(message.data);
        } catch {
          replay = null;
        }
        if (onEnd) onEnd(replay);
      });
      source.addEventListener("gone", () => {
        close();
        if (onGone) onGone();
      });
      source.addEventListener("timeout", () => {
        if (closed) return;
        source.close();
        open();
      });
      source.onerror = () => {
        if (onError && source.readyState === EventSource.CLOSED) onError();
      };
    };
    const close = () => {
      closed = true;
      if (source) source.close();
    };
    open();
    return close;
  }
}

/** A replay read through its secret share link: no login, read-only, no annotations. */
export class PublicSource extends Source {
  constructor(token) {
    super(`/api/s/${enc(token)}`, "public");
    this.token = token;
  }

  /** The owner's notes, when they show them on the link (else none): `{notes: [...]}`. */
  notes() {
    return request("GET", `${this.base}/notes`);
  }
}

/** A replay given as data (export page, tests): the same interface, no network. */
export class MemorySource {
  constructor(replay, events) {
    this.kind = "memory";
    this.replay = replay;
    this.all = [...events].sort((a, b) => (a.relative_time_ms || 0) - (b.relative_time_ms || 0));
  }

  get readOnly() {
    return true;
  }

  async get() {
    const duration = (this.replay.metadata && this.replay.metadata.duration_ms) || 0;
    return { replay: this.replay, events: this.all, from_ms: 0, to_ms: duration, truncated: false, next_from_ms: null };
  }

  async events(fromMs, toMs) {
    return this.all.filter((e) => (e.relative_time_ms || 0) >= fromMs && (e.relative_time_ms || 0) <= toMs);
  }

  async played() {
    return null;
  }

  /** No server to serve images from: the panel shows what the image was instead. */
  attachmentUrl() {
    return null;
  }
}

/** The source a page's `<body data-*>` names: `data-share-token` → public, else `data-replay-id`. */
export function sourceFromBody(body = document.body) {
  const token = body.dataset.shareToken;
  if (token) return new PublicSource(token);
  const id = body.dataset.replayId;
  if (id) return new OwnerSource(id);
  throw new ApiError(0, "no_replay", "this page names no replay (data-replay-id or data-share-token)");
}
