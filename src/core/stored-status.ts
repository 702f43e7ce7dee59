import type { LoadedConfig } from "./config/load.ts";
import type { ConfigErrorInfo } from "./errors.ts";
import type { FoundCrash } from "./stale-run.ts";
import { emptyStatus, type Status } from "./status.ts";

/**
 * Status with no gateway running, from what is stored: the configured adapters and tool sources (all `stopped`),
 * the config error, if the file is invalid, and the crash, if the last gateway died without
 * stopping. Never touches the network.
 */
export function storedStatus(version: string, loaded: LoadedConfig | null, configError: ConfigErrorInfo | null, crash: FoundCrash | null = null): Status {
  const s = emptyStatus(version);
  if (crash) {
    s.gateway.state = "crashed";
    s.gateway.pid = crash.pid;
    s.gateway.startedAt = crash.startedAt;
    s.gateway.crash = { lastAliveAt: crash.lastAliveAt, lastLog: crash.lastLog };
  }
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
        since: null,
        lastError: null,
        nextRetryAt: null,
        lastInboundAt: null,
        lastOutboundAt: null,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    // The configured tool sources, stopped (`bosun integrations` asks them; status never does).
    const integ = loaded.config.integrations;
    const row = (name: string, kind: "mcp" | "composio") => ({ name, kind, state: "stopped" as const, tools: 0, offered: 0, cacheAgeMs: null, reason: null, restarts: 0, lastError: null });
    s.integrations = [
      ...Object.keys(integ.mcp).sort().map((n) => row(n, "mcp")),
      ...(integ.composio ? (integ.composio.toolkits.length ? integ.composio.toolkits.map((t) => row(`composio:${t}`, "composio")) : [row("composio", "composio")]) : []),
    ];
  }
  return s;
}
