import { BosunError } from "../../errors.ts";
import { readCappedBody } from "../../util/capped-body.ts";
import { systemClock, type Clock } from "../../util/clock.ts";
import { REDACTED } from "../../util/redact.ts";
import { retryAfterMs } from "../../util/retry-after.ts";

/**
 * One way to talk to Composio's v3 REST API: the `x-api-key` header (only that one: two
 * credential headers are refused with 401), a timeout per request, retries of 429 and 5xx with
 * the server's retry-after, and errors read from Composio's body (`{"error":{"message","code"|
 * "error_code","status","suggested_fix"}}`) with every text redacted and bounded.
 */

/** Most retries of one request (so at most three tries). */
export const MAX_RETRIES = 2;
/** Waits when the server gives no retry-after. */
const BACKOFF_MS = [500, 1_000] as const;
/** No wait is longer, whatever retry-after asks. */
export const RETRY_CAP_MS = 10_000;
/** Bound of any error text we build. */
const MAX_MESSAGE = 300;

/** A Composio request that failed; `status` is the HTTP status (null: no answer). */
export class ComposioError extends BosunError<"integration_failed"> {
  readonly status: number | null;
  /** Composio's own `code` / `error_code`, when it sent one. */
  readonly composioCode: string | null;
  constructor(message: string, opts: { status?: number | null; composioCode?: string | null; hint?: string; cause?: unknown } = {}) {
    super("integration_failed", message, { hint: opts.hint, cause: opts.cause });
    this.name = "ComposioError";
    this.status = opts.status ?? null;
    this.composioCode = opts.composioCode ?? null;
  }
  /** Composio answered, so it is up (a 404 or 400 is about the request, not the service). */
  get answered(): boolean {
    return this.status !== null && this.status !== 401 && this.status !== 403 && this.status !== 429 && this.status < 500;
  }
}

export interface HttpOptions {
  baseUrl: string;
  apiKey: string;
  clock: Clock;
  /** Hides secrets in every text we make from a response (the gateway's redactor). */
  redact: (text: string) => string;
  /** Told about retries (debug). */
  onRetry?: (what: string) => void;
}

export interface RequestSpec {
  method: "GET" | "POST" | "DELETE";
  /** Under the base URL, e.g. "/api/v3/tools"; path segments already encoded. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  timeoutMs: number;
  /**
   * Whether a 5xx (or, for GETs, a lost connection) may be retried: not for a tool execution,
   * which may have run already (an email sent twice). A 429 is always retried: it was refused.
   */
  retry5xx?: boolean;
}

export type Request = (spec: RequestSpec, signal: AbortSignal) => Promise<unknown>;

/** A function making one (retried) request and returning its parsed JSON body, or throwing a ComposioError. */
export function composioHttp(opts: HttpOptions): Request {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const keyed = (text: string) => errorText(text, opts.apiKey, opts.redact);
  return async (spec, signal) => {
    const url = base + spec.path + queryString(spec.query);
    const what = `${spec.method} ${spec.path}`;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: spec.method,
          headers: { "x-api-key": opts.apiKey, accept: "application/json", ...(spec.body !== undefined ? { "content-type": "application/json" } : {}) },
          body: spec.body !== undefined ? JSON.stringify(spec.body) : undefined,
          signal: AbortSignal.any([signal, AbortSignal.timeout(spec.timeoutMs)]),
          redirect: "error",
        });
      } catch (err) {
        if (signal.aborted) throw err;
        const e = unreachable(err, spec.timeoutMs, keyed);
        if (spec.method === "GET" && spec.retry5xx !== false && attempt < MAX_RETRIES) {
          await wait(opts, what, e.message, null, attempt, signal);
          continue;
        }
        throw e;
      }
      const text = await readText(res, signal, spec.timeoutMs, keyed);
      if (res.ok) {
        if (text.trim() === "") return null;
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new ComposioError(keyed(`Composio answered ${res.status} with a body that is not JSON (${describe(res, text)})`), { status: res.status });
        }
      }
      const e = errorFrom(res, text, keyed);
      const retryable = res.status === 429 || (res.status >= 500 && spec.retry5xx !== false);
      if (retryable && attempt < MAX_RETRIES) {
        await wait(opts, what, e.message, retryAfterMs(res.headers, opts.clock.now()), attempt, signal);
        continue;
      }
      throw e;
    }
  };
}

