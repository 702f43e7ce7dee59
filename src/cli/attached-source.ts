import type { GatewayApi } from "../core/control/api.ts";
import type { DashboardSource } from "../tui/source.ts";
import { systemClock } from "../core/util/clock.ts";
import { dashboardActions } from "./install-actions.ts";

export interface ReconnectOptions {
  /** First wait before trying to reattach; doubled after each failed try. */
  retryMs?: number;
  /** Longest wait between tries, so a gateway that comes back is found within this. */
  maxRetryMs?: number;
  /** Waits `ms` unless `signal` aborts first (injected so tests need not sleep). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/**
 * A dashboard source over `GET /v1/events`. Each (re)connection starts with a snapshot; when the
 * gateway goes away the dashboard is told (stale view) and we keep trying to reattach, backing
 * off from a quarter second to five seconds so a gateway that is gone for long costs nothing.
 */
export function attachedSource(connect: () => GatewayApi, opts: ReconnectOptions = {}): DashboardSource {
  const first = opts.retryMs ?? RETRY_MS;
  const max = opts.maxRetryMs ?? MAX_RETRY_MS;
  const sleep = opts.sleep ?? ((ms: number, signal: AbortSignal) => systemClock.sleep(ms, signal));
  return {
    mode: "attached",
    actions: dashboardActions(connect),
    sessions: { sessions: (r) => connect().sessions(r), session: (id) => connect().session(id) },
    integrations: { integrations: (r) => connect().integrations(r), integrationTools: (r) => connect().integrationTools(r) },
    subscribe(listener, onConnection) {
      const stop = new AbortController();
      void (async () => {
        let wait = first;
        while (!stop.signal.aborted) {
          try {
            const client = connect();
            await client.events((e) => {
              if (e.type === "snapshot") {
                wait = first;
                onConnection?.(true);
              }
              listener(e);
            }, stop.signal);
          } catch {
            // not running (yet again); retry below
          }
          if (stop.signal.aborted) break;
          onConnection?.(false);
          await sleep(wait, stop.signal);
          wait = Math.min(max, wait * 2);
        }
      })();
      return () => stop.abort();
    },
  };
}
