import { utimesSync } from "node:fs";
import type { Clock } from "./util/clock.ts";

/**
 * Mark `file` as alive every `everyMs`: its modification time is set to the clock's now. A
 * gateway that dies without stopping leaves its running record with the time it was last alive,
 * which `bosun status` reports (stale-run.ts); an idle gateway writes no log, so the log's
 * last write can be days older than the crash. One utimes call per period: no measurable idle
 * CPU. Returns the function that stops it; the gateway calls it first thing on stop, so the
 * pending sleep never keeps a process alive.
 */
export function startHeartbeat(file: string, clock: Clock, everyMs: number): () => void {
  const stop = new AbortController();
  void (async () => {
    for (;;) {
      await clock.sleep(everyMs, stop.signal);
      if (stop.signal.aborted) return;
      const now = clock.now() / 1000;
      try {
        utimesSync(file, now, now);
      } catch {
        // The record is gone (removed by hand, or shutdown is under way): nothing to mark.
      }
    }
  })();
  return () => stop.abort();
}
