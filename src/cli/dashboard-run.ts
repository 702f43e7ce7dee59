import { localApi } from "../core/control/local.ts";
import type { Gateway } from "../core/gateway.ts";
import { apiSource } from "../tui/source.ts";
import { loadTui } from "./load-tui.ts";
import { dashboardActions } from "./install-actions.ts";
import { VERSION } from "./version.ts";

/**
 * The dashboard over an in-process gateway. It reads and acts through the gateway's API, as an
 * attached dashboard does over the socket: the same snapshot, the same recent log records (those
 * from before it mounted included), the same events, redacted the same way.
 */
export async function runInProcessDashboard(gateway: Gateway): Promise<void> {
  // "(dashboard)": what is done here is logged as it would be over the socket.
  const api = localApi(gateway, "dashboard");
  const source = apiSource(api, gateway.redactor, dashboardActions(() => api));
  // The gateway may stop on its own (SIGTERM, `bosun down`): close the dashboard with it.
  const closed = new AbortController();
  void gateway.stopped.then(() => closed.abort());
  const { runDashboard } = await loadTui();
  await runDashboard({ source, version: VERSION, signal: closed.signal });
}
