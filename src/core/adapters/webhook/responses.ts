import type { ReplyError } from "../types.ts";

/** The body of an answered request (HTTP 200, 504), also POSTed to callback_url. */
export interface ReplyBody {
  session: string;
  reply: string | null;
  error: ReplyError | null;
}

/** What a waiting request is answered with. */
export interface Outcome {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

/** A JSON response. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_TYPE, ...headers } });
}

/** The `{"error":{"code","message"}}` body every refused request gets. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** A refused request; messages are fixed or describe the client's own input, never the secret. */
export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return jsonResponse(status, errorBody(code, message), headers);
}

/** The answer to a request, as the agent gave it (or its user-facing failure message). */
export function replyBody(session: string, text: string, error: ReplyError | null | undefined): ReplyBody {
  return { session, reply: text, error: error ? { type: error.type, retryable: error.retryable } : null };
}

/** The 504 a request gets when no reply came within reply_timeout_ms. */
export function timeoutOutcome(session: string): Outcome {
  const body: ReplyBody = { session, reply: null, error: { type: "timeout", retryable: true } };
  return { status: 504, body };
}

/** Seconds a client is told to wait before retrying while bosun stops (a restart takes a few). */
const STOPPING_RETRY_AFTER_S = 5;

/** The 503 every request gets while bosun stops (new ones from the drain on, waiting ones at shutdown). */
export const SHUTTING_DOWN: Outcome = {
  status: 503,
  body: errorBody("shutting_down", "bosun is stopping; retry the request later with the same id"),
  headers: { "retry-after": String(STOPPING_RETRY_AFTER_S) },
};
