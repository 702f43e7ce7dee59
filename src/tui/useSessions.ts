import { useEffect, useRef, type Dispatch } from "react";
import type { SessionReads } from "./source.ts";
import type { DashboardAction } from "./state.ts";

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

/** Run `read` now, every `everyMs` and whenever `deps` change, while `active`; never two at once. */
function usePoll(active: boolean, deps: readonly unknown[], everyMs: number, read: () => Promise<void>): void {
  const latest = useRef(read);
  latest.current = read;
  const busy = useRef<{ running: boolean; again: boolean }>({ running: false, again: false });
  const run = useRef(() => {
    const b = busy.current;
    if (b.running) {
      b.again = true;
      return;
    }
    b.running = true;
    void latest.current().finally(() => {
      b.running = false;
      if (b.again) {
        b.again = false;
        run.current();
      }
    });
  });
  useEffect(() => {
    if (!active) return;
    run.current();
    const t = setInterval(() => run.current(), everyMs);
    return () => clearInterval(t);
    // `deps` are what should trigger a read, beside the clock.
  }, [active, everyMs, ...deps]);
}
