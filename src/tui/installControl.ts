import type { InstallStatus } from "../core/status.ts";
import { infoNotice, READ_ONLY_INSTALLS_NOTICE, withRequest, type Notice } from "./control.ts";
import { selectedIndex } from "./selection.ts";
import type { DashboardState } from "./store.ts";

/** How long the second `u` that confirms an uninstall may take. */
export const CONFIRM_MS = 3000;

/** An uninstall waiting for its second `u`. */
export interface UninstallConfirm {
  target: string;
  /** Clock time the offer lapses; null until the first tick stamps it when made without a time. */
  expiresAt: number | null;
}

/** The install `x` and `u` act on: the selected row. */
export function selectedInstall(state: DashboardState): InstallStatus | undefined {
  return state.status.installs[selectedIndex(state, "installs")];
}

export function confirmPrompt(target: string): string {
  return `press u again to uninstall ${target}`;
}

/** `x`: cancel the selected install, which only means something while it is queued or running. */
export function cancelInstall(state: DashboardState, at: number | undefined): DashboardState {
  if (!onInstalls(state)) return state;
  if (!state.controls) return { ...state, notice: infoNotice(READ_ONLY_INSTALLS_NOTICE, at) };
  const x = selectedInstall(state);
  if (!x || (x.state !== "installing" && x.state !== "queued")) {
    return { ...state, notice: infoNotice(x ? `nothing to cancel: ${x.target} is ${x.state}` : "nothing to cancel", at) };
  }
  if (state.request) return state;
  return withRequest(state, "cancel", x.target);
}

/**
 * `u`: the first press asks for confirmation, a second press on the same target within
 * CONFIRM_MS uninstalls it. Removing a model by accident costs a long download.
 */
export function uninstallInstall(state: DashboardState, at: number | undefined): DashboardState {
  if (!onInstalls(state)) return state;
  if (!state.controls) return { ...state, notice: infoNotice(READ_ONLY_INSTALLS_NOTICE, at) };
  const x = selectedInstall(state);
  if (!x) return { ...state, confirm: null, notice: infoNotice("nothing to uninstall", at) };
  if (x.state === "installing" || x.state === "queued") {
    return { ...state, confirm: null, notice: infoNotice(`${x.target} is being installed: press x to cancel it first`, at) };
  }
  if (x.state === "missing") return { ...state, confirm: null, notice: infoNotice(`nothing to uninstall: ${x.target} is not installed`, at) };
  const c = state.confirm;
  const confirmed = c !== null && c.target === x.target && (at === undefined || c.expiresAt === null || at < c.expiresAt);
  if (!confirmed) {
    const expiresAt = at === undefined ? null : at + CONFIRM_MS;
    const notice: Notice = { text: confirmPrompt(x.target), tone: "warn", expiresAt };
    return { ...state, confirm: { target: x.target, expiresAt }, notice };
  }
  if (state.request) return state;
  return withRequest({ ...state, confirm: null }, "uninstall", x.target);
}

/** Any key other than `u` withdraws a pending confirmation, and its prompt with it. */
export function dropConfirm(state: DashboardState): DashboardState {
  const c = state.confirm;
  if (!c) return state;
  const notice = state.notice?.text === confirmPrompt(c.target) ? null : state.notice;
  return { ...state, confirm: null, notice };
}

/** A clock tick: stamp a fresh confirmation, or let a lapsed one go. Same object when nothing changes. */
export function tickConfirm(c: UninstallConfirm | null, now: number): UninstallConfirm | null {
  if (!c) return c;
  if (c.expiresAt === null) return { ...c, expiresAt: now + CONFIRM_MS };
  return now >= c.expiresAt ? null : c;
}

function onInstalls(state: DashboardState): boolean {
  return !state.help && state.pane === "installs" && state.picker === null;
}
