import type { InstallRequest } from "../core/installs/installer.ts";
import type { CatalogEntry } from "../core/installs/types.ts";
import type { InstallStatus } from "../core/status.ts";

/** Dashboard wording for the outcome of an install request. */
export function requestOutcome(r: { started: boolean; status: InstallStatus; holderPid?: number | null }): string {
  if (r.started) return "installing";
  if (r.status.state === "installed") return "already installed";
  return r.holderPid ? `already being installed by pid ${r.holderPid}` : "already being installed";
}

/** The picker's view of catalogue entries. */
export function pickerEntries(entries: CatalogEntry[]) {
  return entries.map((e) => ({ target: e.target, engine: e.engine, description: e.description, language: e.language, quality: e.quality, size: e.size }));
}

export type { InstallRequest };
