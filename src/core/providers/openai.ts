import { FetchError, ofetch } from "ofetch";
import { sseEvents } from "../util/sse.ts";
import { defineProvider } from "./collect.ts";
import { ProviderError, type FinishReason, type Provider, type ProviderContext, type ProviderDelta, type ProviderRequest, type Usage } from "./types.ts";

const DEFAULT_BASE_URL = "https://api.openai.com/v1";
const DEFAULT_MODEL = "gpt-4o-mini";

export interface OpenAIOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Bounds the whole request, a streamed body included. */
  timeoutMs: number;
  /**
   * Hides secrets in the error text: providers quote back the key they were sent ("Incorrect API
   * key provided: ..."), and the text becomes the chat user's reply. The gateway passes its one
   * redactor, which holds this key whether it came from the config or the environment.
   */
  redact?: (text: string) => string;
}

/** `provider = "openai"`: [agent] settings first, then OPENAI_BASE_URL / OPENAI_API_KEY. */
export function createOpenAI(ctx: ProviderContext): Provider {
  const s = ctx.settings;
  return openaiProvider({
    baseUrl: s.base_url ?? ctx.env.OPENAI_BASE_URL ?? DEFAULT_BASE_URL,
    model: s.model ?? DEFAULT_MODEL,
    apiKey: s.api_key ?? ctx.env.OPENAI_API_KEY,
    timeoutMs: s.timeout_ms,
    redact: ctx.redact,
  });
}

/** Any OpenAI-compatible chat completions API: OpenAI, Ollama, llama.cpp, vLLM, OpenRouter. */
export function openaiProvider(opts: OpenAIOptions): Provider {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const redact = opts.redact ?? ((text: string) => text);
  return defineProvider({
    name: "openai",
    label: `openai (${opts.model} @ ${base})`,
    model: opts.model,
    async *stream(req: ProviderRequest, signal: AbortSignal): AsyncGenerator<ProviderDelta> {
      let data: unknown;
      try {
        // No responseType: ofetch hands back text/event-stream as a stream and parses JSON, so a
        // server that ignores `stream: true` (or answers an error) is read as the JSON it sent.
        data = await ofetch<unknown>(`${base}/chat/completions`, {
          method: "POST",
          headers: opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {},
          body: requestBody(opts.model, req),
          signal: AbortSignal.any([signal, AbortSignal.timeout(opts.timeoutMs)]),
          // Retries belong to the turn logic, which knows what is retryable.
          retry: 0,
        });
      } catch (err) {
        throw toProviderError(err, redact);
      }
      if (data instanceof ReadableStream) yield* fromEvents(data, redact);
      else if (req.stream && typeof data === "string") yield* fromEvents(new Response(data).body!, redact);
      else yield* fromBody(data);
    },
  });
}

