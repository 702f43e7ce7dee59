import type { ChatMessage, Provider } from "./types.ts";

export interface OpenAIOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
}

/** A provider failure with the facts the error classifier needs (HTTP status, provider code). */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly providerCode: string | null,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

/** Any OpenAI-compatible chat completions API: OpenAI, Ollama, llama.cpp, vLLM, OpenRouter. */
export function openaiProvider(opts: OpenAIOptions): Provider {
  const base = opts.baseUrl.replace(/\/+$/, "");
  return {
    name: "openai",
    label: `openai (${opts.model} @ ${base})`,
    async complete(messages: ChatMessage[], signal: AbortSignal): Promise<string> {
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      const res = await fetch(`${base}/chat/completions`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: opts.model, messages }),
        signal: AbortSignal.any([signal, timeout]),
      });
      const body = (await res.json().catch(() => null)) as any;
      if (!res.ok) {
        const detail = typeof body?.error?.message === "string" ? body.error.message : res.statusText;
        const code = body?.error?.code ?? body?.error?.type ?? null;
        throw new ProviderError(`provider answered ${res.status}: ${detail}`.slice(0, 400), res.status, code);
      }
      const text = body?.choices?.[0]?.message?.content;
      if (typeof text !== "string") throw new ProviderError("provider answered without a message", res.status, null);
      return text;
    },
  };
}
