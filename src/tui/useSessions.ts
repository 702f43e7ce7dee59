import type { Dispatch } from "react";
import type { SessionReads } from "./source.ts";
import type { DashboardAction } from "./state.ts";
import { usePoll } from "./usePoll.ts";

/** How often the listing is read while the Sessions pane shows; it is the gateway's cache, so cheap. */
export const SESSIONS_POLL_MS = 2000;
/** How often an open transcript is read, so it follows new messages. */
export const TRANSCRIPT_POLL_MS = 1000;
const ROWS = 200;

/**
 * Keeps the Sessions pane's rows (and its open transcript) fresh while it shows: a read at once,
 * then every few seconds and whenever `changed` does (a `sessions.counts` event or a message
 * moved). One read at a time; a change during a read asks for one more after it.
 */
export function useSessions(reads: SessionReads | undefined, visible: boolean, open: string | null, changed: unknown, dispatch: Dispatch<DashboardAction>, pollMs = SESSIONS_POLL_MS): void {
  usePoll(visible && reads !== undefined, [changed], pollMs, async () => {
    try {
      const page = await reads!.sessions({ limit: ROWS });
      dispatch({ kind: "sessionsLoaded", sessions: page.sessions });
    } catch (e) {
      dispatch({ kind: "sessionsLoaded", error: e instanceof Error ? e.message : String(e) });
    }
  });
  usePoll(visible && open !== null && reads !== undefined, [open, changed], Math.min(pollMs, TRANSCRIPT_POLL_MS), async () => {
    try {
      dispatch({ kind: "sessionLoaded", detail: await reads!.session(open!) });
    } catch {
      // The listing's read reports a lost gateway; a session gone since stays as last read.
    }
  });
}
