// Small WebAudio blips for tool events (off by default; M toggles). Pitch by station.

import { STATIONS, stationOf } from "../player/tools.js";

export class ToolSounds {
  constructor() {
    this.muted = true;
    this.ctx = null;
    this.lastAt = 0;
  }

  setMuted(muted) {
    this.muted = muted;
    if (!muted && !this.ctx && typeof AudioContext !== "undefined") this.ctx = new AudioContext();
  }

  /** A short tone for a tool event (at most ~12 per second, so 16× stays pleasant). */
  play(event) {
    if (this.muted || !this.ctx || !event.tool) return;
    const now = this.ctx.currentTime;
    if (now - this.lastAt < 0.08) return;
    this.lastAt = now;
    const index = STATIONS.indexOf(stationOf(event.tool));
    const osc = this.ctx.createOscillator();
    const gain = this.ctx.createGain();
    osc.frequency.value = 330 * 2 ** (index / 6) * (event.type === "post_tool_use_failure" ? 0.5 : 1);
    osc.type = event.type === "post_tool_use_failure" ? "sawtooth" : "sine";
    gain.gain.setValueAtTime(0.06, now);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.12);
    osc.connect(gain).connect(this.ctx.destination);
    osc.start(now);
    osc.stop(now + 0.13);
  }
}
