import type { LogLevel } from "../core/events.ts";
import type { AdapterState, GatewayState, InstallState, InstallStatus } from "../core/status.ts";

/** How a state is drawn: an Ink colour name, or dim for "nothing is happening". */
export interface Tone {
  color?: string;
  dim?: boolean;
}

const ADAPTER: Record<AdapterState, Tone> = {
  running: { color: "green" },
  starting: { color: "yellow" },
  backoff: { color: "yellow" },
  stopping: { color: "yellow" },
  stopped: { dim: true },
  failed: { color: "red" },
};

const GATEWAY: Record<GatewayState, Tone> = {
  running: { color: "green" },
  starting: { color: "yellow" },
  stopping: { color: "yellow" },
  // A dashboard looking at a stopped gateway is looking at a problem.
  stopped: { color: "red" },
  crashed: { color: "red" },
};

const INSTALL: Record<InstallState, Tone> = {
  installed: { color: "green" },
  queued: { color: "yellow" },
  installing: { color: "cyan" },
  missing: { dim: true },
  broken: { color: "red" },
  error: { color: "red" },
};

const LEVEL: Record<LogLevel, Tone> = {
  debug: { dim: true },
  info: { color: "cyan" },
  warn: { color: "yellow" },
  error: { color: "red" },
};

export const adapterTone = (s: AdapterState): Tone => ADAPTER[s] ?? {};
export const gatewayTone = (s: GatewayState): Tone => GATEWAY[s] ?? {};
export const installTone = (s: InstallState): Tone => INSTALL[s] ?? {};

/**
 * A cancel is stored as an error whose stage is `cancelled` (the install ended early, its
 * `.part` kept), but nothing went wrong: it is its own, calm state.
 */
export function isCancelled(x: InstallStatus): boolean {
  return x.state === "error" && x.stage === "cancelled";
}

export const CANCELLED_TEXT = "cancelled; install again to resume";

/** What the STATE cell of an install says and in which colour. */
export function installLook(x: InstallStatus): { label: string; tone: Tone } {
  if (isCancelled(x)) return { label: "cancelled", tone: {} };
  return { label: x.state, tone: installTone(x.state) };
}
export const levelTone = (l: LogLevel): Tone => LEVEL[l] ?? {};

/** Integration states are free-form strings; only the obvious ones get a colour. */
export function integrationTone(state: string): Tone {
  if (state === "ok" || state === "connected") return { color: "green" };
  if (state === "error" || state === "failed") return { color: "red" };
  if (state === "stale" || state === "connecting" || state === "refreshing") return { color: "yellow" };
  return {};
}

/** A Tone as Ink `<Text>` props. */
export function toneProps(t: Tone): { color?: string; dimColor?: boolean } {
  return t.dim ? { dimColor: true } : t.color ? { color: t.color } : {};
}
