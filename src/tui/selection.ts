import type { DashboardState, PaneId } from "./store.ts";

/** Number of selectable rows in a pane; selection is clamped against it. */
export function paneLength(state: DashboardState, pane: PaneId): number {
  switch (pane) {
    case "adapters":
      return state.status.adapters.length;
    case "installs":
      return state.status.installs.length;
    case "sessions":
      return 0;
    case "integrations":
      return state.status.integrations.length;
    case "logs":
      return state.logs.length;
  }
}

/** The selection of a pane clamped to its current length (rows can vanish under the cursor). */
export function selectedIndex(state: DashboardState, pane: PaneId): number {
  return clamp(state.selected[pane], 0, Math.max(0, paneLength(state, pane) - 1));
}

export function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
