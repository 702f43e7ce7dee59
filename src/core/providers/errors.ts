import { redactPatterns } from "../util/redact.ts";
import { retryAfterMs } from "../util/retry-after.ts";
import { ProviderError } from "./types.ts";

/** Every classification (semantics §5), in rule order. */
export const ERROR_TYPES = [
  "budget_exhausted",
  "rate_limited",
  "auth",
  "context_overflow",
  "model_unavailable",
  "provider_unavailable",
  "timeout",
  "network",
  "bad_request",
  "cancelled",
  "unknown",
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

export interface ClassifiedError {
  type: ErrorType;
  retryable: boolean;
  retryAfterMs: number | null;
  /** Short, plain, secret-free message for the chat. */
  userMessage: string;
}

const RETRYABLE: ReadonlySet<ErrorType> = new Set(["rate_limited", "provider_unavailable", "timeout", "network"]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "EPIPE", "ConnectionRefused", "ConnectionReset"]);

/** Classify a provider failure (semantics §5): structured facts first, then message markers; first match wins. */
export function classifyError(err: unknown, opts: { cancelled?: boolean } = {}): ClassifiedError {
  const status = err instanceof ProviderError ? err.status : null;
  const code = (err instanceof ProviderError ? err.providerCode : (err as { code?: string })?.code) ?? "";
  const msg = (err instanceof Error ? err.message : String(err)).toLowerCase();
  const name = err instanceof Error ? err.name : "";
  const type = ((): ErrorType => {
    if (opts.cancelled) return "cancelled";
    if (status === 402 || /insufficient_quota|credit_balance|spend_limit|billing_hard_limit/.test(code) || /insufficient (balance|credits?)|out of credits|top up|quota exceeded|budget.*exceed|billing/.test(msg)) return "budget_exhausted";
    if (status === 429 || /rate_limit_exceeded|rate_limit_error/.test(code) || /rate limit|too many requests/.test(msg)) return "rate_limited";
    if (status === 401 || status === 403 || /invalid api key|unauthorized|forbidden/.test(msg)) return "auth";
    if (/maximum context length|prompt is too long/.test(msg) || (/context/.test(msg) && /token|limit|exceed/.test(msg))) return "context_overflow";
    if ((status === 404 && /model/.test(msg)) || /model.*(not found|does not exist|no access)/.test(msg) || code === "model_not_found") return "model_unavailable";
    if ((status !== null && [500, 502, 503, 529].includes(status)) || code === "overloaded_error" || /service unavailable|overloaded/.test(msg)) return "provider_unavailable";
    if (status === 408 || status === 504 || name === "TimeoutError" || code === "ETIMEDOUT" || /timed out|timeout/.test(msg)) return "timeout";
    if (NETWORK_CODES.has(code) || /econnrefused|econnreset|enotfound|eai_again|socket hang up|fetch failed|could not reach|unable to connect/.test(msg)) return "network";
    if (status !== null && status >= 400 && status < 500) return "bad_request";
    return "unknown";
  })();
  const retryAfterMs = retryAfter(err);
  return { type, retryable: RETRYABLE.has(type), retryAfterMs, userMessage: userMessage(type, retryAfterMs, err) };
}

function retryAfter(err: unknown): number | null {
  const fromHeaders = retryAfterMs(err instanceof ProviderError ? err.headers : null, Date.now());
  if (fromHeaders !== null) return fromHeaders;
  const hint = /try again in (\d+(?:\.\d+)?)\s*(ms|s|seconds?)/i.exec(err instanceof Error ? err.message : "");
  if (hint) return Number(hint[1]) * (hint[2]!.toLowerCase() === "ms" ? 1 : 1000);
  return null;
}

/** "Try again in 12 seconds" / "in about 3 minutes" past 90 s. */
export function retryHint(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 1) return "Try again in a moment.";
  return s > 90 ? `Try again in about ${Math.round(s / 60)} minutes.` : `Try again in ${s} second${s === 1 ? "" : "s"}.`;
}

const BASE: Record<ErrorType, string> = {
  budget_exhausted: "The model provider says the account is out of credit or over its budget; the bot's owner needs to top it up.",
  rate_limited: "The model provider is rate-limiting this bot right now.",
  auth: "The model provider rejected the bot's credentials; the bot's owner needs to check the API key.",
  context_overflow: "This conversation is too long for the model. Send /reset to start a fresh one.",
  model_unavailable: "The configured model is not available at the provider.",
  provider_unavailable: "The model provider is unavailable or overloaded right now.",
  timeout: "The model provider took too long to answer.",
  network: "The model provider could not be reached.",
  bad_request: "The model provider refused the request.",
  cancelled: "The reply was cancelled.",
  unknown: "Something went wrong while asking the model.",
};

function userMessage(type: ErrorType, retryAfterMs: number | null, err: unknown): string {
  const parts = [BASE[type]];
  if (retryAfterMs !== null && RETRYABLE.has(type)) parts.push(retryHint(retryAfterMs));
  else if (RETRYABLE.has(type)) parts.push("Please try again shortly.");
  const detail = sanitize(err instanceof Error ? err.message : String(err));
  if (detail && type !== "cancelled") parts.push(`(${detail})`);
  return parts.join(" ");
}

/** At most 300 characters of provider detail, without anything that looks like a key (the shared redaction shapes). */
function sanitize(s: string): string {
  return redactPatterns(s).replace(/\s+/g, " ").trim().slice(0, 300);
}
