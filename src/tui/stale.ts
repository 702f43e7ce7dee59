import { createContext, useContext } from "react";

/**
 * True while the view shows the last known state of a gateway that went away: tables draw their
 * rows grey instead of in state colours, so nothing on screen looks live.
 */
export const StaleContext = createContext(false);

export function useStale(): boolean {
  return useContext(StaleContext);
}
