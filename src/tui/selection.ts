import type { AdapterStatus } from "../core/status.ts";
import type { PaneId } from "./panes.ts";
import { PANE_ROWS, visibleAdapters } from "./view.ts";
import type { DashboardState } from "./state.ts";

/** Number of selectable rows in a pane as drawn (after its filter); selection is clamped against it. */
export function paneLength(state: DashboardState, pane: PaneId): number {
  return PANE_ROWS[pane]?.count(state) ?? 0;
}

/** The selection of a pane clamped to its current length (rows can vanish under the cursor). */
export function selectedIndex(state: DashboardState, pane: PaneId): number {
  return clamp(state.selected[pane], 0, Math.max(0, paneLength(state, pane) - 1));
}

/** The adapter r/s act on: the one in the detail view, else the selected row as drawn. */
export function targetAdapter(state: DashboardState): AdapterStatus | undefined {
  if (state.detail !== null) return state.status.adapters.find((a) => a.name === state.detail);
  return visibleAdapters(state)[selectedIndex(state, "adapters")];
}

export function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
