import { PROVIDERS, type ProviderName } from "./registry.ts";
import type { Provider, ProviderSettings } from "./types.ts";

export interface ProviderChoice {
  provider: Provider;
  /** A one-line notice for the user (e.g. how to configure a real provider), or null. */
  notice: string | null;
}

/** The [agent] fields selection reads (config/schema.ts's AgentConfig has them). */
export interface ProviderSelection extends ProviderSettings {
  /** Absent means "auto". */
  provider?: ProviderName;
}

const OLLAMA_PROBE_MS = 300;

/**
 * Pick the provider. An explicit `agent.provider` wins, built from its registry line. Otherwise,
 * as a user would hope: OPENAI_API_KEY / OPENAI_BASE_URL → openai; an Ollama answering locally →
 * openai against it with its first model; else echo with a notice. `redact` hides secrets in the
 * provider's error texts.
 */
export async function selectProvider(agent: ProviderSelection, env: Record<string, string | undefined>, redact?: (text: string) => string): Promise<ProviderChoice> {
  if (agent.provider) return { provider: await PROVIDERS[agent.provider].create({ settings: agent, env, redact }), notice: null };
  // In auto mode the [agent] connection settings are not read (they belong to an explicit
  // provider); the openai provider falls back to OPENAI_BASE_URL / OPENAI_API_KEY and its defaults.
  const auto = (settings: ProviderSettings) => PROVIDERS.openai.create({ settings, env, redact });
  const timeout_ms = agent.timeout_ms;
  if (env.OPENAI_API_KEY || env.OPENAI_BASE_URL) {
    return { provider: await auto({ model: agent.model ?? env.OPENAI_MODEL, timeout_ms }), notice: null };
  }
  const ollama = ollamaBase(env);
  const model = await firstOllamaModel(ollama);
  // OPENAI_API_KEY is unset here (see above), so no key goes to the local Ollama.
  if (model) return { provider: await auto({ base_url: `${ollama}/v1`, model: agent.model ?? model, timeout_ms }), notice: null };
  return {
    provider: await PROVIDERS.echo.create({ settings: agent, env, redact }),
    notice: "no model provider configured: replies echo your messages. Set OPENAI_API_KEY, run Ollama, or set [agent] in bosun.toml (`bosun config init`).",
  };
}

function ollamaBase(env: Record<string, string | undefined>): string {
  const host = env.OLLAMA_HOST ?? "127.0.0.1:11434";
  const withScheme = /^https?:\/\//.test(host) ? host : `http://${host}`;
  return withScheme.replace(/\/+$/, "");
}

async function firstOllamaModel(base: string): Promise<string | null> {
  try {
    const res = await fetch(`${base}/api/tags`, { signal: AbortSignal.timeout(OLLAMA_PROBE_MS) });
    if (!res.ok) return null;
    const body = (await res.json()) as { models?: Array<{ name?: string }> };
    return body.models?.find((m) => typeof m.name === "string")?.name ?? null;
  } catch {
    return null;
  }
}
