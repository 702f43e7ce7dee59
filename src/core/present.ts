/**
 * How states read to a person, for every view: the word shown for a status row and its tone.
 * The CLI (src/cli/output.ts) and the dashboard (src/tui/theme.ts) each turn a tone into their
 * own colours in one place, so a state cannot look calm in one and alarming in the other.
 * Numbers (durations, sizes, speeds) read alike through format.ts and pace.ts beside this.
 * Pure: no colour codes, nothing printed.
 */
import type { LogLevel } from "./events.ts";
import type { GatewayState, InstallStatus } from "./status.ts";

/** Good, under way, worth a look, wrong, nothing happening, or no opinion. */
export type Tone = "ok" | "busy" | "warn" | "bad" | "muted" | "plain";

/** A state as shown: its word, its tone, and a short note worth printing beside it (or null). */
export interface Look {
  word: string;
  tone: Tone;
  note: string | null;
}

// One table for the state words of adapters, installs, the gateway, integrations and sessions.
// A Map, so a hostile integration state such as "constructor" finds nothing.
const TONES = new Map<string, Tone>([
  ["running", "ok"],
  ["installed", "ok"],
  ["ok", "ok"],
  ["connected", "ok"],
  ["active", "ok"],
  ["installing", "busy"],
  ["starting", "warn"],
  ["backoff", "warn"],
  ["stopping", "warn"],
  ["queued", "warn"],
  ["stale", "warn"],
  ["connecting", "warn"],
  ["refreshing", "warn"],
  // A Composio toolkit without an active account: nothing broke, but its tools are not offered.
  ["not_connected", "warn"],
  ["failed", "bad"],
  ["error", "bad"],
  ["broken", "bad"],
  ["errored", "bad"],
  ["crashed", "bad"],
  // A source whose listing failed (never cached: the next read tries again).
  ["unavailable", "bad"],
  ["stopped", "muted"],
  ["missing", "muted"],
  ["cancelled", "muted"],
]);

/** The tone of a state word; words it does not know get none. */
export function stateTone(word: string): Tone {
  return TONES.get(word) ?? "plain";
}

/**
 * The gateway's tone: the same in `bosun status` and the dashboard, so a stopped gateway is at
 * rest in both (a dashboard that lost its gateway says so in words: "gateway gone").
 */
export function gatewayTone(state: GatewayState): Tone {
  return stateTone(state);
}

const LEVELS: Record<LogLevel, Tone> = { debug: "muted", info: "busy", warn: "warn", error: "bad" };

/** The tone of a log record's level. */
export function levelTone(level: LogLevel): Tone {
  // An attached stream's record may carry any word; only the four levels have a tone.
  return Object.hasOwn(LEVELS, level) ? LEVELS[level] : "plain";
}

/**
 * A cancel is stored as state `error` with stage `cancelled` (the contract's states: the
 * install ended early, its `.part` kept), but nothing went wrong.
 */
export function isCancelled(x: Pick<InstallStatus, "state" | "stage">): boolean {
  return x.state === "error" && x.stage === "cancelled";
}

/** What to do about a cancelled install. */
export const CANCELLED_NOTE = "install again to resume";

/** How an install row reads: a cancel is its own calm state, everything else its stored state. */
export function installLook(x: Pick<InstallStatus, "state" | "stage">): Look {
  if (isCancelled(x)) return { word: "cancelled", tone: "muted", note: CANCELLED_NOTE };
  return { word: x.state, tone: stateTone(x.state), note: null };
}

/**
 * A session's tone in every view: one whose last turn failed or that has replies given up on
 * stands out even while its state word is calm; otherwise its state's tone.
 */
export function sessionTone(s: { state: string; deadOut: number }): Tone {
  return s.state === "errored" || s.deadOut > 0 ? "bad" : stateTone(s.state);
}

/** A session's undelivered replies in a few words ("1 dead · 2 unsent"; "" when none), for the CLI table and the dashboard alike. */
export function undeliveredText(s: { deadOut: number; pendingOut: number }): string {
  return [s.deadOut > 0 ? `${s.deadOut} dead` : "", s.pendingOut > 0 ? `${s.pendingOut} unsent` : ""].filter(Boolean).join(" · ");
}
