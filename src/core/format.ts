/**
 * How numbers read to a person, for every view: durations, ages, sizes, speeds and time left.
 * The CLI's tables and progress lines and the dashboard's panes all go through these, so the
 * same install or uptime reads the same everywhere. Pure: no colours, nothing printed.
 */

/** "45s", "4m 05s", "2h 03m", "3d 04h": compact enough for a table cell; negatives read as 0s. */
export function formatDuration(ms: number): string {
  const s = Number.isFinite(ms) ? Math.max(0, Math.floor(ms / 1000)) : 0;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad2(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad2(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${pad2(h % 24)}h`;
}

/** Age of an ISO timestamp relative to `now`: "12s ago", "now", "in 4s"; "—" when it never happened. */
export function formatAge(iso: string | null, now: number): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "—";
  const d = now - t;
  // A display clock ticks once a second, and an attached gateway's clock may be skewed, so
  // a fresh event can look slightly in the future: anything within a second is "now".
  if (Math.abs(d) < 1000) return "now";
  if (d < 0) return `in ${formatDuration(-d)}`;
  return `${formatDuration(d)} ago`;
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

/**
 * The countdown to an adapter's next retry: "retry in 12s", or "retrying…" once it is due.
 * Rounded up, so it reaches "retry in 1s" before it says "retrying…".
 */
export function formatRetry(iso: string | null, now: number): string | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  const d = t - now;
  return d > 0 ? `retry in ${formatDuration(Math.ceil(d / 1000) * 1000)}` : "retrying…";
}

/** Time left, rounded up to the second so it never says 0s while bytes remain. */
export function formatEta(ms: number): string {
  return formatDuration(Math.ceil(ms / 1000) * 1000);
}

/** Local wall-clock "HH:MM:SS" of an ISO timestamp; "--:--:--" when it does not parse. */
export function formatClock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "--:--:--";
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** A count in at most four characters: "999", "1.2k", "12k", "1.2M". */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${(Math.floor(n / 100) / 10).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.floor(n / 1000)}k`;
  if (n < 10_000_000) return `${(Math.floor(n / 100_000) / 10).toFixed(1)}M`;
  return `${Math.floor(n / 1_000_000)}M`;
}

/** How many of `width` bar cells are filled at `percent`; floored, so a bar is only full when done. */
export function barFill(percent: number, width: number): number {
  const p = Math.min(100, Math.max(0, Number.isFinite(percent) ? percent : 0));
  return Math.floor((p / 100) * width);
}

const KIB = 1024;
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

interface Unit {
  name: string;
  size: number;
  digits: number;
}

// Binary units, as the catalogue's sizes are. The next unit takes over just before 1000 of
// this one would show, so no size needs four digits before the point ("1000.0 MiB").
const UNITS: readonly Unit[] = [
  { name: "B", size: 1, digits: 0 },
  { name: "KiB", size: KIB, digits: 1 },
  { name: "MiB", size: MIB, digits: 1 },
  { name: "GiB", size: GIB, digits: 2 },
];

function unitFor(bytes: number): Unit {
  if (bytes < KIB) return UNITS[0]!;
  for (const u of UNITS.slice(1, -1)) if (bytes / u.size < 999.95) return u;
  return UNITS[UNITS.length - 1]!;
}

function bytesOf(n: number): number {
  return Number.isFinite(n) ? Math.max(0, n) : 0;
}

function inUnit(bytes: number, u: Unit): string {
  return (bytes / u.size).toFixed(u.digits);
}

/** "5 B", "4.8 KiB", "141.1 MiB", "1.50 GiB": every size shown, in the catalogue's binary units. */
export function formatSize(bytes: number): string {
  const b = bytesOf(bytes);
  const u = unitFor(b);
  return `${inUnit(b, u)} ${u.name}`;
}

/** "60.0/148.0 MiB": downloaded of total, both in the total's unit so they compare at a glance. */
export function formatSizePair(done: number, total: number): string {
  const t = bytesOf(total);
  const u = unitFor(t);
  return `${inUnit(bytesOf(done), u)}/${inUnit(t, u)} ${u.name}`;
}

/** "12.3 MiB/s", "512 KiB/s", "123 MiB/s", "1.2 GiB/s": at most ten characters. */
export function formatSpeed(bytesPerSecond: number): string {
  const b = bytesOf(bytesPerSecond);
  if (b < MIB) return `${Math.round(b / KIB)} KiB/s`;
  const m = b / MIB;
  if (m < 99.95) return `${m.toFixed(1)} MiB/s`;
  if (m < 999.5) return `${Math.round(m)} MiB/s`;
  return `${(b / GIB).toFixed(1)} GiB/s`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
