import type { InboundMessage } from "../types.ts";

/** A validated webhook request: the inbound message plus where to POST the reply, if anywhere. */
export interface WebhookRequest {
  message: InboundMessage;
  callbackUrl?: string;
}

export type ParsedRequest = { ok: true; request: WebhookRequest } | { ok: false; message: string };

/** Longest id, conversation and user accepted, in characters. */
export const MAX_FIELD_CHARS = 200;
/** Longest message text accepted, in characters. */
export const MAX_TEXT_CHARS = 32_000;
/** Longest callback URL accepted, in characters. */
export const MAX_URL_CHARS = 2_048;
/** Most of a JSON parser's message quoted back to the client. */
const MAX_DETAIL_CHARS = 200;

/** Length in Unicode code points; `length` counts UTF-16 units, which is only an upper bound. */
function chars(s: string, limit: number): number {
  return s.length <= limit ? s.length : [...s].length;
}

function checkString(body: Record<string, unknown>, field: string, max: number): string | { error: string } {
  const v = body[field];
  if (typeof v !== "string" || v.trim() === "" || chars(v, max) > max) {
    return { error: `"${field}" must be a non-empty string (at most ${max.toLocaleString("en-US")} characters)` };
  }
  return v;
}

function checkCallback(v: unknown): string | undefined | { error: string } {
  if (v === undefined || v === null) return undefined;
  const error = { error: `"callback_url" must be an http:// or https:// URL (at most ${MAX_URL_CHARS} characters)` };
  if (typeof v !== "string" || v.length > MAX_URL_CHARS || !URL.canParse(v)) return error;
  const url = new URL(v);
  return url.protocol === "http:" || url.protocol === "https:" ? v : error;
}

/** Decode, parse and validate a webhook body; the error message names the problem or the field. */
export function parseWebhookRequest(bytes: Uint8Array): ParsedRequest {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, message: "body is not valid UTF-8" };
  }
  if (text.trim() === "") return { ok: false, message: "body is empty; expected a JSON object" };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    const detail = (err instanceof Error ? err.message : String(err)).slice(0, MAX_DETAIL_CHARS);
    return { ok: false, message: `body is not valid JSON: ${detail}` };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, message: 'body must be a JSON object {"id", "conversation", "user", "text"}' };
  }
  const obj = body as Record<string, unknown>;
  const id = checkString(obj, "id", MAX_FIELD_CHARS);
  if (typeof id !== "string") return { ok: false, message: id.error };
  const conversation = checkString(obj, "conversation", MAX_FIELD_CHARS);
  if (typeof conversation !== "string") return { ok: false, message: conversation.error };
  const user = checkString(obj, "user", MAX_FIELD_CHARS);
  if (typeof user !== "string") return { ok: false, message: user.error };
  const msgText = checkString(obj, "text", MAX_TEXT_CHARS);
  if (typeof msgText !== "string") return { ok: false, message: msgText.error };
  const callbackUrl = checkCallback(obj.callback_url);
  if (typeof callbackUrl === "object") return { ok: false, message: callbackUrl.error };
  // The message carries its callback into the store, so a reply after a restart still goes there.
  // The sender's name titles its conversation (a webhook has no platform to ask).
  const request: WebhookRequest = { message: { id, conversation, user, text: msgText, title: user, ...(callbackUrl === undefined ? {} : { replyUrl: callbackUrl }) } };
  if (callbackUrl !== undefined) request.callbackUrl = callbackUrl;
  return { ok: true, request };
}
