import { TerminalError } from "../errors.ts";
import { Redactor } from "../../util/redact.ts";

/**
 * Minimal Bot API client: `POST {api_root}/bot{token}/{method}` with a JSON body, typed errors,
 * per-call deadlines, and no token in any error message.
 */

/** A well-formed `{"ok":false}` answer from the Bot API. */
export class TelegramApiError extends Error {
  override readonly name = "TelegramApiError";
  constructor(
    readonly method: string,
    /** `error_code` (the HTTP status the API meant). */
    readonly status: number,
    readonly description: string,
    /** `parameters.retry_after` in seconds, present on 429. */
    readonly retryAfterS?: number,
  ) {
    super(`Telegram API ${method} failed: ${description} (${status})`);
  }
}

/** The request never got an API answer: connection refused, reset, timed out, or not JSON. */
export class TelegramNetworkError extends Error {
  override readonly name = "TelegramNetworkError";
  constructor(
    readonly method: string,
    message: string,
    /** Network error code such as ECONNREFUSED, or "ETIMEDOUT" for our own deadline. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** A file bigger than the caller's limit: announced so, or more bytes came than allowed. */
export class FileTooBigError extends Error {
  override readonly name = "FileTooBigError";
  constructor(readonly bytes: number) {
    super(`the file is bigger than allowed (at least ${bytes} bytes)`);
  }
}

/**
 * The token was refused (401): a configuration problem (state `failed` with this message), not a
 * passing network fault, so it is terminal.
 */
export class TelegramAuthError extends TerminalError {
  override readonly name = "TelegramAuthError";
  constructor() {
    super("token rejected (401 Unauthorized)");
  }
}

/** Hide the token anywhere in a string, and any `bot<token>` of a Bot API URL (the shared redaction rules). */
export function redactToken(text: string, token: string): string {
  return tokenRedactor(token).apply(text);
}

function tokenRedactor(token: string): Redactor {
  const r = new Redactor();
  r.set([token]);
  return r;
}

export interface CallOptions {
  /** Whole-request deadline (connect + server hold + body). */
  timeoutMs: number;
  /** Aborts the request quietly (shutdown). */
  signal?: AbortSignal;
}

type ApiBody = { ok?: unknown; result?: unknown; error_code?: unknown; description?: unknown; parameters?: { retry_after?: unknown } };

/** A Bot API client bound to one token. */
export class TelegramApi {
  readonly #base: string;
  readonly #token: string;
  // Errors leave this client as objects anyone may print: they carry no token, whoever prints them.
  readonly #redactor: Redactor;
  constructor(apiRoot: string, token: string) {
    this.#base = apiRoot.replace(/\/+$/, "");
    this.#token = token;
    this.#redactor = tokenRedactor(token);
  }

  /** Call one method; resolves with `result`, rejects with TelegramApiError / TelegramNetworkError / the abort reason. */
  call<T = unknown>(method: string, params: Record<string, unknown>, opts: CallOptions): Promise<T> {
    return this.#post<T>(method, { headers: { "content-type": "application/json" }, body: JSON.stringify(params) }, opts);
  }

  /**
   * Call one method that uploads a file (multipart/form-data, as sendVoice takes one): `params` as
   * form fields (objects as JSON), `file` under its field name. Answers and errors as `call`'s.
   */
  upload<T = unknown>(method: string, params: Record<string, unknown>, file: { field: string; name: string; type: string; bytes: Uint8Array }, opts: CallOptions): Promise<T> {
    const form = new FormData();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) form.append(k, typeof v === "object" && v !== null ? JSON.stringify(v) : String(v));
    form.append(file.field, new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: file.type }), file.name);
    return this.#post<T>(method, { body: form }, opts);
  }

  async #post<T>(method: string, init: { headers?: Record<string, string>; body: string | FormData }, opts: CallOptions): Promise<T> {
    const deadline = AbortSignal.timeout(opts.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.#base}/bot${this.#token}/${method}`, { method: "POST", ...init, signal });
      text = await res.text();
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      if (deadline.aborted) throw new TelegramNetworkError(method, `Telegram API ${method} timed out after ${Math.round(opts.timeoutMs / 1000)} s`, "ETIMEDOUT");
      const code = typeof (err as { code?: unknown })?.code === "string" ? (err as { code: string }).code : undefined;
      const detail = err instanceof Error ? err.message : String(err);
      throw new TelegramNetworkError(method, this.#redact(`Telegram API ${method} unreachable: ${detail}${code && !detail.includes(code) ? ` (${code})` : ""}`), code);
    }
    let body: ApiBody;
    try {
      body = JSON.parse(text) as ApiBody;
    } catch {
      throw new TelegramNetworkError(method, `Telegram API ${method} answered HTTP ${res.status} with a body that is not JSON`);
    }
    if (typeof body !== "object" || body === null) throw new TelegramNetworkError(method, `Telegram API ${method} answered HTTP ${res.status} with a malformed body`);
    if (body.ok === true && "result" in body) return body.result as T;
    const status = typeof body.error_code === "number" ? body.error_code : res.status;
    const description = typeof body.description === "string" ? this.#redact(body.description.slice(0, 500)) : `HTTP ${res.status}`;
    const retry = body.parameters?.retry_after;
    throw new TelegramApiError(method, status, description, typeof retry === "number" && retry >= 0 ? retry : undefined);
  }

  /**
   * Download a file getFile pointed at (`GET {api_root}/file/bot{token}/{path}`), refusing one
   * bigger than `maxBytes` before reading it (Content-Length) and while reading it (a server that
   * sends more than it announced): FileTooBigError. Network failures are TelegramNetworkErrors.
   */
  async download(path: string, maxBytes: number, opts: CallOptions): Promise<Uint8Array> {
    const deadline = AbortSignal.timeout(opts.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
    const what = "file download";
    try {
      const res = await fetch(`${this.#base}/file/bot${this.#token}/${path}`, { signal });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        throw new TelegramApiError("getFile", res.status, `the file download answered HTTP ${res.status}`);
      }
      const announced = Number(res.headers.get("content-length") ?? NaN);
      if (Number.isFinite(announced) && announced > maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw new FileTooBigError(announced);
      }
      const chunks: Uint8Array[] = [];
      let total = 0;
      if (res.body) {
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          total += value.byteLength;
          if (total > maxBytes) {
            await reader.cancel().catch(() => undefined);
            throw new FileTooBigError(total);
          }
          chunks.push(value);
        }
      }
      const out = new Uint8Array(total);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.byteLength;
      }
      return out;
    } catch (err) {
      if (err instanceof FileTooBigError || err instanceof TelegramApiError) throw err;
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      if (deadline.aborted) throw new TelegramNetworkError(what, `Telegram ${what} timed out after ${Math.round(opts.timeoutMs / 1000)} s`, "ETIMEDOUT");
      const code = typeof (err as { code?: unknown })?.code === "string" ? (err as { code: string }).code : undefined;
      throw new TelegramNetworkError(what, this.#redact(`Telegram ${what} failed: ${err instanceof Error ? err.message : String(err)}`), code);
    }
  }

  #redact(text: string): string {
    return this.#redactor.apply(text);
  }
}

