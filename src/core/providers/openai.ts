import { FetchError, ofetch } from "ofetch";
import type { ChatMessage, Provider } from "./types.ts";

export interface OpenAIOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  /**
   * Hides secrets in the error text: providers quote back the key they were sent ("Incorrect API
   * key provided: ..."), and the text becomes the chat user's reply. The gateway passes its one
   * redactor, which holds this key whether it came from the config or the environment.
   */
  redact?: (text: string) => string;
}

/** A provider failure with the facts the error classifier needs (HTTP status, provider code, headers). */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly providerCode: string | null,
    readonly headers: Headers | null = null,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

interface CompletionBody {
  choices?: Array<{ message?: { content?: unknown } }>;
}

/** Any OpenAI-compatible chat completions API: OpenAI, Ollama, llama.cpp, vLLM, OpenRouter. */
export function openaiProvider(opts: OpenAIOptions): Provider {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const redact = opts.redact ?? ((text: string) => text);
  return {
    name: "openai",
    label: `openai (${opts.model} @ ${base})`,
    async complete(messages: ChatMessage[], signal: AbortSignal): Promise<string> {
      let body: CompletionBody;
      try {
        body = await ofetch<CompletionBody>(`${base}/chat/completions`, {
          method: "POST",
          headers: opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {},
          body: { model: opts.model, messages },
          signal: AbortSignal.any([signal, AbortSignal.timeout(opts.timeoutMs)]),
          // Retries belong to the turn logic, which knows what is retryable.
          retry: 0,
        });
      } catch (err) {
        throw toProviderError(err, redact);
      }
      const text = body?.choices?.[0]?.message?.content;
      if (typeof text !== "string") throw new ProviderError("provider answered without a message", 200, null);
      return text;
    },
  };
}

function toProviderError(err: unknown, redact: (text: string) => string): ProviderError {
  if (err instanceof FetchError && err.status !== undefined) {
    const data = err.data as { error?: { message?: unknown; code?: unknown; type?: unknown } } | string | undefined;
    const e = typeof data === "object" ? data?.error : undefined;
    const detail = typeof e?.message === "string" ? e.message : typeof data === "string" ? data : (err.statusText ?? "");
    const code = typeof e?.code === "string" ? e.code : typeof e?.type === "string" ? e.type : null;
    return new ProviderError(redact(`provider answered ${err.status}: ${detail}`).slice(0, 400), err.status, code, err.response?.headers ?? null);
  }
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const msg = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new ProviderError(redact(`could not reach the provider: ${msg}`).slice(0, 400), null, cause?.code ?? null);
}
