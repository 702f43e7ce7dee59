import { useEffect, useRef, type Dispatch } from "react";
import { errorMessage } from "../core/errors.ts";
import type { IntegrationReads } from "./source.ts";
import type { DashboardAction } from "./state.ts";
import { usePoll } from "./usePoll.ts";

/**
 * How often the Integrations pane reads every source's row while it shows. The read is a listing
 * of connections (semantics §6): it makes the agent's cache converge with Composio, so the poll
 * goes through the API call and is not left to events.
 */
export const INTEGRATIONS_POLL_MS = 5000;

const CANNOT = "this dashboard cannot read integrations; `bosun integrations` lists them";

/**
 * Keeps the Integrations pane fresh while it shows: the listing at once and then every
 * `pollMs`, the open source's tools likewise, and a refresh (`r`: the whole cache dropped) when
 * the reducer asks for one (`refresh` is its id).
 */
export function useIntegrations(
  reads: IntegrationReads | undefined,
  visible: boolean,
  open: string | null,
  refresh: number | null,
  dispatch: Dispatch<DashboardAction>,
  now: () => number,
  pollMs = INTEGRATIONS_POLL_MS,
): void {
  usePoll(visible && reads !== undefined, [], pollMs, async () => {
    try {
      dispatch({ kind: "integrationsLoaded", report: await reads!.integrations() });
    } catch (e) {
      dispatch({ kind: "integrationsLoaded", error: errorMessage(e) });
    }
  });
  usePoll(visible && open !== null && reads !== undefined, [open], pollMs, async () => {
    const source = open!;
    try {
      dispatch({ kind: "integrationToolsLoaded", source, tools: await reads!.integrationTools({ source }) });
    } catch (e) {
      dispatch({ kind: "integrationToolsLoaded", source, error: errorMessage(e) });
    }
  });
  const started = useRef<number | null>(null);
  useEffect(() => {
    if (refresh === null || refresh === started.current) return;
    started.current = refresh;
    const id = refresh;
    if (!reads) {
      dispatch({ kind: "integrationsLoaded", refresh: id, error: CANNOT, at: now() });
      return;
    }
    reads.integrations({ refresh: true }).then(
      (report) => dispatch({ kind: "integrationsLoaded", refresh: id, report, at: now() }),
      (e: unknown) => dispatch({ kind: "integrationsLoaded", refresh: id, error: errorMessage(e), at: now() }),
    );
  }, [refresh, reads, dispatch, now]);
}
