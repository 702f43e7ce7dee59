import { Redactor } from "../../util/redact.ts";
import { retryAfterMs } from "../../util/retry-after.ts";
import { TerminalError } from "../errors.ts";

/**
 * Minimal Web API client: `POST {api_root}/{method}` with a JSON body and the token in the
 * Authorization header only (apps.connections.open refuses it as a parameter), typed errors,
 * per-call deadlines, and no token in any error message.
 */

/** A well-formed `{"ok":false,"error":"..."}` answer (Slack answers most errors with HTTP 200). */
export class SlackApiError extends Error {
  override readonly name = "SlackApiError";
  constructor(
    readonly method: string,
    /** Slack's error code, e.g. "channel_not_found". */
    readonly code: string,
  ) {
    super(`Slack API ${method} failed: ${code}`);
  }
}

/** HTTP 429: wait `retryAfterMs` (from Retry-After) before calling again. */
export class SlackRateLimitError extends Error {
  override readonly name = "SlackRateLimitError";
  constructor(
    readonly method: string,
    readonly retryAfterMs: number,
  ) {
    super(`Slack API ${method} rate limited; retry after ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/** The request never got an API answer: refused, reset, timed out, a 5xx, or not JSON. */
export class SlackNetworkError extends Error {
  override readonly name = "SlackNetworkError";
}

/** A token Slack refuses for good: state `failed` with this message, no retry storm. */
export class SlackAuthError extends TerminalError {
  override readonly name = "SlackAuthError";
}

/** Error codes that mean the token itself is refused: retrying cannot help. */
export const AUTH_ERRORS = new Set(["invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type", "no_permission", "missing_scope", "org_login_required", "two_factor_setup_required", "team_access_not_granted", "ekm_access_denied"]);

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A Web API client for one pair of tokens; every call names which token it uses. */
export class SlackApi {
  readonly #base: string;
  readonly #redactor = new Redactor();
  readonly #now: () => number;
  constructor(apiRoot: string, tokens: string[], now: () => number) {
    this.#base = apiRoot.replace(/\/+$/, "");
    this.#redactor.set(tokens);
    this.#now = now;
  }

  /** Call one method with `token`; resolves with the whole `ok:true` body. */
  async call(method: string, token: string, params: Record<string, unknown>, opts: CallOptions): Promise<Record<string, unknown>> {
    const deadline = AbortSignal.timeout(opts.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.#base}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8", authorization: `Bearer ${token}` },
        body: JSON.stringify(params),
        signal,
      });
      text = await res.text();
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      if (deadline.aborted) throw new SlackNetworkError(`Slack API ${method} timed out after ${Math.round(opts.timeoutMs / 1000)} s`);
      const detail = err instanceof Error ? err.message : String(err);
      throw new SlackNetworkError(this.#redactor.apply(`Slack API ${method} unreachable: ${detail}`));
    }
    if (res.status === 429) throw new SlackRateLimitError(method, retryAfterMs(res.headers, this.#now()) ?? 1000);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new SlackNetworkError(`Slack API ${method} answered HTTP ${res.status} with a body that is not JSON`);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new SlackNetworkError(`Slack API ${method} answered HTTP ${res.status} with a malformed body`);
    const b = body as Record<string, unknown>;
    if (b.ok === true) return b;
    if (typeof b.error === "string") throw new SlackApiError(method, this.#redactor.apply(b.error.slice(0, 200)));
    throw new SlackNetworkError(`Slack API ${method} answered HTTP ${res.status} without ok`);
  }
}
