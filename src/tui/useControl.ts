import { useEffect, useRef, type Dispatch } from "react";
import { READ_ONLY_NOTICE, type ControlRequest, type Outcome } from "./control.ts";
import type { DashboardActions } from "./source.ts";
import type { DashboardAction } from "./state.ts";

/**
 * Runs the action the reducer asked for (the reducer stays pure: a key press only records
 * the request) and reports how it settled, stamped with the clock so the outcome line
 * expires on the clock's tick.
 */
export function useControl(
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
    const settle = (result: { outcome?: Outcome; error?: string }) => dispatch({ kind: "controlDone", id, ...result, at: now() });
    if (!actions) {
      settle({ error: READ_ONLY_NOTICE });
      return;
    }
    let pending: Promise<Outcome>;
    try {
      pending = runControl(actions, request);
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending.then(
      (outcome) => settle({ outcome }),
      (e: unknown) => settle({ error: e instanceof Error ? e.message : String(e) }),
    );
  }, [request, actions, dispatch, now]);
}

/** The source operation behind a request; the install ones are optional on a source. */
function runControl(actions: DashboardActions, req: ControlRequest): Promise<Outcome> {
  switch (req.action) {
    case "restart":
    case "stop":
    case "start":
      return actions.adapter(req.action, req.name);
    case "install":
      if (!actions.install) return unsupported("install models");
      return actions.install(req.name);
    case "cancel":
      if (!actions.cancelInstall) return unsupported("cancel installs");
      return actions.cancelInstall(req.name);
    case "uninstall":
      if (!actions.uninstall) return unsupported("uninstall models");
      return actions.uninstall(req.name);
    case "session-reset":
    case "session-stop":
    case "session-start":
      if (!actions.session) return unsupported("steer sessions");
      return actions.session(req.action === "session-reset" ? "reset" : req.action === "session-stop" ? "stop" : "start", req.name);
  }
}

function unsupported(what: string): Promise<Outcome> {
  return Promise.reject(new Error(`this dashboard cannot ${what}; use the bosun command instead`));
}
