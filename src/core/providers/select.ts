import type { AgentConfig } from "../config/schema.ts";
import { echoProvider } from "./echo.ts";
import { openaiProvider } from "./openai.ts";
import type { Provider } from "./types.ts";

export interface ProviderChoice {
  provider: Provider;
  /** A one-line notice for the user (e.g. how to configure a real provider), or null. */
  notice: string | null;
}

const OLLAMA_PROBE_MS = 300;

/**
 * Pick the provider. An explicit `agent.provider` wins. Otherwise, as a user would hope:
 * OPENAI_API_KEY / OPENAI_BASE_URL → openai; an Ollama answering locally → openai against it with
 * its first model; else echo with a notice. `redact` hides secrets in the provider's error texts.
 */
export async function selectProvider(agent: AgentConfig, env: Record<string, string | undefined>, redact?: (text: string) => string): Promise<ProviderChoice> {
  const timeoutMs = agent.timeout_ms;
  if (agent.provider === "echo") return { provider: echoProvider(), notice: null };
  if (agent.provider === "openai") {
    const baseUrl = agent.base_url ?? env.OPENAI_BASE_URL ?? "https://api.openai.com/v1";
    return {
      provider: openaiProvider({ baseUrl, model: agent.model ?? "gpt-4o-mini", apiKey: agent.api_key ?? env.OPENAI_API_KEY, timeoutMs, redact }),
      notice: null,
    };
  }
  if (env.OPENAI_API_KEY || env.OPENAI_BASE_URL) {
    const baseUrl = env.OPENAI_BASE_URL ?? "https://api.openai.com/v1";
    return {
      provider: openaiProvider({ baseUrl, model: agent.model ?? env.OPENAI_MODEL ?? "gpt-4o-mini", apiKey: env.OPENAI_API_KEY, timeoutMs, redact }),
      notice: null,
    };
  }
  const ollama = ollamaBase(env);
  const model = await firstOllamaModel(ollama);
  if (model) {
    return { provider: openaiProvider({ baseUrl: `${ollama}/v1`, model: agent.model ?? model, timeoutMs, redact }), notice: null };
  }
  return {
    provider: echoProvider(),
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
