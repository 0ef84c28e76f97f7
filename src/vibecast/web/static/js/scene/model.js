// What the workshop scene shows, derived from the events alone: one zone per session, and per
// agent (the main agent, each subagent) the list of its activities (a tool call at a station,
// or talking/thinking). Built once per change of the loaded events; `stateAt(t)` then answers
// by binary search, so drawing a frame never walks the whole replay.

import { eventTime, upperBound } from "../player/timeline.js";
import { isError, stationOf, toolFile } from "../player/tools.js";

// A walk between stations is short: it reads as movement, and a video needs few pictures for it.
export const WALK_MS = 450;
export const FLASH_MS = 1500;
export const SPEAK_MS = 2500;
const LEAVE_MS = 900;

function agentKeyOf(event) {
  return event.parentToolUseId || event.agentId || "main";
}

/** One agent's timeline: activities sorted by start. */
class AgentTrack {
  constructor(key, zone, parentKey) {
    this.key = key;
    this.zone = zone;
    this.parentKey = parentKey;
    this.label = key === "main" ? "Claude" : "";
    this.starts = [];
    this.activities = []; // {start, end, station, tool, file, error, toolUseId}
    this.speech = []; // {start, kind: "say"|"think"|"prompt", text}
    this.speechStarts = [];
    this.born = Infinity;
    this.gone = Infinity; // when it leaves (subagents); Infinity: stays
  }
}

export class SceneModel {
  constructor() {
    this.version = -1;
    this.zones = []; // session ids in order of appearance
    this.tracks = new Map();
    this.cameras = []; // [{t, scene_state}]
    this.cameraTimes = [];
  }

  /** Rebuild from a Timeline if it changed since the last build. */
  update(timeline) {
    if (timeline.version === this.version) return false;
    this.version = timeline.version;
    this.build(timeline.events);
    return true;
  }

  build(events) {
    const zoneIndex = new Map();
    const tracks = new Map();
    const byToolUse = new Map(); // toolUseId -> activity
    const cameras = [];
    const taskCalls = new Map(); // Task toolUseId -> {start, end}
    const track = (key, zone, parent) => {
      let t = tracks.get(key);
      if (!t) {
        t = new AgentTrack(key, zone, parent);
        tracks.set(key, t);
      }
      return t;
    };
    track("main", 0, null);
    for (const event of events) {
      const t = eventTime(event);
      const session = event.sessionId || "";
      if (!zoneIndex.has(session)) zoneIndex.set(session, zoneIndex.size);
      const zone = zoneIndex.get(session);
      const key = agentKeyOf(event);
      const agent = key === "main" ? track(`main:${zone}`, zone, null) : track(key, zone, "main");
      if (key !== "main") {
        agent.born = Math.min(agent.born, t);
        if (!agent.label) agent.label = event.agentType || "subagent";
      } else {
        agent.born = Math.min(agent.born, t);
        agent.label = zone === 0 ? "Claude" : `Claude ${zone + 1}`;
      }
      if (event.scene_state && typeof event.scene_state === "object") cameras.push({ t, state: event.scene_state });
      if (event.type === "pre_tool_use" && event.tool) {
        const activity = {
          start: t,
          end: Infinity,
          station: stationOf(event.tool).id,
          tool: event.tool,
          file: toolFile(event),
          error: null,
          toolUseId: event.toolUseId || null,
        };
        const list = agent.activities;
        if (list.length && list[list.length - 1].end === Infinity) list[list.length - 1].end = t;
        list.push(activity);
        if (event.toolUseId) byToolUse.set(event.toolUseId, activity);
        if ((event.tool === "Task" || event.tool === "Agent") && event.toolUseId) {
          taskCalls.set(event.toolUseId, { start: t, end: Infinity, zone, label: (event.toolInput && event.toolInput.subagent_type) || "subagent" });
        }
      } else if (event.type === "post_tool_use" || event.type === "post_tool_use_failure") {
        const activity = event.toolUseId ? byToolUse.get(event.toolUseId) : null;
        if (activity) {
          activity.end = Math.max(activity.start, t);
          if (isError(event)) activity.error = t;
        } else if (isError(event)) {
          agent.activities.push({ start: t, end: t, station: stationOf(event.tool).id, tool: event.tool || "", file: toolFile(event), error: t, toolUseId: null });
        }
        const task = event.toolUseId ? taskCalls.get(event.toolUseId) : null;
        if (task) task.end = t;
      } else if (event.type === "assistant_message" || event.type === "assistant_thinking" || event.type === "user_prompt_submit") {
        const kind = event.type === "assistant_thinking" ? "think" : event.type === "user_prompt_submit" ? "prompt" : "say";
        const text = event.text || event.thinking || event.prompt || "";
        agent.speech.push({ start: t, kind, text: String(text).slice(0, 140) });
      } else if (event.type === "subagent_stop" && key !== "main") {
        agent.gone = Math.min(agent.gone, t);
      }
    }
    // keep activities sorted (late events may be out of order within a track)
    for (const agent of tracks.values()) {
      agent.activities.sort((a, b) => a.start - b.start);
      agent.starts = agent.activities.map((a) => a.start);
      agent.speech.sort((a, b) => a.start - b.start);
      agent.speechStarts = agent.speech.map((s) => s.start);
      const task = taskCalls.get(agent.key);
      if (task) {
        agent.born = Math.min(agent.born, task.start);
        agent.gone = Math.min(agent.gone, task.end);
        agent.zone = task.zone;
        agent.label = agent.label || task.label;
      } else if (!agent.key.startsWith("main:") && agent.activities.length) {
        const last = agent.activities[agent.activities.length - 1];
        agent.gone = Math.min(agent.gone, Number.isFinite(last.end) ? last.end : Infinity);
      }
    }
    tracks.delete("main");
    // subagents of a Task that logged nothing of their own still appear at the portal
    for (const [id, task] of taskCalls) {
      if (!tracks.has(id)) {
        const agent = new AgentTrack(id, task.zone, "main");
        agent.label = task.label;
        agent.born = task.start;
        agent.gone = task.end;
        tracks.set(id, agent);
      }
    }
    this.zones = [...zoneIndex.keys()];
    if (!this.zones.length) this.zones = [""];
    this.tracks = tracks;
    cameras.sort((a, b) => a.t - b.t);
    this.cameras = cameras;
    this.cameraTimes = cameras.map((c) => c.t);
  }

