// Where things stand in the workshop's world coordinates: zones side by side, stations on an
// ellipse around each zone's center, and the camera transform from world to canvas pixels.

import { STATIONS } from "../player/tools.js";

export const ZONE_W = 1000;
export const ZONE_H = 640;
export const ZONE_GAP = 90;

const RING = STATIONS.filter((s) => s.id !== "center");

/** Station id -> [x, y] within a zone (0..ZONE_W, 0..ZONE_H). */
export const STATION_POS = (() => {
  const out = { center: [ZONE_W / 2, ZONE_H * 0.54] };
  RING.forEach((station, i) => {
    const angle = -Math.PI * 0.75 + (i * 2 * Math.PI) / RING.length;
    out[station.id] = [ZONE_W / 2 + Math.cos(angle) * ZONE_W * 0.37, ZONE_H * 0.54 + Math.sin(angle) * ZONE_H * 0.34];
  });
  return out;
})();

export function zoneOrigin(zone) {
  return [zone * (ZONE_W + ZONE_GAP), 0];
}

export function stationPoint(zone, station) {
  const [ox, oy] = zoneOrigin(zone);
  const [x, y] = STATION_POS[station] || STATION_POS.center;
  return [ox + x, oy + y];
}

/** Where agent number `slot` stands at a station (0: the station's front). */
export function slotOffset(slot) {
  if (!slot) return [0, 58];
  // side by side, far enough apart that two agents' name labels do not overlap
  const angle = Math.PI / 2 + ((slot % 2 ? 1 : -1) * Math.ceil(slot / 2) * Math.PI) / 3;
  return [Math.cos(angle) * 80, Math.sin(angle) * 66];
}

/**
 * The world → canvas transform `{scale, x, y}` (canvas = world * scale + offset) for a
 * viewport, the recorded camera (scene_state) and the viewer's override `{zoom, panX, panY}`.
 */
export function cameraTransform(width, height, zoneCount, recorded, override) {
  const worldW = zoneCount * ZONE_W + (zoneCount - 1) * ZONE_GAP;
  let cx = worldW / 2;
  let cy = ZONE_H / 2;
  let span = worldW;
  if (recorded && typeof recorded === "object") {
    const focus = recorded.focused_zone;
    let zone = typeof focus === "number" ? focus : Number.parseInt(String(focus ?? "").replace(/\D+/g, ""), 10);
    if (!Number.isFinite(zone) || zone < 0 || zone >= zoneCount) zone = null;
    if (zone !== null && zoneCount > 1) {
      cx = zoneOrigin(zone)[0] + ZONE_W / 2;
      span = ZONE_W;
    }
    const pos = Array.isArray(recorded.camera_position) ? recorded.camera_position : null;
    if (pos && pos.length >= 3 && pos.every(Number.isFinite)) {
      cx += pos[0] * 20;
      cy += pos[2] * 20;
    }
  }
  let scale = Math.min((width * 0.94) / span, (height * 0.92) / ZONE_H);
  if (override) {
    scale *= override.zoom || 1;
    cx -= (override.panX || 0) / scale;
    cy -= (override.panY || 0) / scale;
  }
  return { scale, x: width / 2 - cx * scale, y: height / 2 - cy * scale };
}
