// The loaded events of one replay, in time order: binary search by time, dedupe by id, merge
// of windows arriving in any order, and which time ranges are known to be complete
// ("coverage"), so the player can tell "no event here" from "not loaded yet".

/** When an event plays: its relative_time_ms (negative or missing values play at 0). */
export function eventTime(event) {
  const t = event.relative_time_ms;
  return Number.isFinite(t) && t > 0 ? t : 0;
}

/** First index i with times[i] > t (times ascending). */
export function upperBound(times, t) {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with times[i] >= t. */
export function lowerBound(times, t) {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class Timeline {
  constructor(durationMs = 0) {
    this.events = [];
    this.times = [];
    this.ids = new Set();
    this.coverage = []; // sorted, disjoint [from, to] ranges (inclusive) known to be complete
    this.durationMs = durationMs;
    this.version = 0; // bumped on every change, so views can cache what they derive
  }

  get length() {
    return this.events.length;
  }

  /** Add events (any order, duplicates dropped); `from..to` (inclusive) is now complete. */
  insert(events, from = null, to = null) {
    const fresh = [];
    for (const event of events) {
      if (!event || typeof event !== "object") continue;
      const id = event.id;
      if (id !== undefined && this.ids.has(id)) continue;
      if (id !== undefined) this.ids.add(id);
      fresh.push(event);
    }
    if (fresh.length) {
      fresh.sort((a, b) => eventTime(a) - eventTime(b));
      const last = this.times.length ? this.times[this.times.length - 1] : -1;
      if (eventTime(fresh[0]) >= last) {
        for (const e of fresh) {
          this.events.push(e);
          this.times.push(eventTime(e));
        }
      } else {
        // merge two sorted runs; stable: already-loaded events stay first at equal times
        const merged = [];
        let i = 0;
        let j = 0;
        while (i < this.events.length || j < fresh.length) {
          if (j >= fresh.length || (i < this.events.length && this.times[i] <= eventTime(fresh[j]))) {
            merged.push(this.events[i++]);
          } else {
            merged.push(fresh[j++]);
          }
        }
        this.events = merged;
        this.times = merged.map(eventTime);
      }
      const end = this.times[this.times.length - 1];
      if (end > this.durationMs) this.durationMs = end;
    }
    if (from !== null && to !== null && to >= from) this.cover(from, to);
    if (fresh.length || from !== null) this.version++;
    return fresh.length;
  }

  cover(from, to) {
    const ranges = [...this.coverage, [from, to]].sort((a, b) => a[0] - b[0]);
    const out = [];
    for (const r of ranges) {
      const prev = out[out.length - 1];
      if (prev && r[0] <= prev[1] + 1) prev[1] = Math.max(prev[1], r[1]);
      else out.push([r[0], r[1]]);
    }
    this.coverage = out;
  }

  /** The end of the complete range holding t, or -1 if t is not loaded. */
  coveredUntil(t) {
    for (const [a, b] of this.coverage) {
      if (a <= t && t < b + 1) return b;
    }
    return -1;
  }

  /** Is every event of from..to loaded? */
  isCovered(from, to) {
    const end = this.coveredUntil(from);
    return end >= Math.min(to, this.durationMs) && end >= from;
  }

  get fullyLoaded() {
    return this.coverage.length === 1 && this.coverage[0][0] <= 0 && this.coverage[0][1] >= this.durationMs;
  }

  /** Index of the last event at or before t (-1: none). */
  indexAt(t) {
    return upperBound(this.times, t) - 1;
  }

  /** Time of the first event strictly after t, or null. */
  nextTimeAfter(t) {
    const i = upperBound(this.times, t);
    return i < this.times.length ? this.times[i] : null;
  }

  /** Time of the last event strictly before t, or null. */
  prevTimeBefore(t) {
    const i = lowerBound(this.times, t) - 1;
    return i >= 0 ? this.times[i] : null;
  }

  /** Events with after < time <= upto. */
  between(after, upto) {
    return this.events.slice(upperBound(this.times, after), upperBound(this.times, upto));
  }
}