async function wait(opts: HttpOptions, what: string, why: string, asked: number | null, attempt: number, signal: AbortSignal): Promise<void> {
  const ms = Math.min(RETRY_CAP_MS, asked ?? BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!);
  opts.onRetry?.(`${what} failed (${why}); retry ${attempt + 1} of ${MAX_RETRIES} in ${ms} ms`);
  await opts.clock.sleep(ms, signal);
  if (signal.aborted) throw signal.reason ?? new Error("aborted");
}

/** Query arrays go comma-joined (`toolkit_slugs=gmail,github`), as Composio's clients send them. */
function queryString(query: RequestSpec["query"]): string {
  if (!query) return "";
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** Composio's biggest answers (a page of 1,000 tools with schemas) are a few MB; more is refused, not read. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

async function readText(res: Response, signal: AbortSignal, timeoutMs: number, keyed: (t: string) => string): Promise<string> {
  try {
    // The request's own timeout signal bounds the read too; the cap's deadline is a real-time backstop.
    const body = await readCappedBody(res, MAX_BODY_BYTES, timeoutMs, systemClock);
    if (!body.ok) throw new ComposioError(body.reason === "too_large" ? `Composio answered with more than ${MAX_BODY_BYTES} bytes` : "Composio's answer did not arrive in time", { status: res.status });
    return new TextDecoder().decode(body.bytes);
  } catch (err) {
    if (err instanceof ComposioError) throw err;
    if (signal.aborted) throw err;
    throw unreachable(err, timeoutMs, keyed, res.status);
  }
}

function unreachable(err: unknown, timeoutMs: number, keyed: (t: string) => string, status: number | null = null): ComposioError {
  const e = err as { name?: unknown; code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
  const timedOut = e?.name === "TimeoutError";
  const detail = timedOut
    ? `no answer within ${timeoutMs} ms`
    : String((typeof e?.cause?.code === "string" && e.cause.code) || (typeof e?.code === "string" && e.code) || (typeof e?.message === "string" && e.message) || err);
  return new ComposioError(keyed(`could not reach Composio: ${detail}`), { status, cause: err, hint: timedOut ? undefined : "check [integrations.composio] base_url and the network" });
}

const rec = (x: unknown): Record<string, unknown> | undefined => (typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined);

/** An error answer as a ComposioError: Composio's message, its code and suggested fix, the status. */
function errorFrom(res: Response, text: string, keyed: (t: string) => string): ComposioError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const err = rec(rec(body)?.error);
  const codeRaw = err?.code ?? err?.error_code;
  const composioCode = typeof codeRaw === "string" || typeof codeRaw === "number" ? String(codeRaw) : null;
  const detail = oneLine(
    (typeof err?.message === "string" && err.message) ||
      (typeof rec(body)?.message === "string" && (rec(body)!.message as string)) ||
      (typeof rec(body)?.error === "string" && (rec(body)!.error as string)) ||
      (body === undefined ? `a body that is not JSON (${describe(res, text)})` : res.statusText || "no message"),
  );
  const fix = typeof err?.suggested_fix === "string" && err.suggested_fix.trim() ? oneLine(err.suggested_fix) : undefined;
  if (res.status === 401) {
    return new ComposioError(keyed(`Composio refused the API key (401: ${detail})`), {
      status: 401,
      composioCode,
      hint: keyed(`check [integrations.composio] api_key / COMPOSIO_API_KEY (a project API key from the Composio dashboard)${fix ? `; Composio says: ${fix}` : ""}`).slice(0, MAX_MESSAGE),
    });
  }
  return new ComposioError(keyed(`Composio answered ${res.status}: ${detail}`), { status: res.status, composioCode, hint: fix ? keyed(fix).slice(0, MAX_MESSAGE) : undefined });
}

/** A body we will not quote: its type and size. */
function describe(res: Response, text: string): string {
  const type = (res.headers.get("content-type") ?? "no content type").split(";")[0]!.trim().slice(0, 60);
  return `${type}, ${text.length} characters`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim().slice(0, MAX_MESSAGE);
}

/** Redacted: the key itself first (a server may echo back what it was sent, and the redactor may not know it), then the redactor. */
export function hideKey(text: string, apiKey: string, redact: (t: string) => string): string {
  return redact(apiKey.length >= 4 ? text.split(apiKey).join(REDACTED) : text);
}

/** Redacted and bounded: what every error text is. */
function errorText(text: string, apiKey: string, redact: (t: string) => string): string {
  const out = hideKey(text, apiKey, redact);
  return out.length > MAX_MESSAGE + 100 ? `${out.slice(0, MAX_MESSAGE + 100)}…` : out;
}
