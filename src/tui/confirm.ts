/** Actions that ask first: an uninstall (a second `u`) and stopping the last running channel (y/n). */
import type { Notice } from "./control.ts";
import type { ConfirmKind, DashboardState, PendingConfirm } from "./state.ts";

/** How long the second `u` that confirms an uninstall may take. */
export const CONFIRM_MS = 3000;
/** A y/n question is read before it is answered, so it waits longer. */
export const STOP_CONFIRM_MS = 10_000;

const WINDOW: Record<ConfirmKind, number> = { uninstall: CONFIRM_MS, stop: STOP_CONFIRM_MS };

export function confirmPrompt(c: Pick<PendingConfirm, "kind" | "target">): string {
  return c.kind === "uninstall" ? `press u again to uninstall ${c.target}` : `${c.target} is the only running channel: stop it? y/n`;
}

/** Ask: the prompt goes in the footer and lapses with the offer. */
export function askConfirm(state: DashboardState, kind: ConfirmKind, target: string, at: number | undefined): DashboardState {
  const expiresAt = at === undefined ? null : at + WINDOW[kind];
  const notice: Notice = { text: confirmPrompt({ kind, target }), tone: "prompt", expiresAt };
  return { ...state, confirm: { kind, target, expiresAt }, notice };
}

/** Whether `c` is still open at `at` (a press without a time counts as in time). */
export function confirmOpen(c: PendingConfirm | null, kind: ConfirmKind, target: string, at: number | undefined): boolean {
  return c !== null && c.kind === kind && c.target === target && (at === undefined || c.expiresAt === null || at < c.expiresAt);
}

/** Withdraw a pending confirmation, and its prompt with it. */
export function dropConfirm(state: DashboardState): DashboardState {
  const c = state.confirm;
  if (!c) return state;
  const notice = state.notice?.text === confirmPrompt(c) ? null : state.notice;
  return { ...state, confirm: null, notice };
}

/** A clock tick: stamp a fresh confirmation, or let a lapsed one go with its prompt. Same object when nothing changes. */
export function tickConfirm(state: DashboardState, now: number): DashboardState {
  const c = state.confirm;
  if (!c) return state;
  if (c.expiresAt === null) return { ...state, confirm: { ...c, expiresAt: now + WINDOW[c.kind] } };
  return now >= c.expiresAt ? dropConfirm(state) : state;
}
