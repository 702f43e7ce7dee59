import { readRunningRecord } from "../core/control/client.ts";
import { pathsFor, resolveHome } from "../core/paths.ts";

/** True when a live gateway owns this home. */
export function gatewayRunning(): boolean {
  return readRunningRecord(pathsFor(resolveHome(process.env as Record<string, string | undefined>))) !== undefined;
}
