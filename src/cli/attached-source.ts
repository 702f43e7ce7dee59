import type { ControlClient } from "../core/control/client.ts";
import type { DashboardSource } from "../tui/source.ts";

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
