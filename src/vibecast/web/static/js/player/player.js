// The player: one replay's timeline, clock and loader, with the controls the UI calls. It does
// not draw; the page asks it for the position each frame and renders from that.

import { Timeline, eventTime } from "./timeline.js";
import { PlaybackClock, DEFAULT_IDLE_LIMIT_MS, clampSpeed, stepSpeed } from "./clock.js";
import { WindowLoader } from "./loader.js";

export const SKIP_MS = 10_000;
// The first request is small (the first minute, at most 200 events: the API reads only the
// chunks of that window), so the first frame is quick. The page shell asks for this very URL
// (?to_ms=59999&events_limit=200) while the modules load: vibecast/web/pages.py FIRST_WINDOW.
const FIRST_WINDOW_MS = 60_000;
const FIRST_PAGE_EVENTS = 200;

export class Player extends EventTarget {
  constructor(source, { speed = 1, skipIdle = false, background = true } = {}) {
    super();
    this.source = source;
    this.replay = null;
    this.timeline = new Timeline(0);
    this.clock = new PlaybackClock({ speed, idleLimitMs: skipIdle ? DEFAULT_IDLE_LIMIT_MS : null });
    this.loader = new WindowLoader(source, this.timeline, {
      background,
      onChange: () => this.emit("data"),
      onError: (err) => this.emit("error", err),
    });
    this.live = false;
    this.stopLive = null;
    this.frameTimes = [];
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Load the replay and its first page of events (not the whole replay). */
  async open() {
    const page = await this.source.get({ toMs: FIRST_WINDOW_MS - 1, eventsLimit: FIRST_PAGE_EVENTS });
    this.replay = page.replay;
    const meta = this.replay.metadata || {};
    this.timeline.durationMs = Math.max(0, meta.duration_ms || 0);
    this.loader.acceptFirst(page);
    this.live = this.replay.status === "recording";
    this.clock.holdAtEnd = this.live;
    return this.replay;
  }

  /** Use events given directly (export page, tests): everything is loaded. */
  openWith(replay, events) {
    this.replay = replay;
    this.timeline.durationMs = Math.max(0, (replay.metadata && replay.metadata.duration_ms) || 0);
    this.timeline.insert(events, 0, Number.MAX_SAFE_INTEGER);
    this.timeline.coverage = [[0, Math.max(this.timeline.durationMs, 0)]];
    this.loader.background = false;
    return this.replay;
  }

  get position() {
    return this.clock.position;
  }

  get duration() {
    return this.timeline.durationMs;
  }

  get playing() {
    return !this.clock.paused;
  }

  get speed() {
    return this.clock.speed;
  }

  get skipIdle() {
    return !!this.clock.idleLimitMs;
  }

  /** Advance by `wallMs` and keep the windows ahead loading. Returns the position. */
  tick(wallMs) {
    const before = this.clock.paused;
    const position = this.clock.advance(wallMs, this.timeline);
    this.loader.pump(position, this.clock.speed);
    if (!before && this.clock.paused && !this.live) this.emit("ended");
    return position;
  }

  play() {
    if (this.clock.position >= this.duration && !this.live) this.clock.position = 0;
    this.clock.paused = false;
    this.emit("state");
  }

  pause() {
    this.clock.paused = true;
    this.emit("state");
  }

  toggle() {
    if (this.clock.paused) this.play();
    else this.pause();
  }

  /** Jump to `ms`; resolves once the events around it are loaded. */
  async seek(ms) {
    const target = Math.max(0, Math.min(Number(ms) || 0, this.duration));
    this.clock.seek(target, this.duration);
    this.emit("seek", target);
    await this.loader.around(target, this.clock.speed);
    this.emit("seeked", target);
  }

  skip(deltaMs) {
    return this.seek(this.clock.position + deltaMs);
  }

  /** Next event: jump to it (the paused/playing state is kept). */
  stepNext() {
    const next = this.timeline.nextTimeAfter(this.clock.position);
    if (next !== null) return this.seek(next);
    return Promise.resolve();
  }

  /** Back to the event before the one showing. */
  stepPrev() {
    const i = this.timeline.indexAt(this.clock.position);
    const shown = i >= 0 ? eventTime(this.timeline.events[i]) : 0;
    const prev = this.timeline.prevTimeBefore(shown);
    return this.seek(prev === null ? 0 : prev);
  }

  setSpeed(speed) {
    this.clock.speed = clampSpeed(speed);
    this.emit("state");
  }

  faster() {
    this.setSpeed(stepSpeed(this.clock.speed, +1));
  }

  slower() {
    this.setSpeed(stepSpeed(this.clock.speed, -1));
  }

  setSkipIdle(on) {
    this.clock.idleLimitMs = on ? DEFAULT_IDLE_LIMIT_MS : null;
    this.emit("state");
  }

  /** Follow a recording in progress: events arrive over SSE and extend the replay. */
  startLive() {
    if (!this.source.live || this.stopLive) return;
    // everything up to the last saved event is known; the stream sends the rest (and resends
    // that last millisecond, deduplicated by id)
    const tl = this.timeline;
    const from = tl.length ? tl.times[tl.length - 1] : 0;
    tl.coverage = [[0, from]];
    this.stopLive = this.source.live({
      fromMs: from,
      onEvent: (event) => {
        const t = eventTime(event);
        this.timeline.insert([event], 0, Math.max(t, this.timeline.coveredUntil(0)));
        if (t > this.timeline.durationMs) this.timeline.durationMs = t;
        this.emit("data");
      },
      onEnd: (replay) => {
        this.live = false;
        this.clock.holdAtEnd = false;
        this.stopLive = null;
        if (replay) this.replay = replay;
        this.emit("live-end");
      },
      onGone: () => {
        this.live = false;
        this.stopLive = null;
        this.emit("error", new Error("this replay was deleted"));
      },
    });
  }

  jumpToLive() {
    this.clock.position = this.duration;
    this.clock.paused = false;
    this.emit("seek", this.duration);
  }

  close() {
    if (this.stopLive) this.stopLive();
    this.stopLive = null;
  }
}
