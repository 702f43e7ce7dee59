import type { IntegrationsConfig } from "../core/config/integrations-schema.ts";
import type { LoadedConfig } from "../core/config/load.ts";
import { EventBus } from "../core/events.ts";
import { startIntegrations, type IntegrationHub } from "../core/integrations/start.ts";
import type { IntegrationsService } from "../core/integrations/types.ts";
import { createLogger } from "../core/log.ts";
import type { CliContext } from "./context.ts";
import { err, formatLog } from "./output.ts";

/** How long a one-shot report waits for MCP servers to finish starting (npx may fetch a package first). */
const SETTLE_MS = 20_000;

/**
 * Integrations with no gateway: the configured sources started in this process for one answer,
 * then stopped, so "why can't the bot see my tool?" has an answer before `bosun up` too. Logs go to
 * stderr (warnings and errors; all with --verbose), redacted like the gateway's.
 */
export function offlineIntegrations(ctx: CliContext, loaded: () => LoadedConfig): IntegrationsService {
  /** `only`: start just that source ("files", "composio:gmail"): a connect flow's polling starts no MCP server. */
  const once = async <T>(use: (hub: IntegrationHub) => Promise<T>, only?: string): Promise<T> => {
    const bus = new EventBus();
    bus.onType("log", (e) => err(formatLog(e.level, e.tag, e.message, e.at)));
    const log = createLogger({ bus, redactor: ctx.redactor, level: ctx.flags.verbose ? 4 : 1 });
    const hub = startIntegrations(narrowed(loaded().config.integrations, only), { log, env: ctx.env, redact: (t) => ctx.redactor.apply(t) });
    try {
      await hub.settle(SETTLE_MS);
      return await use(hub);
    } finally {
      await hub.stop();
    }
  };
  return {
    report: (opts) => once((h) => h.report(opts), opts?.source),
    tools: (source) => once((h) => h.tools(source), source),
    connect: (toolkit) => once((h) => h.connect(toolkit), "composio"),
    disconnect: (toolkit) => once((h) => h.disconnect(toolkit), "composio"),
  };
}

/** The config with only the named source in it (an unknown name keeps everything: the hub then says it is unknown). */
function narrowed(config: IntegrationsConfig, only: string | undefined): IntegrationsConfig {
  if (only === undefined) return config;
  const head = only.split(":", 1)[0]!;
  if (head === "composio" && config.composio) return { ...config, mcp: {} };
  const server = Object.hasOwn(config.mcp, only) ? config.mcp[only] : undefined;
  return server ? { ...config, composio: undefined, mcp: { [only]: server } } : config;
}
