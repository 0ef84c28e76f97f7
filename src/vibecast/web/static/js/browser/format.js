// How the browser shows times, dates and sizes.

export function duration(ms) {
  const total = Math.max(0, Math.floor((ms || 0) / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return hours ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
}

/** When the session was recorded (its first event), else when the replay was created. */
export function recordedAt(replay) {
  const iso = replay.metadata && replay.metadata.recorded_date;
  const date = iso ? new Date(iso) : new Date(replay.created_at || 0);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function dateTime(date) {
  if (!date) return "unknown date";
  return date.toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

/** A replay's title as the user sees it. */
export function titleOf(replay) {
  return replay.title || (replay.metadata && replay.metadata.session_name) || "Untitled session";
}

/** Tools by use, most used first: [[name, count], ...]. */
export function topTools(replay, limit = 5) {
  const breakdown = (replay.metadata && replay.metadata.tool_breakdown) || {};
  return Object.entries(breakdown)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit);
}
