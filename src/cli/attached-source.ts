import type { ControlClient } from "../core/control/client.ts";
import type { DashboardSource } from "../tui/source.ts";
import type { CatalogEntry } from "../core/installs/types.ts";
import type { InstallStatus } from "../core/status.ts";
import { pickerEntries, requestOutcome } from "./install-actions.ts";

const RECONNECT_MS = 1_000;

/**
 * A dashboard source over `GET /v1/events`. Each (re)connection starts with a snapshot; when the
 * gateway goes away the dashboard is told (stale view) and we keep trying to reattach.
 */
export function attachedSource(connect: () => ControlClient): DashboardSource {
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
        while (!stop.signal.aborted) {
          try {
            const client = connect();
            await client.events((e) => {
              if (e.type === "snapshot") onConnection?.(true);
              listener(e);
            }, stop.signal);
          } catch {
            // not running (yet again); retry below
          }
          if (stop.signal.aborted) break;
          onConnection?.(false);
          await new Promise((r) => setTimeout(r, RECONNECT_MS));
        }
      })();
      return () => stop.abort();
    },
  };
}
