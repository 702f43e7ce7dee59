import type { AdapterControlResult, GatewayApi, InstallRequestResult } from "../core/control/api.ts";
import type { CatalogEntry } from "../core/installs/types.ts";
import type { InstallStatus } from "../core/status.ts";
import type { Outcome } from "../tui/control.ts";
import type { CatalogItem, DashboardActions } from "../tui/source.ts";

/**
 * The dashboard's actions over the gateway's API, the same for the in-process and the attached
 * dashboard (so their wording cannot drift); each outcome's kind comes from the typed answer.
 */
export function dashboardActions(api: () => GatewayApi): DashboardActions {
  return {
    adapter: async (action, name) => adapterOutcome(await api().adapter(action, name)),
    catalog: async () => pickerEntries(await api().catalog()),
    install: async (target) => installOutcome((await api().install({ targets: [target] })).installs[0]!),
    cancelInstall: async (target) => cancelOutcome((await api().cancelInstall({ target })).cancelled),
    uninstall: async (target) => uninstallOutcome((await api().uninstall({ target })).status),
    session: async (action, id) => {
      const s = await api().sessionAction(id, action);
      return { text: action === "reset" ? "reset" : s.state, kind: "ok" };
    },
  };
}

export function adapterOutcome(r: AdapterControlResult): Outcome {
  if (r.outcome === "failed") return { text: "failed", kind: "failure" };
  if (r.outcome === "still-starting") return { text: "still starting", kind: "busy" };
  return { text: r.outcome, kind: "ok" };
}

/** Dashboard wording for the outcome of an install request. */
export function installOutcome(r: InstallRequestResult): Outcome {
  if (r.started) return { text: "installing", kind: "ok" };
  if (r.status.state === "installed") return { text: "already installed", kind: "info" };
  return { text: r.holderPid ? `already being installed by pid ${r.holderPid}` : "already being installed", kind: "busy" };
}

export function cancelOutcome(cancelled: boolean): Outcome {
  return cancelled ? { text: "cancelling", kind: "ok" } : { text: "not being installed", kind: "busy" };
}

/** An uninstall answers with the state it left behind; "missing" is what success looks like. */
export function uninstallOutcome(s: InstallStatus): Outcome {
  if (s.state === "missing") return { text: "uninstalled", kind: "ok" };
  return { text: s.state, kind: s.state === "broken" || s.state === "error" ? "failure" : "info" };
}

/** The picker's view of catalogue entries. */
export function pickerEntries(entries: CatalogEntry[]): CatalogItem[] {
  return entries.map((e) => ({ target: e.target, engine: e.engine, description: e.description, language: e.language, ...(e.quality === undefined ? {} : { quality: e.quality }), size: e.size }));
}
