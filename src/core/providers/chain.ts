import { AbortedError } from "../util/abort.ts";
import type { Clock } from "../util/clock.ts";
import { classifyError, type ErrorType } from "./errors.ts";
import { ToolCallParts } from "./collect.ts";
import { PROVIDERS } from "./registry.ts";
import type { FinishReason, Provider, ProviderRequest, ProviderSettings, ToolCall, Usage } from "./types.ts";

/** Retryable errors are retried at most this often per entry (semantics §5). */
const MAX_RETRIES = 2;
/** No wait between retries is longer, whatever retry-after asks for. */
const RETRY_CAP_MS = 30_000;

/** The errors that move on to a fallback unless its entry says otherwise: the transient ones. */
export const DEFAULT_FALLBACK_ON: ReadonlySet<ErrorType> = new Set<ErrorType>(["rate_limited", "provider_unavailable", "timeout", "network"]);

export interface ChainEntry {
  provider: Provider;
  /** The model name that answered, recorded with the reply ("llama3.2"). */
  model: string;
  /** Error types that move on to THIS entry from the one before it (ignored for the first entry). Default: rate_limited, provider_unavailable, timeout, network. */
  on: ReadonlySet<ErrorType>;
}

export interface ChainAnswer {
  text: string;
  /** The answering call's usage (not summed over failed attempts), null when the backend sent none. */
  usage: Usage | null;
  model: string;
  /** The answering call's tool calls (fragments merged by index), in index order; empty when it made none. */
  toolCalls: ToolCall[];
  /** Why the answering call stopped; null when the backend did not say. */
  finishReason: FinishReason | null;
}

export interface ChainCallOptions {
  signal: AbortSignal;
  clock: Clock;
  /** A text delta as it streams. */
  onText?: (text: string) => void;
  /** The text streamed so far is void (a retry or the next entry starts afresh). */
  onRestart?: () => void;
  /** One line per retry/fallback, for the log ("rate_limited, retrying in 1000 ms", "primary failed (provider_unavailable); trying fallback meta-llama/..."). */
  onNotice?: (line: string) => void;
}

/**
 * One `[[agent.fallback]]` entry as the providers read it. config/schema.ts's FallbackConfig
 * extends this (it lives here, not in types.ts, because errors.ts imports types.ts and a type-only
 * import back would be an import circle).
 */
export interface FallbackSettings {
  base_url: string;
  model: string;
  api_key?: string;
  /** Absent: DEFAULT_FALLBACK_ON. */
  on?: readonly ErrorType[];
}

/** The [agent] fields buildChain reads (config/schema.ts's AgentConfig has them). */
export interface ChainSettings extends Pick<ProviderSettings, "timeout_ms"> {
  fallback?: readonly FallbackSettings[];
}

/**
 * Call the chain: each entry with up to 2 retries of retryable errors (backoff 1 s, 2 s, or
 * retryAfterMs, capped at 30 s), then the next entry whose `on` holds the last error's type
 * (entries whose `on` does not are skipped). Streams (request.stream = true). Resolves with the
 * answering call's text, usage, model, tool calls and finish reason; rejects with the last error, unchanged, when all failed
 * or the signal aborted. Never retries after abort.
 */
export async function callChain(chain: readonly ChainEntry[], request: ProviderRequest, opts: ChainCallOptions): Promise<ChainAnswer> {
  const { signal } = opts;
  const req: ProviderRequest = { ...request, stream: true };
  let last: unknown = null;
  let lastType: ErrorType | null = null;
  /** Text was handed to onText since the last restart: the next attempt must void it first. */
  let dirty = false;
  let failed = "primary";
  for (let i = 0; i < chain.length; i++) {
    const entry = chain[i]!;
    if (i > 0) {
      if (lastType === null || !entry.on.has(lastType)) continue;
      opts.onNotice?.(`${failed} failed (${lastType}); trying fallback ${entry.model}`);
    }
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw last ?? new AbortedError();
      if (dirty) {
        opts.onRestart?.();
        dirty = false;
      }
      let text = "";
      let usage: Usage | null = null;
      let finishReason: FinishReason | null = null;
      let calls: ToolCallParts | null = null;
      try {
        for await (const d of entry.provider.stream(req, signal)) {
          if (d.type === "text") {
            text += d.text;
            dirty = true;
            opts.onText?.(d.text);
          } else if (d.type === "usage") usage = d.usage;
          else if (d.type === "finish") finishReason = d.reason;
          else (calls ??= new ToolCallParts()).add(d);
        }
        // A provider that ignores its signal (echo) must not answer a cancelled turn.
        if (signal.aborted) throw new AbortedError();
        return { text, usage, model: entry.model, toolCalls: calls ? calls.calls() : [], finishReason };
      } catch (err) {
        last = err;
        if (signal.aborted) throw err;
        const c = classifyError(err);
        lastType = c.type;
        if (!c.retryable || attempt >= MAX_RETRIES) break;
        const wait = Math.min(RETRY_CAP_MS, c.retryAfterMs ?? 1000 * 2 ** attempt);
        opts.onNotice?.(`${c.type}, retrying in ${wait} ms`);
        await opts.clock.sleep(wait, signal);
      }
    }
    failed = i === 0 ? "primary" : `fallback ${entry.model}`;
  }
  throw last ?? new Error("no provider to call");
}

/**
 * Build the chain from [agent]: the selected primary (selectProvider's result), then one openai
 * provider per [[agent.fallback]] entry. A fallback sends only its own api_key: the environment's
 * OPENAI_API_KEY belongs to the primary's host and must not travel to another one.
 */
export async function buildChain(agent: ChainSettings, primary: Provider, env: Record<string, string | undefined>, redact?: (text: string) => string): Promise<ChainEntry[]> {
  const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _base, ...rest } = env;
  const chain: ChainEntry[] = [{ provider: primary, model: primary.model ?? primary.name, on: DEFAULT_FALLBACK_ON }];
  for (const f of agent.fallback ?? []) {
    const settings: ProviderSettings = { base_url: f.base_url, model: f.model, api_key: f.api_key, timeout_ms: agent.timeout_ms };
    const provider = await PROVIDERS.openai.create({ settings, env: rest, redact });
    chain.push({ provider, model: f.model, on: f.on ? new Set(f.on) : DEFAULT_FALLBACK_ON });
  }
  return chain;
}
