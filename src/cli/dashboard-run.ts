import type { BosunEvent } from "../core/events.ts";
import { operatorActions } from "../core/control/actions.ts";
import type { Gateway } from "../core/gateway.ts";
import { busSource, type DashboardSource } from "../tui/source.ts";
import { loadTui } from "./load-tui.ts";
import { pickerEntries, requestOutcome } from "./install-actions.ts";
import { VERSION } from "./version.ts";

/** The dashboard over an in-process gateway; log records from before it mounted are replayed. */
export async function runInProcessDashboard(gateway: Gateway, earlier: BosunEvent[]): Promise<void> {
  const inner = busSource(gateway.bus, () => gateway.snapshot());
  // Through the operator actions, so what is done here is logged "(dashboard)", as over the API.
  const ops = operatorActions(gateway, "dashboard");
  const source: DashboardSource = {
    mode: inner.mode,
    actions: {
      adapter: async (action, name) => String(await ops.adapter(action, name)),
      catalog: async () => pickerEntries(gateway.installer.entries()),
      install: async (target) => requestOutcome((await ops.install([target], false))[0]!),
      cancelInstall: async (target) => (ops.cancelInstall(target) ? "cancelling" : "not running here"),
      uninstall: async (target) => (await ops.uninstall(target)).state,
    },
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
