import { localApi } from "../../src/core/control/local.ts";
import type { EventBus } from "../../src/core/events.ts";
import type { IntegrationsService } from "../../src/core/integrations/types.ts";
import type { Status } from "../../src/core/status.ts";
import { Redactor } from "../../src/core/util/redact.ts";
import { apiSource, type DashboardActions, type DashboardSource } from "../../src/tui/source.ts";

const notHere = (what: string) => () => {
  throw new Error(`${what}: not part of this dashboard test (pass DashboardActions)`);
};

/**
 * The in-process dashboard's source as `bosun up` builds it (the local gateway API's event
 * stream, redacted), over a test's bus and status: events emitted on `bus` reach the dashboard,
 * and `snapshot` is what it opens with. Actions are the test's own, as a stand-in for the API's;
 * `integrations` stands in for the gateway's integrations service (its reads reach the dashboard redacted).
 */
export function inProcessSource(bus: EventBus, snapshot: () => Status, actions?: DashboardActions, redactor: Redactor = new Redactor(), integrations?: Partial<IntegrationsService>): DashboardSource {
  const api = localApi(
    {
      bus,
      snapshot,
      catalog: () => [],
      session: async () => null,
      restore: async () => ({ restored: [], failed: [], queued: 0, found: false }),
    listSessions: async () => ({ sessions: [], nextCursor: null }),
    steerSession: async () => null,
    installList: async () => snapshot().installs,
      integrations: { report: notHere("integrations"), tools: notHere("integration tools"), connect: notHere("connect"), disconnect: notHere("disconnect"), ...integrations },
      log: { info: () => {}, warn: () => {} },
      stop: notHere("stop"),
      send: notHere("send"),
      control: notHere("control"),
      install: notHere("install"),
      installer: { cancel: notHere("cancel"), entry: notHere("entry"), filePaths: notHere("filePaths"), uninstall: notHere("uninstall") },
    },
    "dashboard",
  );
  return apiSource(api, redactor, actions);
}
