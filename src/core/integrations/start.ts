import type { ConsolaInstance } from "consola";
import type { IntegrationsConfig } from "../config/integrations-schema.ts";
import { systemClock, type Clock } from "../util/clock.ts";
import { createComposioSource } from "./composio/index.ts";
import { IntegrationHub } from "./hub.ts";
import { createMcpSource } from "./mcp/source.ts";
import type { SourceReport } from "./types.ts";

export type { IntegrationHub };

export interface StartDeps {
  log: ConsolaInstance;
  /** Default: the system clock. */
  clock?: Clock;
  env: Record<string, string | undefined>;
  redact: (text: string) => string;
  emit?: (rows: SourceReport[]) => void;
  listed?: () => void;
  random?: () => number;
}

/** The hub over the real sources (MCP servers load the SDK only when one is configured), started. */
export function startIntegrations(config: IntegrationsConfig, deps: StartDeps): IntegrationHub {
  return new IntegrationHub(config, { ...deps, clock: deps.clock ?? systemClock, random: deps.random ?? Math.random, mcp: createMcpSource, composio: createComposioSource });
}
