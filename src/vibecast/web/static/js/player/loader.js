// Windowed event loading: keeps at least the next 10 s × speed of events loaded ahead of the
// playhead (and a window around a seek target) instead of fetching the whole replay up front.
// Once the playhead is served, idle time fills the rest in the background, page by page, so
// the timeline bar's markers complete.

export const AHEAD_MS = 10_000;
export const PAGE_EVENTS = 1000;
const BEHIND_MS = 60_000;

export class WindowLoader {
  /** `source.events(from, to, {limit})`-like pages come from `source.eventsPage`. */
  constructor(source, timeline, { onChange, onError, background = true } = {}) {
    this.source = source;
    this.timeline = timeline;
    this.onChange = onChange || (() => {});
    this.onError = onError || (() => {});
    this.background = background;
    this.busy = false;
    this.requests = 0;
    this.failed = null;
  }

  /** The first page as `source.get()` answered it. */
  acceptFirst(page) {
    this.accept(page);
  }

  accept(page) {
    const from = page.from_ms ?? 0;
    const to = page.truncated ? (page.next_from_ms ?? from) - 1 : page.to_ms;
    this.timeline.insert(page.events || [], from, Math.max(from - 1, to));
    this.onChange();
  }

  /** The first time at or after t that is not loaded yet (or null). */
  gapAt(t) {
    const end = this.timeline.coveredUntil(t);
    if (end < 0) return t;
    if (end >= this.timeline.durationMs) return null;
    return end + 1;
  }

  /** What to load next for a playhead at `position` playing at `speed`, or null. */
  nextNeed(position, speed) {
    const horizon = position + AHEAD_MS * Math.max(1, speed);
    const start = Math.max(0, Math.floor(position) - (this.timeline.coveredUntil(position) < 0 ? BEHIND_MS : 0));
    const gap = this.gapAt(start);
    if (gap !== null && gap <= horizon) return gap;
    // nothing after the playhead loaded yet (a long idle gap): load until one event is known
    if (gap !== null && this.timeline.nextTimeAfter(position) === null) return gap;
    if (!this.background) return null;
    return this.gapAt(0);
  }

  /** Load one page if something is needed; resolves true if it loaded something. */
  async pump(position, speed) {
    if (this.busy || this.failed) return false;
    const from = this.nextNeed(position, speed);
    if (from === null) return false;
    this.busy = true;
    try {
      const to = Math.min(this.timeline.durationMs, from + 3_599_999);
      const page = await this.source.eventsPage(from, Math.max(from, to), PAGE_EVENTS);
      this.requests++;
      this.accept(page);
      return true;
    } catch (err) {
      this.failed = err;
      this.onError(err);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Load everything around t before a seek lands there (the scene needs what came before). */
  async around(t, speed) {
    const from = Math.max(0, t - BEHIND_MS);
    let guard = 0;
    while (guard++ < 50) {
      const gap = this.gapAt(from);
      if (gap === null || gap > t + AHEAD_MS * Math.max(1, speed)) break;
      if (this.busy) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      this.failed = null;
      if (!(await this.pump(gap, speed))) break;
    }
  }
}