function requestBody(model: string, req: ProviderRequest): Record<string, unknown> {
  return {
    model,
    messages: req.messages,
    ...(req.tools?.length ? { tools: req.tools } : {}),
    ...(req.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

const rec = (x: unknown): Record<string, unknown> | undefined => (typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined);
const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);
const count = (x: unknown): number => (typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : 0);

const FINISH: Record<string, FinishReason> = { stop: "stop", length: "length", tool_calls: "tool_calls", content_filter: "content_filter" };
function finish(x: unknown): FinishReason | undefined {
  if (typeof x !== "string") return undefined;
  return Object.hasOwn(FINISH, x) ? FINISH[x] : "other";
}

function usage(x: unknown): Usage | undefined {
  const u = rec(x);
  if (!u) return undefined;
  const promptTokens = count(u.prompt_tokens);
  const completionTokens = count(u.completion_tokens);
  return { promptTokens, completionTokens, totalTokens: count(u.total_tokens) || promptTokens + completionTokens };
}

/** A whole (non-streamed) completion as deltas. */
function* fromBody(body: unknown): Generator<ProviderDelta> {
  const choice = rec(arr(rec(body)?.choices)?.[0]);
  const message = rec(choice?.message);
  const text = message?.content;
  const calls = arr(message?.tool_calls);
  if (typeof text !== "string" && !calls) throw new ProviderError("provider answered without a message", 200, null);
  if (typeof text === "string" && text !== "") yield { type: "text", text };
  for (const [index, c] of (calls ?? []).entries()) {
    const fn = rec(rec(c)?.function);
    yield { type: "tool_call", index, id: str(rec(c)?.id), name: str(fn?.name), arguments: str(fn?.arguments) ?? "" };
  }
  const u = usage(rec(body)?.usage);
  if (u) yield { type: "usage", usage: u };
  const reason = finish(choice?.finish_reason);
  if (reason) yield { type: "finish", reason };
}

function arr(x: unknown): unknown[] | undefined {
  return Array.isArray(x) ? x : undefined;
}

/**
 * A streamed completion (`data: {chunk}` events ending with `data: [DONE]`) as deltas. Text and
 * tool-call fragments are passed on as they come; a chunk that is no JSON, an error sent
 * mid-stream, or a stream that stops before it finished is a ProviderError, never a crash.
 */
async function* fromEvents(body: ReadableStream<Uint8Array>, redact: (text: string) => string): AsyncGenerator<ProviderDelta> {
  let finished = false;
  try {
    for await (const ev of sseEvents(body)) {
      const raw = ev.data.trim();
      if (raw === "[DONE]") return;
      let chunk: Record<string, unknown> | undefined;
      try {
        chunk = rec(JSON.parse(raw));
      } catch {
        chunk = undefined;
      }
      if (!chunk) throw new ProviderError(redact(`provider sent a malformed stream chunk: ${raw.slice(0, 120)}`).slice(0, 400), 200, null);
      const error = rec(chunk.error);
      if (error) throw errorFromBody(error, null, null, redact);
      const choice = rec(arr(chunk.choices)?.[0]);
      const delta = rec(choice?.delta);
      const text = str(delta?.content);
      if (text) yield { type: "text", text };
      for (const [position, c] of (arr(delta?.tool_calls) ?? []).entries()) {
        const call = rec(c);
        const fn = rec(call?.function);
        const index = typeof call?.index === "number" && Number.isInteger(call.index) && call.index >= 0 ? call.index : position;
        yield { type: "tool_call", index, id: str(call?.id), name: str(fn?.name), arguments: str(fn?.arguments) ?? "" };
      }
      const u = usage(chunk.usage);
      if (u) yield { type: "usage", usage: u };
      const reason = finish(choice?.finish_reason);
      if (reason) {
        finished = true;
        yield { type: "finish", reason };
      }
    }
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    throw streamBroke(err, redact);
  }
  // Some servers end with the finish chunk and no [DONE]; without either the reply was cut off.
  if (!finished) throw new ProviderError("provider's stream ended before the reply was complete", null, null);
}

/** OpenAI's error body (`{"error":{"message","type","code"}}`), at an HTTP status or inside a stream. */
function errorFromBody(e: Record<string, unknown> | undefined, status: number | null, fallback: string | null, redact: (text: string) => string, headers: Headers | null = null): ProviderError {
  const detail = str(e?.message) ?? fallback ?? "";
  const code = str(e?.code) ?? str(e?.type) ?? null;
  // Some servers put the HTTP status they meant into a mid-stream error's numeric code.
  const meant = status ?? (typeof e?.code === "number" && e.code >= 400 && e.code < 600 ? e.code : null);
  const head = status !== null ? `provider answered ${status}` : "provider sent an error mid-stream";
  return new ProviderError(redact(`${head}: ${detail}`).slice(0, 400), meant, code, headers);
}

function toProviderError(err: unknown, redact: (text: string) => string): ProviderError {
  if (err instanceof FetchError && err.status !== undefined) {
    const data: unknown = err.data;
    const fallback = typeof data === "string" ? data : (err.statusText ?? "");
    return errorFromBody(rec(rec(data)?.error), err.status, fallback, redact, err.response?.headers ?? null);
  }
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const msg = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new ProviderError(redact(`could not reach the provider: ${msg}`).slice(0, 400), null, cause?.code ?? null);
}

/** A body that failed while being read: the connection dropped, the deadline passed, or it was no event stream. */
function streamBroke(err: unknown, redact: (text: string) => string): ProviderError {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : null;
  const timedOut = e?.name === "TimeoutError";
  const msg = timedOut ? "timed out" : code ?? (typeof e?.message === "string" ? e.message : String(err));
  return new ProviderError(redact(`provider's stream broke off: ${msg}`).slice(0, 400), null, code);
}
