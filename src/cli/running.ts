import { readRunningRecord } from "../core/control/client.ts";
import { pathsFor, resolveHome } from "../core/paths.ts";

/** True when a live gateway owns this home (bare `bosun` picks the dashboard then); the check is client.ts's, as for every command. */
export function gatewayRunning(): boolean {
  return readRunningRecord(pathsFor(resolveHome(process.env as Record<string, string | undefined>))) !== undefined;
}
