import { useEffect, useRef, type Dispatch } from "react";
import { READ_ONLY_NOTICE, type ControlRequest } from "./control.ts";
import type { DashboardActions } from "./source.ts";
import type { DashboardAction } from "./store.ts";

/**
 * Runs the adapter action the reducer asked for (the reducer stays pure: a key press only
 * records the request) and reports how it settled, stamped with the clock so the outcome
 * line expires on the clock's tick.
 */
export function useAdapterControl(
  request: ControlRequest | null,
  actions: DashboardActions | undefined,
  dispatch: Dispatch<DashboardAction>,
  now: () => number,
): void {
  // Each request runs once, even if `actions` or `now` change identity while it is in flight.
  const started = useRef(0);
  useEffect(() => {
    if (!request || request.id === started.current) return;
    started.current = request.id;
    const { id } = request;
    const settle = (result: { outcome?: string; error?: string }) => dispatch({ kind: "controlDone", id, ...result, at: now() });
    if (!actions) {
      settle({ error: READ_ONLY_NOTICE });
      return;
    }
    let pending: Promise<string>;
    try {
      pending = actions.adapter(request.action, request.name);
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending.then(
      (outcome) => settle({ outcome: String(outcome) }),
      (e: unknown) => settle({ error: e instanceof Error ? e.message : String(e) }),
    );
  }, [request, actions, dispatch, now]);
}
