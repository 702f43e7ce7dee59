import { createContext, useContext } from "react";
import type { DashboardState } from "./state.ts";

/**
 * True while the view shows the last known state of a gateway that went away: tables draw their
 * rows grey instead of in state colours, so nothing on screen looks live.
 */
export const StaleContext = createContext(false);

export function useStale(): boolean {
  return useContext(StaleContext);
}

/** Lost the gateway after having seen it: the view shows the last known state, frozen. */
export function isGone(state: DashboardState): boolean {
  return state.synced && !state.connected;
}

/** The time the view is drawn at: the clock, or the moment the gateway went away (clocks stop there). */
export function viewTime(state: DashboardState, clock: number): number {
  return isGone(state) && state.goneAt !== null ? state.goneAt : clock;
}
