/** Keys pressed on a pane they do not work on. */
import { infoNotice } from "./control.ts";
import { PANE_TITLES, type PaneId } from "./panes.ts";
import type { DashboardState, UiAction } from "./state.ts";

/** Keys that act on one pane's rows, and which pane that is. */
const HOME: Partial<Record<UiAction["kind"], PaneId>> = { session: "sessions", control: "adapters", detail: "adapters", pick: "installs", cancelInstall: "installs", uninstall: "installs" };

/**
 * A pane key pressed on another pane says where it works, rather than doing nothing: a
 * silent key reads as a broken one.
 */
export function notHere(state: DashboardState, ui: UiAction, at: number | undefined): DashboardState | null {
  const home = HOME[ui.kind];
  if (!home || home === state.pane || state.help) return null;
  // Closing something (enter or esc on a detail view) needs no explanation.
  if (ui.kind === "detail" && ui.open === false) return null;
  // Enter opens an adapter's details, a session's transcript and a tool source's tools.
  if (ui.kind === "detail" && (state.pane === "sessions" || state.pane === "integrations")) return null;
  const key = ui.kind === "session" ? (ui.op === "reset" ? "x" : "s") : ui.kind === "control" ? (ui.op === "restart" ? "r" : "s") : ui.kind === "detail" ? "enter" : ui.kind === "pick" ? "i" : ui.kind === "cancelInstall" ? "x" : "u";
  return { ...state, notice: infoNotice(`${key}: only on the ${PANE_TITLES[home]} pane`, at) };
}
