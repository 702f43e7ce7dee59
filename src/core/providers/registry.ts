import type { Provider, ProviderContext } from "./types.ts";

/** One registry line: what the config schema says of the provider, and how to build it. */
export interface ProviderEntry {
  /** A few words for `provider`'s description in the config schema. */
  description: string;
  /** Loads the provider's file on demand, so commands that only read config never load provider code. */
  create(ctx: ProviderContext): Promise<Provider>;
}

/**
 * Every provider `[agent] provider` may name (PROVIDERS). Adding one = one file in this folder + one line
 * here; the config schema's enum, its description and AgentConfig's type follow.
 */
const entries = {
  echo: { description: "replies repeat the message; no network, no key", create: async () => (await import("./echo.ts")).echoProvider() },
  openai: { description: "any OpenAI-compatible API", create: async (ctx) => (await import("./openai.ts")).createOpenAI(ctx) },
} as const satisfies Record<string, ProviderEntry>;

export type ProviderName = keyof typeof entries;

export const PROVIDERS: Readonly<Record<ProviderName, ProviderEntry>> = entries;

function isProviderName(name: string): name is ProviderName {
  return Object.hasOwn(PROVIDERS, name);
}

/** Registry names in declaration order. */
export const PROVIDER_NAMES: readonly ProviderName[] = Object.keys(PROVIDERS).filter(isProviderName);
