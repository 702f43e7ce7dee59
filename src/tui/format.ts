/** Small text formatters shared by the panes; pure so they stay cheap and testable. */
import { escapeControls } from "../core/util/text.ts";

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

/** Age in one unit for a count cell: "now", "12s", "3m", "2h", "5d"; "" when it never happened. */
export function formatTinyAge(iso: string | null, now: number): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.floor((now - t) / 1000);
  if (s < 1) return "now";
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** A count in at most four characters: "999", "1.2k", "12k", "1.2M". */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${(Math.floor(n / 100) / 10).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.floor(n / 1000)}k`;
  if (n < 10_000_000) return `${(Math.floor(n / 100_000) / 10).toFixed(1)}M`;
  return `${Math.floor(n / 1_000_000)}M`;
}

/** Messages through a channel and how long ago the last one was: "12 · 3m", or "—" for none. */
export function formatTraffic(count: number | undefined, lastAt: string | null, now: number): string {
  const age = formatTinyAge(lastAt, now);
  if (!count && !age) return "—";
  return age ? `${formatCount(count ?? 0)} · ${age}` : formatCount(count ?? 0);
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

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
// Switch to GiB a little before 1024 MiB so a size never needs five digits before the point.
const GIB_FROM = 1000 * MIB;

/** "141.0 MiB", "1.50 GiB": install sizes, in the binary units the catalogue uses. */
export function formatMiB(bytes: number): string {
  return bytes >= GIB_FROM ? `${(bytes / GIB).toFixed(2)} GiB` : `${(bytes / MIB).toFixed(1)} MiB`;
}

/** "60.0/148.0 MiB": downloaded of total, both in the total's unit so they compare at a glance. */
export function formatMiBPair(done: number, total: number): string {
  if (total >= GIB_FROM) return `${(done / GIB).toFixed(2)}/${(total / GIB).toFixed(2)} GiB`;
  return `${(done / MIB).toFixed(1)}/${(total / MIB).toFixed(1)} MiB`;
}

/** "12.3 MiB/s", "512 KiB/s", "123 MiB/s": at most ten characters. */
export function formatSpeed(bytesPerSecond: number): string {
  const b = Math.max(0, bytesPerSecond);
  if (b < MIB) return `${Math.round(b / 1024)} KiB/s`;
  const m = b / MIB;
  if (m < 100) return `${m.toFixed(1)} MiB/s`;
  if (m < 1000) return `${Math.round(m)} MiB/s`;
  return `${(b / GIB).toFixed(1)} GiB/s`;
}

/** Time left, rounded up to the second so it never says 0s while bytes remain. */
export function formatEta(ms: number): string {
  return formatDuration(Math.ceil(ms / 1000) * 1000);
}

/** How many of `width` bar cells are filled at `percent`; floored, so a bar is only full when done. */
export function barFill(percent: number, width: number): number {
  const p = Math.min(100, Math.max(0, percent));
  return Math.floor((p / 100) * width);
}

/** A fixed-width text progress bar, e.g. "[#####-----]". */
export function progressBar(percent: number, width = 10): string {
  const p = Math.min(100, Math.max(0, percent));
  const filled = Math.round((p / 100) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/** Longest conversation id shown whole on a message line. */
export const CONVERSATION_MAX = 14;

/**
 * A conversation id short enough to leave the message its line: ids such as UUIDs or
 * platform chat ids keep a prefix (usually unique among recent traffic) and an ellipsis.
 */
export function shortConversation(id: string): string {
  const shown = oneLine(id);
  const chars = Array.from(shown);
  return chars.length <= CONVERSATION_MAX ? shown : `${chars.slice(0, 8).join("")}…`;
}

/**
 * Text from outside (chat messages, user names, ids, errors quoting them) as the dashboard may
 * draw it wrapped: line breaks kept, tabs as a space (a terminal would widen them past what Ink
 * measured), every other control character shown as an escape (core's one escaper), so that
 * an id like "\u001b]0;…" cannot retitle the terminal or clear the screen.
 */
export function shownText(text: string): string {
  return escapeControls(text.replace(/\r\n/g, "\n").replace(/\t/g, " "), "\n");
}

/** `shownText` on one row: newlines collapsed, so one message or log record stays on its line. */
export function oneLine(text: string): string {
  return escapeControls(text.replace(/\s*\r?\n\s*/g, " ⏎ ").replace(/\t/g, " "));
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
