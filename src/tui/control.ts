import type { AdapterAction } from "../core/control/api.ts";
import type { AdapterStatus } from "../core/status.ts";
import { oneLine } from "./format.ts";

export type InstallAction = "install" | "cancel" | "uninstall";
/** Reset, stop or start a session (by its key). */
export type SessionControl = "session-reset" | "session-stop" | "session-start";
export type ControlAction = AdapterAction | InstallAction | SessionControl;

/**
 * An action on the gateway the user asked for; App runs it through the source's actions.
 * `name` is the adapter's name, or the install target.
 */
export interface ControlRequest {
  id: number;
  action: ControlAction;
  name: string;
}

/** The one-line status in the footer: an action under way, or how it ended. */
export interface Notice {
  text: string;
  /** What the line is; theme.ts draws each kind in one colour (the only mapping to a tone). */
  tone: NoticeKind;
  /**
   * Clock time after which the next tick drops it; null while pending, or until the first
   * tick stamps it when it was made without a time.
   */
  expiresAt: number | null;
}

/** How long an outcome stays on screen. */
export const NOTICE_MS = 5000;

export const READ_ONLY_NOTICE = "read-only view: this dashboard cannot restart or stop adapters";
export const READ_ONLY_INSTALLS_NOTICE = "read-only view: this dashboard cannot install or remove models";

const VERB: Record<ControlAction, string> = {
  restart: "restarting",
  stop: "stopping",
  start: "starting",
  install: "requesting",
  cancel: "cancelling",
  uninstall: "uninstalling",
  "session-reset": "resetting",
  "session-stop": "stopping",
  "session-start": "starting",
};

/** `s` stops an adapter unless it is already stopped, in which case it starts it. */
export function actionFor(op: "restart" | "toggle", adapter: AdapterStatus): AdapterAction {
  if (op === "restart") return "restart";
  return adapter.state === "stopped" ? "start" : "stop";
}

export function pendingNotice(req: ControlRequest): Notice {
  return { text: `${VERB[req.action]} ${oneLine(req.name)}…`, tone: "pending", expiresAt: null };
}

/**
 * How an action ended, as the gateway's typed answer says it (never read from the wording):
 * done as asked, nothing to do, busy elsewhere (not done, nothing wrong), or failed.
 */
export type OutcomeKind = "ok" | "info" | "busy" | "failure";

/** A footer line's kind: an action under way, a question waiting for a key, or how an action ended. */
export type NoticeKind = "pending" | "prompt" | OutcomeKind;

/** An action's outcome for the footer: its words and its kind. */
export interface Outcome {
  text: string;
  kind: OutcomeKind;
}

/** "web: running", coloured by the outcome's kind; an error is shown as its own message. */
export function outcomeNotice(req: ControlRequest, result: { outcome?: Outcome; error?: string }, at: number | undefined): Notice {
  const expiresAt = at === undefined ? null : at + NOTICE_MS;
  if (result.error !== undefined) return { text: oneLine(result.error) || `${req.action} ${oneLine(req.name)} failed`, tone: "failure", expiresAt };
  const outcome = result.outcome ?? { text: "done", kind: "ok" };
  return { text: `${oneLine(req.name)}: ${oneLine(outcome.text)}`, tone: outcome.kind, expiresAt };
}

export function infoNotice(text: string, at: number | undefined, ms = NOTICE_MS): Notice {
  return { text, tone: "info", expiresAt: at === undefined ? null : at + ms };
}

/** A clock tick: stamp a fresh notice with its expiry, or drop an expired one. Same object when nothing changes. */
export function tickNotice(n: Notice | null, now: number): Notice | null {
  if (!n || n.tone === "pending") return n;
  if (n.expiresAt === null) return { ...n, expiresAt: now + NOTICE_MS };
  return now >= n.expiresAt ? null : n;
}
