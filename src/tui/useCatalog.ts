import { useEffect, useRef, type Dispatch } from "react";
import type { DashboardActions } from "./source.ts";
import type { DashboardAction } from "./state.ts";

/**
 * Loads the catalogue when the reducer asks for it (`loading` is the request's id). The
 * reducer caches the answer, so this runs once per dashboard unless a load failed.
 */
export function useCatalog(loading: number | null, actions: DashboardActions | undefined, dispatch: Dispatch<DashboardAction>): void {
  const started = useRef(0);
  useEffect(() => {
    if (loading === null || loading === started.current) return;
    started.current = loading;
    const id = loading;
    const fail = (e: unknown) => dispatch({ kind: "catalogDone", id, error: e instanceof Error ? e.message : String(e) });
    if (!actions?.catalog) {
      fail(new Error("this dashboard cannot list the catalogue; use `bosun catalog` instead"));
      return;
    }
    let pending: ReturnType<NonNullable<DashboardActions["catalog"]>>;
    try {
      pending = actions.catalog();
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending.then((entries) => dispatch({ kind: "catalogDone", id, entries }), fail);
  }, [loading, actions, dispatch]);
}
