import type { LoadedConfig } from "./config/load.ts";
import type { ConfigErrorInfo } from "./errors.ts";
import { emptyStatus, type Status } from "./status.ts";

/**
 * Status with no gateway running, from what is stored: the configured adapters (all `stopped`)
 * and the config error, if the file is invalid. Never touches the network.
 */
export function storedStatus(version: string, loaded: LoadedConfig | null, configError: ConfigErrorInfo | null): Status {
  const s = emptyStatus(version);
  s.gateway.configPath = loaded?.path ?? configError?.file ?? null;
  s.gateway.configError = configError;
  s.gateway.provider = loaded?.config.agent.provider ?? "auto";
  if (loaded) {
    s.adapters = Object.entries(loaded.config.adapters)
      .map(([name, a]) => ({
        name,
        kind: a.kind,
        state: "stopped" as const,
        restarts: 0,
        since: new Date(0).toISOString(),
        lastError: null,
        nextRetryAt: null,
        lastInboundAt: null,
        lastOutboundAt: null,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
  return s;
}
