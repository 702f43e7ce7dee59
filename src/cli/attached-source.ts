import type { ControlClient } from "../core/control/client.ts";
import type { DashboardSource } from "../tui/source.ts";
import type { CatalogEntry } from "../core/installs/types.ts";
import type { InstallStatus } from "../core/status.ts";
import { systemClock } from "../core/util/clock.ts";
import { pickerEntries, requestOutcome } from "./install-actions.ts";

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
export function attachedSource(connect: () => ControlClient, opts: ReconnectOptions = {}): DashboardSource {
  const first = opts.retryMs ?? RETRY_MS;
  const max = opts.maxRetryMs ?? MAX_RETRY_MS;
  const sleep = opts.sleep ?? ((ms: number, signal: AbortSignal) => systemClock.sleep(ms, signal));
  return {
    mode: "attached",
    actions: {
      async adapter(action, name) {
        const r = await connect().call<{ outcome: string }>("POST", `/v1/adapters/${encodeURIComponent(name)}/${action}`, undefined, 30_000);
        return r.outcome;
      },
      async catalog() {
        return pickerEntries(await connect().call<CatalogEntry[]>("GET", "/v1/catalog"));
      },
      async install(target) {
        const r = await connect().call<{ installs: Array<{ started: boolean; status: InstallStatus; holderPid: number | null }> }>("POST", "/v1/installs", { targets: [target] });
        return requestOutcome(r.installs[0]!);
      },
      async cancelInstall(target) {
        const r = await connect().call<{ cancelled: boolean }>("POST", "/v1/installs/cancel", { target });
        return r.cancelled ? "cancelling" : "not running in the gateway";
      },
      async uninstall(target) {
        const r = await connect().call<{ status: InstallStatus }>("POST", "/v1/installs/uninstall", { target });
        return r.status.state;
      },
    },
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
