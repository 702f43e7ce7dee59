import type { AdapterStatus } from "../core/status.ts";
import { oneLine } from "./format.ts";

export type AdapterAction = "restart" | "stop" | "start";

/** An adapter action the user asked for; App runs it through the source's actions. */
export interface ControlRequest {
  id: number;
  action: AdapterAction;
  name: string;
}

export type NoticeTone = "pending" | "ok" | "warn" | "error" | "info";

/** The one-line status in the footer: an action under way, or how it ended. */
export interface Notice {
  text: string;
  tone: NoticeTone;
  /**
   * Clock time after which the next tick drops it; null while pending, or until the first
   * tick stamps it when it was made without a time.
   */
  expiresAt: number | null;
}

/** How long an outcome stays on screen. */
export const NOTICE_MS = 5000;

export const READ_ONLY_NOTICE = "read-only view: this dashboard cannot restart or stop adapters";

const VERB: Record<AdapterAction, string> = { restart: "restarting", stop: "stopping", start: "starting" };

/** `s` stops an adapter unless it is already stopped, in which case it starts it. */
export function actionFor(op: "restart" | "toggle", adapter: AdapterStatus): AdapterAction {
  if (op === "restart") return "restart";
  return adapter.state === "stopped" ? "start" : "stop";
}

export function pendingNotice(req: ControlRequest): Notice {
  return { text: `${VERB[req.action]} ${req.name}…`, tone: "pending", expiresAt: null };
}

/** "web: running", coloured by how good the outcome is; an error is shown as its own message. */
export function outcomeNotice(req: ControlRequest, result: { outcome?: string; error?: string }, at: number | undefined): Notice {
  const expiresAt = at === undefined ? null : at + NOTICE_MS;
  if (result.error !== undefined) return { text: oneLine(result.error) || `${req.action} ${req.name} failed`, tone: "error", expiresAt };
  const outcome = result.outcome ?? "";
  const tone: NoticeTone = outcome === "failed" ? "error" : outcome === "still-starting" ? "warn" : "ok";
  return { text: `${req.name}: ${outcome.replace(/-/g, " ")}`, tone, expiresAt };
}

export function infoNotice(text: string, at: number | undefined): Notice {
  return { text, tone: "info", expiresAt: at === undefined ? null : at + NOTICE_MS };
}

/** A clock tick: stamp a fresh notice with its expiry, or drop an expired one. Same object when nothing changes. */
export function tickNotice(n: Notice | null, now: number): Notice | null {
  if (!n || n.tone === "pending") return n;
  if (n.expiresAt === null) return { ...n, expiresAt: now + NOTICE_MS };
  return now >= n.expiresAt ? null : n;
}
