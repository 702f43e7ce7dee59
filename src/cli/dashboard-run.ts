import type { BosunEvent } from "../core/events.ts";
import { localApi } from "../core/control/local.ts";
import type { Gateway } from "../core/gateway.ts";
import { busSource, type DashboardSource } from "../tui/source.ts";
import { loadTui } from "./load-tui.ts";
import { dashboardActions } from "./install-actions.ts";
import { VERSION } from "./version.ts";

/** The dashboard over an in-process gateway; log records from before it mounted are replayed. */
export async function runInProcessDashboard(gateway: Gateway, earlier: BosunEvent[]): Promise<void> {
  const inner = busSource(gateway.bus, () => gateway.snapshot());
  // The gateway's API in-process, as "(dashboard)": what is done here is logged as over the socket.
  const api = localApi(gateway, "dashboard");
  const source: DashboardSource = {
    mode: inner.mode,
    actions: dashboardActions(() => api),
    subscribe(listener, onConnection) {
      let replayed = false;
      return inner.subscribe((e) => {
        // The dashboard shows what the control API would serve: redacted the same way.
        listener(gateway.redactor.deep(e));
        if (!replayed && e.type === "snapshot") {
          replayed = true;
          for (const old of earlier) listener(old);
        }
      }, onConnection);
    },
  };
  // The gateway may stop on its own (SIGTERM, `bosun down`): close the dashboard with it.
  const closed = new AbortController();
  void gateway.stopped.then(() => closed.abort());
  const { runDashboard } = await loadTui();
  await runDashboard({ source, version: VERSION, signal: closed.signal });
}
