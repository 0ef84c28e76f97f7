// Times as people read them, and the deep-link time syntax (?t=90000, ?t=1m30s, ?t=1:30).

/** 83_000 → "1:23"; an hour or more → "1:02:03". */
export function formatTime(ms) {
  const total = Math.max(0, Math.floor((Number(ms) || 0) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** "90000" (ms), "1m30s", "1h2m", "90s", "1:30", "1:02:03" → ms; null if unreadable. */
export function parseTime(text) {
  const value = String(text ?? "").trim().toLowerCase();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value);
  if (/^\d+(:\d{1,2}){1,2}(\.\d+)?$/.test(value)) {
    const parts = value.split(":").map(Number);
    let seconds = 0;
    for (const part of parts) seconds = seconds * 60 + part;
    return Math.round(seconds * 1000);
  }
  const match = value.match(/^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/);
  if (!match || match[0] === "") return null;
  const [, h, m, s, ms] = match;
  return Math.round((Number(h || 0) * 3600 + Number(m || 0) * 60 + Number(s || 0)) * 1000 + Number(ms || 0));
}
