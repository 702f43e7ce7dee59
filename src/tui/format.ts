/** Small text formatters shared by the panes; pure so they stay cheap and testable. */

/** "45s", "4m 05s", "2h 03m", "3d 04h": compact enough for a table cell. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad2(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad2(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${pad2(h % 24)}h`;
}

/** Age of an ISO timestamp relative to `now`; "—" when it never happened. */
export function formatAge(iso: string | null, now: number): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "—";
  const d = now - t;
  // The display clock ticks once a second, and an attached gateway's clock may be skewed, so
  // a fresh event can look slightly in the future: anything within a second is "now".
  if (Math.abs(d) < 1000) return "now";
  if (d < 0) return `in ${formatDuration(-d)}`;
  return `${formatDuration(d)} ago`;
}

/** Age for a narrow table cell: "12s", "4m 05s", "now", or "—" when it never happened. */
export function formatShortAge(iso: string | null, now: number): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "—";
  // Within a second, or "in the future" through clock skew with an attached gateway.
  return now - t < 1000 ? "now" : formatDuration(now - t);
}

/**
 * The live countdown to an adapter's next retry: "retry in 12s", or "retrying…" once it is
 * due. Rounded up, so it reaches "retry in 1s" before it says "retrying…".
 */
export function formatRetry(iso: string | null, now: number): string | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  const d = t - now;
  return d > 0 ? `retry in ${formatDuration(Math.ceil(d / 1000) * 1000)}` : "retrying…";
}

/** Local wall-clock "HH:MM:SS" of an ISO timestamp. */
export function formatClock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "--:--:--";
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** "512 B", "1.4 MB": install sizes. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** A fixed-width text progress bar, e.g. "[#####-----]". */
export function progressBar(percent: number, width = 10): string {
  const p = Math.min(100, Math.max(0, percent));
  const filled = Math.round((p / 100) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/** Collapse newlines so one message or log record stays on one row. */
export function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, " ⏎ ");
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
