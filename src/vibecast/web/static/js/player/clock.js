// The virtual playback clock: replay position, speed, pause and the idle limit, advanced by
// wall-time deltas (requestAnimationFrame in the page, fixed steps in tests).
//
// Idle rule, as the Python engine (vibecast/player/timeline.py): every gap between two
// boundaries (event times, 0 and the end) longer than the limit plays as the limit; the skipped
// part is the start of the gap, so from position r the play time to the next boundary b is
// min(b - r, limit). Only the next boundary is needed, which works with lazily loaded events.

export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16];
export const DEFAULT_IDLE_LIMIT_MS = 2000;

export function clampSpeed(speed) {
  const s = Number(speed);
  if (!Number.isFinite(s) || s <= 0) return 1;
  return Math.min(16, Math.max(0.25, s));
}

/** The next speed on the ladder (direction +1 faster, -1 slower). */
export function stepSpeed(speed, direction) {
  if (direction > 0) return SPEEDS.find((s) => s > speed + 1e-9) ?? SPEEDS[SPEEDS.length - 1];
  return [...SPEEDS].reverse().find((s) => s < speed - 1e-9) ?? SPEEDS[0];
}

export class PlaybackClock {
  constructor({ position = 0, speed = 1, idleLimitMs = null, paused = true } = {}) {
    this.position = position;
    this.speed = clampSpeed(speed);
    this.idleLimitMs = idleLimitMs;
    this.paused = paused;
    this.stalled = false; // true while the events ahead are still loading
    this.holdAtEnd = false; // live: wait at the end for more events instead of stopping
  }

  /**
   * Advance by `wallMs` of wall time. `timeline` gives the next boundary and what is loaded;
   * the position never passes the end of the loaded range (it stalls there until the loader
   * catches up). Returns the new position.
   */
  advance(wallMs, timeline) {
    this.stalled = false;
    if (this.paused || wallMs <= 0) return this.position;
    const end = timeline.durationMs;
    let play = wallMs * this.speed;
    let pos = this.position;
    let guard = 0;
    while (play > 1e-9 && pos < end && guard++ < 100000) {
      const loadedEnd = timeline.coveredUntil(pos);
      if (loadedEnd < 0) {
        this.stalled = true;
        break;
      }
      const next = timeline.nextTimeAfter(pos);
      let boundary = next === null ? end : Math.min(next, end);
      const known = loadedEnd >= boundary;
      if (!known) boundary = Math.max(pos, loadedEnd);
      if (this.idleLimitMs && known && boundary - pos > this.idleLimitMs) {
        pos = boundary - this.idleLimitMs; // skip the start of a long gap
      }
      const step = Math.min(play, boundary - pos);
      pos += step;
      play -= step;
      if (!known && pos >= boundary && play > 1e-9) {
        this.stalled = true;
        break;
      }
    }
    this.position = Math.min(pos, end);
    if (this.position >= end && !this.holdAtEnd) this.paused = true;
    return this.position;
  }

  seek(ms, durationMs) {
    this.position = Math.max(0, Math.min(ms, durationMs));
  }
}
