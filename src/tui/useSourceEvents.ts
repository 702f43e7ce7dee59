import { useEffect, type Dispatch } from "react";
import type { BosunEvent } from "../core/events.ts";
import type { DashboardSource } from "./source.ts";
import type { DashboardAction } from "./state.ts";

/**
 * Feeds a source's events into the reducer. An event after a quiet spell is dispatched at
 * once (so the first snapshot and a lone message show without delay); during a burst,
 * events are queued and dispatched together at most once per `flushMs`, because the gateway
 * can emit hundreds of log lines a second and each dispatch would otherwise be a render
 * (a commit costs several milliseconds of React, Yoga layout and Ink output; 10 a second is
 * plenty to watch traffic by).
 */
export function useSourceEvents(source: DashboardSource, dispatch: Dispatch<DashboardAction>, now: () => number, flushMs = 100): void {
  useEffect(() => {
    let queue: BosunEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    let lastFlush = Number.NEGATIVE_INFINITY;
    const flush = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      lastFlush = performance.now();
      if (!live || queue.length === 0) return;
      const events = queue;
      queue = [];
      dispatch({ kind: "events", events });
    };
    const unsubscribe = source.subscribe(
      (e) => {
        if (!live) return;
        queue.push(e);
        if (timer !== undefined) return;
        const wait = lastFlush + flushMs - performance.now();
        if (wait <= 0) flush();
        else timer = setTimeout(flush, wait);
      },
      (connected) => {
        // Apply what arrived before the connection changed, so order is preserved.
        flush();
        if (live) dispatch({ kind: "connection", connected, at: now() });
      },
    );
    return () => {
      live = false;
      if (timer !== undefined) clearTimeout(timer);
      unsubscribe();
    };
  }, [source, dispatch, now, flushMs]);
}