  /** The recorded scene_state in force at t, or null. */
  cameraAt(t) {
    const i = upperBound(this.cameraTimes, t) - 1;
    return i >= 0 ? this.cameras[i].state : null;
  }

  /**
   * Everything the scene shows at replay time t, as plain data: agents with station, walk
   * progress, speech and flashes. A pure function of (loaded events, t).
   */
  stateAt(t) {
    const agents = [];
    const busy = new Map(); // "zone:station" -> {tool, error}
    let subIndex = 0;
    for (const agent of this.tracks.values()) {
      const isMain = agent.key.startsWith("main:");
      if (!isMain && (t < agent.born || t > agent.gone + LEAVE_MS)) continue;
      const i = upperBound(agent.starts, t) - 1;
      const current = i >= 0 ? agent.activities[i] : null;
      const previous = i > 0 ? agent.activities[i - 1] : null;
      const home = isMain ? "center" : "portal";
      const station = current ? current.station : home;
      const from = previous ? previous.station : home;
      const walk = current ? Math.min(1, (t - current.start) / WALK_MS) : 1;
      const active = current && t <= current.end ? current : null;
      const errorAge = current && current.error !== null && t >= current.error ? t - current.error : Infinity;
      const s = upperBound(agent.speechStarts, t) - 1;
      const speech = s >= 0 && t - agent.speech[s].start < SPEAK_MS && (!current || agent.speech[s].start >= current.start - 1) ? agent.speech[s] : null;
      let leaving = 0;
      if (!isMain && Number.isFinite(agent.gone) && t > agent.gone) leaving = Math.min(1, (t - agent.gone) / LEAVE_MS);
      const arriving = !isMain ? Math.min(1, (t - agent.born) / LEAVE_MS) : 1;
      agents.push({
        key: agent.key,
        label: agent.label,
        main: isMain,
        zone: agent.zone,
        slot: isMain ? 0 : 1 + (subIndex++ % 6),
        station: leaving > 0 ? "portal" : station,
        from: leaving > 0 ? station : from,
        walk: leaving > 0 ? leaving : walk,
        tool: active ? active.tool : null,
        file: active ? active.file : current ? current.file : "",
        activeFor: active ? t - active.start : -1,
        flash: errorAge < FLASH_MS ? 1 - errorAge / FLASH_MS : 0,
        speech,
        speechAge: speech ? t - speech.start : 0,
        fade: leaving > 0 ? 1 - leaving : arriving,
      });
      if (active && walk >= 1) busy.set(`${agent.zone}:${station}`, { tool: active.tool, since: active.start });
      if (errorAge < FLASH_MS) busy.set(`${agent.zone}:${station}:error`, { flash: 1 - errorAge / FLASH_MS });
    }
    return { t, agents, busy, zones: this.zones, camera: this.cameraAt(t) };
  }
}
